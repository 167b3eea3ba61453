"""Two ingest instances (``create_app`` twice, each with its own Redis connection) on one
Redis, behind a balancer that alternates between them: SPEC section 7's unit scope and
all-or-nothing hold whichever instance a request reaches, because what they decide on (the
case → unit index, the stream) is in Redis, not in either instance."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tthc_contract.unit_index import CASE_UNITS

from .conftest import KT_KEY, VPDKDD_KEY, auth
from .test_scope import case_received, event, feedback_received, state, unit_of

pytestmark = pytest.mark.asyncio


class Balancer:
    """Round robin over the instances, as any HTTP balancer would do."""

    def __init__(self, *instances: httpx.AsyncClient) -> None:
        self._next = itertools.cycle(instances)
        self.used: list[int] = []
        self._ids = {id(c): n for n, c in enumerate(instances)}

    async def post(self, events: list[dict[str, Any]], key: str) -> httpx.Response:
        instance = next(self._next)
        self.used.append(self._ids[id(instance)])
        return await instance.post("/v1/events", json=events, headers=auth(key))


@pytest.fixture
def balancer(make_client: Callable[..., httpx.AsyncClient], redis_url: str) -> Balancer:
    return Balancer(make_client(redis_url), make_client(redis_url))


async def refused(balancer: Balancer, url: str, events: list[dict[str, Any]], key: str, status: int) -> Any:
    before = state(url)
    response = await balancer.post(events, key)
    assert response.status_code == status, response.text
    assert state(url) == before, "a refused request publishes nothing and leaves the index as it was"
    return response.json()


async def test_unit_scope_holds_across_instances(balancer: Balancer, redis_url: str) -> None:
    seeded = [case_received("KT-1", "kt"), feedback_received("PAKN-KT", "kt")]
    assert (await balancer.post(seeded, "demo-igate-key")).status_code == 202  # instance 0
    for kind in ("tthc.case.synced", "tthc.case.resolved"):  # instance 1, then 0
        body = await refused(balancer, redis_url, [event(kind, "KT-1", "vpdkdd-system")], VPDKDD_KEY, 403)
        assert "'KT-1' was received for unit 'kt'" in str(body["detail"])
    moved = case_received("KT-1", "vpdkdd", "vpdkdd-system", time="2026-03-06T08:30:00+07:00")
    await refused(balancer, redis_url, [moved], VPDKDD_KEY, 403)  # instance 1
    resolve = event("tthc.feedback.resolved", "PAKN-KT", "vpdkdd-system")
    await refused(balancer, redis_url, [resolve], VPDKDD_KEY, 403)  # instance 0
    # Its own unit's source, through either instance, for the case the other one indexed.
    assert (await balancer.post([event("tthc.case.synced", "KT-1", "kt-system")], KT_KEY)).status_code == 202
    assert (await balancer.post([event("tthc.case.paid", "KT-1", "kt-system")], KT_KEY)).status_code == 202
    assert unit_of(redis_url, CASE_UNITS, "KT-1").endswith(b" kt")  # type: ignore[union-attr]
    assert set(balancer.used) == {0, 1} and state(redis_url)[0] == 4


async def test_a_restricted_source_s_received_on_one_instance_opens_its_case_on_the_other(
    balancer: Balancer, redis_url: str
) -> None:
    unknown = [event("tthc.case.synced", "VP-1", "vpdkdd-system")]
    await refused(balancer, redis_url, unknown, VPDKDD_KEY, 403)  # instance 0: not known yet
    own = [case_received("VP-1", "vpdkdd", "vpdkdd-system")]
    assert (await balancer.post(own, VPDKDD_KEY)).status_code == 202  # instance 1 indexes it
    assert (await balancer.post(unknown, VPDKDD_KEY)).status_code == 202  # instance 0 knows it
    assert balancer.used == [0, 1, 0] and state(redis_url)[0] == 2


async def test_all_or_nothing_on_either_instance(balancer: Balancer, redis_url: str) -> None:
    batch = [case_received(f"AON-{i}", "kt") for i in range(5)]
    broken = [*batch[:2], {**batch[2], "time": "yesterday"}, *batch[3:]]
    for _ in range(2):  # one instance, then the other
        body = await refused(balancer, redis_url, broken, "demo-igate-key", 422)
        assert [d["index"] for d in body["detail"]] == [2]
    mixed = [
        case_received("VP-9", "vpdkdd", "vpdkdd-system"),
        event("tthc.case.paid", "AON-1", "vpdkdd-system"),
    ]
    for _ in range(2):
        await refused(balancer, redis_url, mixed, VPDKDD_KEY, 403)
    assert (await balancer.post(batch, "demo-igate-key")).status_code == 202
    assert state(redis_url)[0] == 5 and balancer.used == [0, 1, 0, 1, 0]
