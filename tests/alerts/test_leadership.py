"""Two alerts instances on one Redis (in-process): one evaluator, one standby; the evaluator
dies, the standby takes over within the lease's bound, and the dead one's writes are refused.

The lease is shortened here (2 s); ``tests/contract/test_lease.py`` holds the production
default to its 15 s."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import pytest
import redis.asyncio as aredis

from tthc_alerts.alertmanager import AlertmanagerClient
from tthc_alerts.api import create_api
from tthc_alerts.consumer import SnapshotConsumer
from tthc_alerts.delivery import Deliverer
from tthc_alerts.engine import AlertEngine
from tthc_alerts.leadership import Roles
from tthc_alerts.state_store import STATE, AlertStore
from tthc_contract.lease import Lease, LeaseLost, takeover_bound_s
from tthc_contract.periods import period_of
from tthc_contract.plan import Plan
from tthc_contract.redis_client import connect
from tthc_contract.streams import ALERTS, ALERTS_GROUP, BODY_FIELD, INDICATORS, KIND_FIELD, KIND_SNAPSHOT

from ..waiting import eventually as until
from .conftest import plan_with
from .snapshots import snapshot

pytestmark = [pytest.mark.asyncio, pytest.mark.clock, pytest.mark.faults]
TTL_MS, POLL_MS = 2_000, 300
"""Long enough that a test process starved of CPU for a second (three test workers share
two cores) keeps the lease through the 3 x TTL a standby must stay a standby."""
PLAN = plan_with(alerts={"pending": "0s"})


class RecordingAlertmanager(AlertmanagerClient):
    """Accepts every post and keeps it: which instance delivered what."""

    def __init__(self) -> None:
        super().__init__("http://alertmanager.invalid")
        self.posted: list[list[dict[str, Any]]] = []

    async def post(self, alerts: list[dict[str, Any]]) -> None:
        self.posted.append(alerts)

    async def ready(self, timeout_s: float = 2.0) -> bool:
        return True


@dataclass
class Instance:
    redis: aredis.Redis
    lease: Lease
    engine: AlertEngine
    roles: Roles
    alertmanager: RecordingAlertmanager
    api: httpx.AsyncClient
    task: asyncio.Task[None] = field(init=False)


def start(name: str, redis_url: str, plan: Plan) -> Instance:
    redis = connect(redis_url)
    lease = Lease(redis, "alerts", holder=name, ttl_ms=TTL_MS, poll_ms=POLL_MS)
    engine = AlertEngine(plan, AlertStore(redis, fence=lease))
    alertmanager = RecordingAlertmanager()
    deliverer = Deliverer(engine, alertmanager, plan, repost_s=0.5, source_url="http://m")
    roles = Roles(
        engine,
        deliverer,
        lease,
        lambda: SnapshotConsumer(redis_url, redis, name, engine),
        tick_s=TICK_S,
        follow_s=0.2,
    )
    app = create_api(engine, deliverer, roles.role)
    api = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://alerts")
    instance = Instance(redis, lease, engine, roles, alertmanager, api)
    instance.task = asyncio.create_task(roles.run())
    return instance


@pytest.fixture
async def instances(redis_url: str) -> AsyncIterator[Callable[[str], Instance]]:
    started: list[Instance] = []

    def make(name: str) -> Instance:
        started.append(start(name, redis_url, PLAN))
        return started[-1]

    yield make
    for instance in started:
        instance.task.cancel()
        await asyncio.gather(instance.task, return_exceptions=True)
        await instance.api.aclose()
        await instance.redis.aclose()


# Snapshots carry the instant they were computed at, and the engine judges them by it: the
# tests publish theirs as of one instant (AT), and the clock's ticks are off (TICK_S), so a
# month or a year that ends during a test resolves nothing.
AT = datetime.now(UTC)
TICK_S = 3600.0


async def publish(redis: aredis.Redis, **counts: tuple[int, int]) -> None:
    body = snapshot(PLAN, "kt", period_of(AT, "month").code, AT, **counts)
    await redis.xadd(INDICATORS, {KIND_FIELD: KIND_SNAPSHOT.encode(), BODY_FIELD: orjson.dumps(body)})


async def changes(redis: aredis.Redis) -> list[tuple[str, str]]:
    return [
        (b["id"], b["status"]) for b in (orjson.loads(f[BODY_FIELD]) for _, f in await redis.xrange(ALERTS))
    ]


async def reading(redis: aredis.Redis, consumer: str) -> None:
    """Until ``consumer`` reads tthc:indicators in the alerts group.

    Redis lists a group's consumer only once it has delivered an entry to it, and the group
    is created at "$" when an evaluator's term starts (an entry added before that is never
    delivered). So: once the group exists, an entry of no kind (the evaluator logs and skips
    it), again every half second, until ``consumer`` is listed (at most a minute)."""
    await until(lambda: _group_exists(redis))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        await redis.xadd(INDICATORS, {KIND_FIELD: b"probe"})
        with contextlib.suppress(AssertionError):
            await until(lambda: _has_consumer(redis, consumer), timeout=0.5)
            return
    raise AssertionError(f"{consumer} never read tthc:indicators in 60 s")


async def _group_exists(redis: aredis.Redis) -> bool:
    groups = await redis.xinfo_groups(INDICATORS) if await redis.exists(INDICATORS) else []
    return any(g["name"] == ALERTS_GROUP.encode() for g in groups)


async def _has_consumer(redis: aredis.Redis, consumer: str) -> bool:
    return any(c["name"] == consumer.encode() for c in await redis.xinfo_consumers(INDICATORS, ALERTS_GROUP))


async def test_one_evaluates_the_standby_takes_over_and_the_dead_writes_nothing(
    instances: Callable[[str], Instance], redis: aredis.Redis
) -> None:
    key = f"kt/online_rate/{period_of(AT, 'month').code}"
    one = instances("one")
    await until(lambda: one.roles.role() == "evaluator")
    two = instances("two")
    await reading(redis, "one")
    await asyncio.sleep(3 * TTL_MS / 1000)  # renewals go on: two stays a standby
    assert two.roles.role() == "standby"

    await publish(redis, online_rate=(80, 100))
    await until(lambda: changes(redis))
    assert await changes(redis) == [(key, "firing")], "one evaluator: one change"
    await until(lambda: key in two.engine.records)  # the standby follows the state
    listed = (await two.api.get("/v1/alerts")).json()["alerts"]
    assert [a["id"] for a in listed] == [key]
    health = await two.api.get("/health")
    assert health.status_code == 200 and health.json()["role"] == "standby"
    assert (await one.api.get("/health")).json()["role"] == "evaluator"
    await until(lambda: one.alertmanager.posted)
    assert two.alertmanager.posted == [], "a standby delivers nothing"

    async def dies() -> bool:  # SIGKILL: no release; the lease expires by itself
        return False

    one.lease.release = dies  # type: ignore[method-assign]
    one.task.cancel()
    died_at = time.monotonic()
    await until(lambda: two.roles.role() == "evaluator", timeout=2 * takeover_bound_s(TTL_MS, POLL_MS))
    assert time.monotonic() - died_at <= takeover_bound_s(TTL_MS, POLL_MS) + 0.5
    await reading(redis, "two")
    await publish(redis, online_rate=(100, 100))
    await until(lambda: _resolved(two.engine, key))
    assert await changes(redis) == [(key, "firing"), (key, "resolved")]
    await until(
        lambda: any(a["labels"]["indicator"] == "online_rate" for p in two.alertmanager.posted for a in p)
    )

    # The dead evaluator, stalled rather than gone, still thinks it holds its lease: refused.
    assert one.lease.value is not None
    state = await redis.hgetall(STATE)
    now = AT
    with pytest.raises(LeaseLost):
        await one.engine.on_snapshot(
            snapshot(PLAN, "kt", period_of(now, "month").code, now, online_rate=(1, 100))
        )
    assert (
        await changes(redis) == [(key, "firing"), (key, "resolved")] and await redis.hgetall(STATE) == state
    )
    assert one.lease.value is None, "it learnt that it lost the lease"


def _resolved(engine: AlertEngine, key: str) -> bool:
    record = engine.records.get(key)
    return record is not None and record.status == "resolved"
