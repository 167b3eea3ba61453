"""SPEC section 7: a source restricted to some units changes nothing outside them, for every
event type, against the case → unit index in a real Redis."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis

from tthc_contract.examples import example_events
from tthc_contract.streams import EVENTS
from tthc_contract.unit_index import CASE_UNITS, FEEDBACK_UNITS

from ..unit_index_reads import index_hashes, owner
from .conftest import KT_KEY, VPDKDD_KEY, auth

pytestmark = pytest.mark.asyncio
EXAMPLES = example_events()
CASE_TYPES = [t for t in EXAMPLES if t.startswith("tthc.case.") and t != "tthc.case.received"]
_ids = iter(range(10**9))


def event(kind: str, subject: str, source: str = "igate", **data: Any) -> dict[str, Any]:
    e = copy.deepcopy(EXAMPLES[kind])
    e.update(id=f"{source}-{next(_ids)}", source=source, subject=subject)
    if data:
        e["data"] = {**(e.get("data") or {}), **data}
    return e


def case_received(case: str, unit: str, source: str = "igate", time: str | None = None) -> dict[str, Any]:
    e = event("tthc.case.received", case, source, unit=unit)
    if time:
        e["time"] = time
    return e


def feedback_received(code: str, unit: str, source: str = "igate", case: str | None = None) -> dict[str, Any]:
    e = event("tthc.feedback.received", code, source, unit=unit)
    e["data"].pop("case", None)
    if case:
        e["data"]["case"] = case
    return e


def state(url: str) -> tuple[int, dict[bytes, dict[bytes, bytes]]]:
    client = redis.Redis.from_url(url)
    return client.xlen(EVENTS), index_hashes(client)


def unit_of(url: str, base: str, subject: str) -> bytes | None:
    return owner(redis.Redis.from_url(url), base, subject)


async def post(client: httpx.AsyncClient, events: list[dict[str, Any]], key: str) -> httpx.Response:
    return await client.post("/v1/events", json=events, headers=auth(key))


@pytest.fixture
def kt_case_and_feedback(client: httpx.AsyncClient, redis_url: str) -> Callable[[], Any]:
    async def make() -> None:
        seeded = [case_received("KT-1", "kt"), feedback_received("PAKN-KT", "kt")]
        assert (await post(client, seeded, "demo-igate-key")).status_code == 202

    return make


async def forbidden(
    client: httpx.AsyncClient, url: str, events: list[dict[str, Any]], key: str, *fragments: str
) -> list[dict[str, Any]]:
    before = state(url)
    response = await post(client, events, key)
    assert response.status_code == 403, response.text
    body = response.json()
    assert body["error"] == "forbidden"
    text = str(body["detail"])
    for fragment in fragments:
        assert fragment in text
    assert state(url) == before, "a refused request publishes nothing and leaves the index as it was"
    return list(body["detail"])


@pytest.mark.parametrize("kind", CASE_TYPES)
async def test_no_event_type_reaches_another_units_case(
    client: httpx.AsyncClient, redis_url: str, kt_case_and_feedback: Callable[[], Any], kind: str
) -> None:
    await kt_case_and_feedback()
    detail = await forbidden(
        client,
        redis_url,
        [event(kind, "KT-1", "vpdkdd-system")],
        VPDKDD_KEY,
        "'KT-1' was received for unit 'kt'",
    )
    assert detail[0]["index"] == 0 and detail[0]["id"].startswith("vpdkdd-system-")


async def test_a_received_may_not_move_another_units_case(
    client: httpx.AsyncClient, redis_url: str, kt_case_and_feedback: Callable[[], Any]
) -> None:
    await kt_case_and_feedback()
    later = case_received("KT-1", "vpdkdd", "vpdkdd-system", time="2026-03-06T08:30:00+07:00")
    await forbidden(client, redis_url, [later], VPDKDD_KEY, "'KT-1' was received for unit 'kt'")
    assert unit_of(redis_url, CASE_UNITS, "KT-1").endswith(b" kt")  # type: ignore[union-attr]


async def test_feedback_of_another_unit_and_about_its_cases(
    client: httpx.AsyncClient, redis_url: str, kt_case_and_feedback: Callable[[], Any]
) -> None:
    await kt_case_and_feedback()
    resolve = event("tthc.feedback.resolved", "PAKN-KT", "vpdkdd-system")
    await forbidden(
        client, redis_url, [resolve], VPDKDD_KEY, "feedback item 'PAKN-KT' was received for unit 'kt'"
    )
    moved = feedback_received("PAKN-KT", "vpdkdd", "vpdkdd-system")
    await forbidden(client, redis_url, [moved], VPDKDD_KEY, "feedback item 'PAKN-KT'")
    about = feedback_received("PAKN-NEW", "vpdkdd", "vpdkdd-system", case="KT-1")
    await forbidden(
        client, redis_url, [about], VPDKDD_KEY, "data.case: case 'KT-1' was received for unit 'kt'"
    )


async def test_events_of_unknown_cases_and_items_wait_for_their_received(
    client: httpx.AsyncClient, redis_url: str
) -> None:
    for kind in CASE_TYPES:
        await forbidden(
            client, redis_url, [event(kind, "NEVER", "vpdkdd-system")], VPDKDD_KEY, "is not known yet"
        )
    resolve = event("tthc.feedback.resolved", "NEVER", "vpdkdd-system")
    await forbidden(client, redis_url, [resolve], VPDKDD_KEY, "feedback item 'NEVER' is not known yet")
    about = feedback_received("PAKN-1", "vpdkdd", "vpdkdd-system", case="NEVER")
    await forbidden(client, redis_url, [about], VPDKDD_KEY, "data.case: case 'NEVER' is not known yet")


async def test_own_cases_in_order_in_one_batch_and_across_requests(
    client: httpx.AsyncClient, redis_url: str
) -> None:
    lifecycle = [case_received("VP-1", "vpdkdd", "vpdkdd-system")]
    lifecycle += [event(kind, "VP-1", "vpdkdd-system") for kind in CASE_TYPES]
    lifecycle += [feedback_received("PAKN-VP", "vpdkdd", "vpdkdd-system", case="VP-1")]
    response = await post(client, lifecycle, VPDKDD_KEY)
    assert response.status_code == 202, response.text
    later = [
        event("tthc.case.rated", "VP-1", "vpdkdd-system"),
        event("tthc.feedback.resolved", "PAKN-VP", "vpdkdd-system"),
    ]
    assert (await post(client, later, VPDKDD_KEY)).status_code == 202
    length, _ = state(redis_url)
    assert length == len(lifecycle) + 2
    assert unit_of(redis_url, CASE_UNITS, "VP-1").endswith(b" vpdkdd")  # type: ignore[union-attr]
    assert unit_of(redis_url, FEEDBACK_UNITS, "PAKN-VP").endswith(b" vpdkdd")  # type: ignore[union-attr]


async def test_a_mixed_batch_is_refused_whole_naming_each_event(
    client: httpx.AsyncClient, redis_url: str, kt_case_and_feedback: Callable[[], Any]
) -> None:
    await kt_case_and_feedback()
    batch = [
        case_received("VP-2", "vpdkdd", "vpdkdd-system"),
        event("tthc.case.synced", "VP-2", "vpdkdd-system"),
        event("tthc.case.synced", "KT-1", "vpdkdd-system"),
        event("tthc.case.paid", "NOPE", "vpdkdd-system"),
    ]
    detail = await forbidden(client, redis_url, batch, VPDKDD_KEY)
    assert [d["index"] for d in detail] == [2, 3]
    assert "unit 'kt'" in detail[0]["errors"][0] and "not known yet" in detail[1]["errors"][0]


async def test_unrestricted_sources_send_in_any_order_and_correct_units(
    client: httpx.AsyncClient, redis_url: str
) -> None:
    early = [event(kind, "ANY-1") for kind in CASE_TYPES] + [event("tthc.feedback.resolved", "PAKN-ANY")]
    assert (await post(client, early, "demo-igate-key")).status_code == 202
    assert (await post(client, [case_received("ANY-1", "kt")], "demo-igate-key")).status_code == 202
    # A correction with a later time moves the case; the restricted source then owns it.
    moved = case_received("ANY-1", "vpdkdd", time="2026-03-06T08:30:00+07:00")
    assert (await post(client, [moved], "demo-igate-key")).status_code == 202
    assert (
        await post(client, [event("tthc.case.rated", "ANY-1", "vpdkdd-system")], VPDKDD_KEY)
    ).status_code == 202
    # An older received does not move it back; an equal time accepted later does.
    older = case_received("ANY-1", "kt", time="2026-03-01T08:30:00+07:00")
    assert (await post(client, [older], "demo-igate-key")).status_code == 202
    assert unit_of(redis_url, CASE_UNITS, "ANY-1").endswith(b" vpdkdd")  # type: ignore[union-attr]
    tie = case_received("ANY-1", "kt", time="2026-03-06T08:30:00+07:00")
    assert (await post(client, [tie], "demo-igate-key")).status_code == 202
    assert unit_of(redis_url, CASE_UNITS, "ANY-1").endswith(b" kt")  # type: ignore[union-attr]
    await forbidden(
        client, redis_url, [event("tthc.case.rated", "ANY-1", "vpdkdd-system")], VPDKDD_KEY, "unit 'kt'"
    )


async def test_a_subtree_source_sends_for_the_units_below(client: httpx.AsyncClient, redis_url: str) -> None:
    # kt-system may send for kt only; vpdkdd cases stay closed to it.
    assert (await post(client, [case_received("KT-9", "kt", "kt-system")], KT_KEY)).status_code == 202
    assert (await post(client, [event("tthc.case.synced", "KT-9", "kt-system")], KT_KEY)).status_code == 202
    assert (await post(client, [case_received("VP-9", "vpdkdd")], "demo-igate-key")).status_code == 202
    await forbidden(
        client, redis_url, [event("tthc.case.synced", "VP-9", "kt-system")], KT_KEY, "unit 'vpdkdd'"
    )
