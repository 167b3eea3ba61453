"""Two snapshot publishers (two metrics instances, in-process, one store, one Redis): only
the lease's holder publishes, the other hands it the units its flushes changed, takes over
when the holder dies, and the dead holder's writes are refused.

The lease is shortened here (2 s); ``tests/contract/test_lease.py`` holds the production
default to its 15 s."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime

import pytest
import redis.asyncio as aredis

from tthc_contract.lease import Lease, LeaseLost, takeover_bound_s
from tthc_contract.plan import Plan
from tthc_contract.redis_client import connect
from tthc_contract.streams import INDICATORS
from tthc_metrics.snapshots import SnapshotPublisher
from tthc_metrics.store import Store

from ..waiting import eventually as until

pytestmark = [pytest.mark.asyncio, pytest.mark.clock, pytest.mark.faults]
TTL_MS, POLL_MS = 2_000, 300
"""Long enough that a test process starved of CPU for a second (three test workers share
two cores) keeps the lease through the 3 x TTL a standby must stay a standby."""


class Publisher:
    """A publisher of its own metrics instance, and the publishes it made."""

    def __init__(self, name: str, store: Store, redis_url: str, plan: Plan) -> None:
        self.redis = connect(redis_url)
        self.lease = Lease(self.redis, "snapshots", holder=name, ttl_ms=TTL_MS, poll_ms=POLL_MS)
        self.publisher = SnapshotPublisher(
            store, self.redis, plan, interval_s=3600, min_gap_s=0, check_s=0.2, lease=self.lease
        )
        self.calls: list[tuple[bool, set[str] | None]] = []
        publish = self.publisher.publish

        async def counted(full: bool, at: datetime | None = None, units: set[str] | None = None) -> int:
            self.calls.append((full, units))
            return await publish(full, at, units)

        self.publisher.publish = counted  # type: ignore[method-assign]
        self.task = asyncio.create_task(self.publisher.run())


@pytest.fixture
async def publishers(store: Store, redis_url: str, plan: Plan) -> AsyncIterator[Callable[[str], Publisher]]:
    started: list[Publisher] = []

    def make(name: str) -> Publisher:
        started.append(Publisher(name, store, redis_url, plan))
        return started[-1]

    yield make
    for p in started:
        p.task.cancel()
        await asyncio.gather(p.task, return_exceptions=True)
        await p.redis.aclose()


async def _at_least(redis: aredis.Redis, entries: int) -> bool:
    return bool(await redis.xlen(INDICATORS) >= entries)


async def test_only_the_holder_publishes_and_a_standby_takes_over(
    publishers: Callable[[str], Publisher], redis: aredis.Redis, plan: Plan
) -> None:
    one = publishers("one")
    await until(lambda: bool(one.calls))  # it holds the lease: a full publish at once
    two = publishers("two")
    await asyncio.sleep(3 * TTL_MS / 1000)
    assert one.calls[0][0] is True and two.calls == [], "one publisher"
    full_round = await redis.xlen(INDICATORS)
    assert full_round == len(plan.unit_codes) * 3, "month, year and due-soon of each unit, once"
    assert two.publisher.last_at is not None, "a standby reports the holder's snapshot age"

    two.publisher.mark_dirty({"kt"})  # a flush of two changed Phòng Kinh tế
    await until(lambda: any(units and "kt" in units for _, units in one.calls))
    assert two.calls == []

    async def dies() -> bool:  # SIGKILL: no release; the lease expires by itself
        return False

    one.lease.release = dies  # type: ignore[method-assign]
    one.task.cancel()
    died_at = time.monotonic()
    await until(lambda: bool(two.calls), timeout=2 * takeover_bound_s(TTL_MS, POLL_MS))
    assert time.monotonic() - died_at <= takeover_bound_s(TTL_MS, POLL_MS) + 0.5
    assert two.calls[0][0] is True, "a new holder publishes every unit"
    await until(lambda: _at_least(redis, 2 * full_round))
    length = await redis.xlen(INDICATORS)
    assert length == 2 * full_round, "the new holder's full round, once"

    assert one.lease.value is not None, "the dead holder, stalled rather than gone, thinks it holds it"
    with pytest.raises(LeaseLost):
        await one.publisher.publish(full=True)
    assert await redis.xlen(INDICATORS) == length, "nothing of the stale holder is written"
