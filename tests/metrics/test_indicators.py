"""Every formula and edge of SPEC sections 2 and 4, against the real ClickHouse engine.

Each scenario is checked against numbers worked out by hand and against ``oracle``,
the SPEC written a second time in plain Python.
"""

from __future__ import annotations

import asyncio
import random
import time
from datetime import datetime, timedelta
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tthc_contract.periods import LOCAL_TZ, parse_period
from tthc_contract.plan import Plan
from tthc_contract.validation import ValidationContext, parse_event_json
from tthc_metrics import reads
from tthc_metrics.store import Store
from tthc_metrics.writer import Writer

from ..conftest import start_afresh
from . import oracle
from .conftest import entries
from .events import (
    digitized,
    ev,
    feedback,
    feedback_rated,
    feedback_resolved,
    paid,
    rated,
    received,
    rescheduled,
    resolved,
    result,
    synced,
    t,
)

pytestmark = pytest.mark.asyncio
AT = datetime(2026, 3, 20, 12, 0, tzinfo=LOCAL_TZ)


async def store_events(writer: Writer, events: list[dict[str, Any]], batches: int = 1) -> None:
    all_entries = entries(events)
    size = max(1, -(-len(all_entries) // batches))
    for start in range(0, len(all_entries), size):
        await writer.write(all_entries[start : start + size])


def counts(
    store: Store, plan: Plan, unit: str = "kt", period: str = "2026-03", at: datetime = AT
) -> dict[str, int]:
    return reads.counts(store, plan.descendants(unit), parse_period(period), at)


def check(
    store: Store,
    plan: Plan,
    events: list[dict[str, Any]],
    expected: dict[str, int],
    unit: str = "kt",
    period: str = "2026-03",
    at: datetime = AT,
) -> None:
    got = counts(store, plan, unit, period, at)
    assert got == oracle.count(events, plan, unit, parse_period(period), at), "SQL and oracle disagree"
    assert {k: got[k] for k in expected} == expected


async def test_a_full_case(writer: Writer, store: Store, plan: Plan) -> None:
    events = [
        received("A", t("2026-03-05 08:30"), fee=True, reused_data=True),
        paid("A", t("2026-03-05 08:40"), "P1"),
        digitized("A", t("2026-03-05 09:00")),
        synced("A", t("2026-03-05 09:10")),
        resolved("A", t("2026-03-08 10:00")),
        result("A", t("2026-03-08 10:05")),
        digitized("A", t("2026-03-08 10:06"), "result"),
        rated("A", t("2026-03-09 10:00"), True),
    ]
    await store_events(writer, events)
    check(
        store,
        plan,
        events,
        {
            "cases": 1,
            "online": 1,
            "payments": 1,
            "portal_payments": 1,
            "digitized": 1,
            "synced": 1,
            "result_cases": 1,
            "e_results": 1,
            "reused": 1,
            "satisfied": 1,
            "on_time": 1,
        },
    )


async def test_duplicates_change_nothing_even_when_they_differ(
    writer: Writer, store: Store, plan: Plan
) -> None:
    first = received("A", t("2026-03-05 08:30"), channel="in_person")
    again = {**first, "data": {**first["data"], "channel": "online_full"}, "time": t("2026-03-06 08:30")}
    events = [first, first, again]
    await store_events(writer, events[:2])
    await store_events(writer, events[2:])
    check(store, plan, events, {"cases": 1, "online": 0})
    assert reads.events_stored(store) == 1


async def test_events_before_their_case_is_received_count_once_it_is(
    writer: Writer, store: Store, plan: Plan
) -> None:
    early = [synced("A", t("2026-03-05 09:00")), paid("A", t("2026-03-05 09:00"), "P1", "offline")]
    await store_events(writer, early)
    check(store, plan, early, {"cases": 0, "synced": 0, "payments": 0})
    events = [*early, received("A", t("2026-03-05 08:00"))]
    await store_events(writer, events[2:])
    check(store, plan, events, {"cases": 1, "synced": 1, "payments": 1, "portal_payments": 0})


async def test_a_correction_changes_the_channel_latest_received_wins(
    writer: Writer, store: Store, plan: Plan
) -> None:
    late_fix = received("A", t("2026-03-05 10:00"), channel="online_partial")
    events = [late_fix, received("A", t("2026-03-05 08:00"), channel="in_person")]  # arrives second, older
    await store_events(writer, events, batches=2)
    check(store, plan, events, {"cases": 1, "online": 1})


async def test_equal_times_the_one_accepted_last_wins_in_any_write_order(
    writer: Writer, store: Store, plan: Plan
) -> None:
    """A source re-sends a corrected record with an unchanged time: it corrects the case,
    whatever the order in which the entries are written (a reclaim may store a later entry
    first) and however often (a batch written again after a crash)."""
    first = received("T1", t("2026-03-05 08:00"), channel="in_person", due=t("2026-03-20 17:00"))
    again = {
        **received("T1", t("2026-03-05 08:00"), channel="online_full", due=t("2026-03-20 17:00")),
        "id": "a",
    }
    moved = {**rescheduled("T1", t("2026-03-06 08:00"), t("2026-03-09 17:00")), "id": "z"}
    kept = {**rescheduled("T1", t("2026-03-06 08:00"), t("2026-03-25 17:00")), "id": "b"}
    accepted = entries([first, again, moved, kept])  # in this order: ids a/b sort before z/e...
    await writer.write(list(reversed(accepted)))
    await writer.write(accepted)  # written again: changes nothing
    check(
        store,
        plan,
        [first, again, moved, kept],
        {"cases": 1, "online": 1, "on_time": 1},
        at=datetime(2026, 3, 22, tzinfo=LOCAL_TZ),
    )


async def test_correction_can_move_a_case_to_another_unit_and_period(
    writer: Writer, store: Store, plan: Plan
) -> None:
    events = [
        received("A", t("2026-03-30 08:00"), unit="kt"),
        received("A", t("2026-04-02 08:00"), unit="hcc"),
    ]
    await store_events(writer, events)
    check(store, plan, events, {"cases": 0}, unit="kt")
    check(store, plan, events, {"cases": 1}, unit="hcc", period="2026-04", at=AT + timedelta(days=20))


async def test_a_correction_in_a_later_batch_empties_the_day_month_and_year_it_left(
    writer: Writer, store: Store, plan: Plan
) -> None:
    first = [
        received("A", t("2026-03-30 08:00"), unit="kt"),
        received("B", t("2026-03-30 09:00"), unit="hcc"),
    ]
    await store_events(writer, first)
    check(store, plan, first, {"cases": 1}, unit="kt")
    moved = [*first, received("A", t("2026-04-02 08:00"), unit="hcc")]
    await store_events(writer, moved[2:])
    later = AT + timedelta(days=20)
    for period in ("2026-03", "2026-Q1", "2026"):
        check(store, plan, moved, {"cases": 0}, unit="kt", period=period, at=later)
    check(store, plan, moved, {"cases": 1}, unit="hcc", period="2026-03", at=later)
    check(store, plan, moved, {"cases": 2}, unit="dong-phu", period="2026", at=later)


async def test_reschedules_the_latest_due_counts(writer: Writer, store: Store, plan: Plan) -> None:
    events = [
        received("A", t("2026-03-05 08:00"), due=t("2026-03-10 17:00")),
        rescheduled("A", t("2026-03-09 08:00"), t("2026-03-25 17:00")),
        rescheduled("A", t("2026-03-08 08:00"), t("2026-03-11 17:00")),  # older: ignored
    ]
    await store_events(writer, events)
    check(store, plan, events, {"on_time": 1})  # AT (20 March) is before 25 March
    check(store, plan, events, {"on_time": 0}, at=datetime(2026, 3, 26, tzinfo=LOCAL_TZ))


async def test_two_resolutions_the_earliest_counts(writer: Writer, store: Store, plan: Plan) -> None:
    events = [
        received("A", t("2026-03-05 08:00"), due=t("2026-03-10 17:00")),
        resolved("A", t("2026-03-12 08:00"), "refused"),
        resolved("A", t("2026-03-09 08:00"), "approved"),
    ]
    await store_events(writer, events)
    check(store, plan, events, {"on_time": 1, "result_cases": 1, "e_results": 0, "digitized": 0})


async def test_resolved_exactly_at_due_is_on_time(writer: Writer, store: Store, plan: Plan) -> None:
    due = t("2026-03-10 17:00")
    events = [
        received("A", t("2026-03-05 08:00"), due=due),
        resolved("A", due),
        received("B", t("2026-03-05 08:00"), due=due),
        resolved("B", t("2026-03-10 17:00:01")),
    ]
    await store_events(writer, events)
    check(store, plan, events, {"cases": 2, "on_time": 1})


async def test_unresolved_case_is_late_once_its_due_passes(writer: Writer, store: Store, plan: Plan) -> None:
    events = [received("A", t("2026-03-05 08:00"), due=t("2026-03-20 12:00"))]
    await store_events(writer, events)
    check(store, plan, events, {"on_time": 1, "satisfied": 1}, at=AT)  # exactly at due: not after it
    check(store, plan, events, {"on_time": 0, "satisfied": 0}, at=AT + timedelta(microseconds=1))


async def test_payments_repeated_by_payment_id_count_once(writer: Writer, store: Store, plan: Plan) -> None:
    events = [
        received("A", t("2026-03-05 08:00"), fee=True),
        paid("A", t("2026-03-05 09:00"), "P1"),
        paid("A", t("2026-03-05 09:01"), "P1"),
        paid("A", t("2026-03-05 09:02"), "P2", "local_gateway"),
        received("B", t("2026-03-06 08:00"), fee=True),
        paid("B", t("2026-03-06 09:00"), "P1", "offline"),
    ]
    await store_events(writer, events)
    check(store, plan, events, {"payments": 3, "portal_payments": 1})


async def test_month_boundaries_are_local_time(writer: Writer, store: Store, plan: Plan) -> None:
    events = [
        received("LAST", "2026-03-31T23:30:00+07:00"),  # 16:30Z: still March in Hồ Chí Minh City
        received("NEXT", "2026-03-31T17:30:00Z"),  # 00:30 on 1 April locally
    ]
    await store_events(writer, events)
    late_at = datetime(2026, 4, 2, tzinfo=LOCAL_TZ)
    check(store, plan, events, {"cases": 1}, period="2026-03", at=late_at)
    check(store, plan, events, {"cases": 1}, period="2026-04", at=late_at)
    check(store, plan, events, {"cases": 1}, period="2026-Q1", at=late_at)
    check(store, plan, events, {"cases": 2}, period="2026", at=late_at)


async def test_events_of_a_case_never_received_are_not_counted(
    writer: Writer, store: Store, plan: Plan
) -> None:
    events = [synced("GHOST", t("2026-03-05 08:00")), resolved("GHOST", t("2026-03-06 08:00"))]
    await store_events(writer, events)
    check(store, plan, events, {"cases": 0, "synced": 0, "on_time": 0})
    assert reads.events_stored(store) == 2


async def test_feedback_about_a_case_costs_its_satisfaction(writer: Writer, store: Store, plan: Plan) -> None:
    due = t("2026-03-30 17:00")
    events = [
        received("A", t("2026-03-05 08:00"), due=due),
        received("B", t("2026-03-05 08:00"), due=due),
        received("C", t("2026-03-05 08:00"), due=due),
        rated("C", t("2026-03-06 08:00"), False),
        feedback("F1", t("2026-02-20 08:00"), "hcc", t("2026-03-02 08:00"), case="A"),
    ]
    await store_events(writer, events)
    check(store, plan, events, {"cases": 3, "satisfied": 1, "feedback": 0})


async def test_feedback_on_time(writer: Writer, store: Store, plan: Plan) -> None:
    events = [
        feedback("F1", t("2026-03-01 08:00"), "kt", t("2026-03-10 17:00")),
        feedback_resolved("F1", t("2026-03-10 17:00")),
        feedback("F2", t("2026-03-01 08:00"), "kt", t("2026-03-10 17:00")),
        feedback_resolved("F2", t("2026-03-11 08:00")),
        feedback("F3", t("2026-03-01 08:00"), "kt", t("2026-03-25 17:00")),  # open, not yet due
        feedback("F4", t("2026-03-01 08:00"), "kt", t("2026-03-15 17:00")),  # open, overdue
        feedback_resolved("F5", t("2026-03-02 08:00")),  # never received
    ]
    await store_events(writer, events)
    check(store, plan, events, {"feedback": 4, "feedback_on_time": 2})


async def test_digitization_needs_the_result_when_a_result_document_is_issued(
    writer: Writer, store: Store, plan: Plan
) -> None:
    events = [
        received("A", t("2026-03-05 08:00")),
        digitized("A", t("2026-03-05 09:00")),
        resolved("A", t("2026-03-06 08:00")),
        received("B", t("2026-03-05 08:00")),
        digitized("B", t("2026-03-05 09:00")),
        resolved("B", t("2026-03-06 08:00")),
        result("B", t("2026-03-06 08:00"), electronic=True),
        received("C", t("2026-03-05 08:00"), result_document=False),
        digitized("C", t("2026-03-05 09:00")),
        resolved("C", t("2026-03-06 08:00")),
        received("D", t("2026-03-05 08:00")),
        digitized("D", t("2026-03-05 09:00")),
        resolved("D", t("2026-03-06 08:00"), "refused"),
        received("E", t("2026-03-05 08:00")),
        digitized("E", t("2026-03-06 09:00"), "result"),
    ]
    await store_events(writer, events)
    check(store, plan, events, {"cases": 5, "digitized": 3, "result_cases": 2, "e_results": 1})


async def test_the_subtree_is_a_union_of_cases(writer: Writer, store: Store, plan: Plan) -> None:
    events = [
        received(f"K{i}", t("2026-03-05 08:00"), unit="kt", channel="in_person" if i < 3 else "online_full")
        for i in range(10)
    ]
    events += [received(f"H{i}", t("2026-03-05 08:00"), unit="hcc") for i in range(30)]
    await store_events(writer, events)
    check(store, plan, events, {"cases": 10, "online": 7}, unit="kt")
    check(
        store, plan, events, {"cases": 40, "online": 37}, unit="dong-phu"
    )  # 37/40, not the mean of 0.7 and 1.0


async def test_units_with_no_data_count_zero(store: Store, plan: Plan) -> None:
    assert all(not v for v in counts(store, plan, "thue10").values())


# Property: the SQL and the oracle agree on any history, however it is split into batches.
CASES = ["A", "B", "C"]
UNITS = ["kt", "hcc", "vpdkdd"]
BASE = datetime(2026, 3, 25, tzinfo=LOCAL_TZ)


def _event(draw: st.DrawFn, kind: str, case: str, at: str) -> dict[str, Any]:
    def later(low_h: int, high_h: int) -> str:
        return (BASE + timedelta(hours=draw(st.integers(low_h, high_h)))).isoformat()

    if kind == "received":
        return received(
            case,
            at,
            unit=draw(st.sampled_from(UNITS)),
            channel=draw(st.sampled_from(["online_full", "in_person"])),
            due=later(24 * 3, 24 * 18),
            result_document=draw(st.booleans()),
            reused_data=draw(st.booleans()),
            fee=draw(st.booleans()),
            personal_storage=draw(st.booleans()),
            citizen_data=draw(st.booleans()),
            procedure=draw(st.sampled_from(["1.004227", "1.001193", "2.000815"])),
        )
    if kind == "paid":
        return paid(
            case,
            at,
            draw(st.sampled_from(["P1", "P2"])),
            draw(st.sampled_from(["national_portal", "local_gateway", "offline"])),
        )
    if kind == "digitized":
        return digitized(case, at, draw(st.sampled_from(["dossier", "result"])))
    if kind == "result":
        return result(case, at, draw(st.booleans()))
    if kind == "rescheduled":
        return rescheduled(case, at, later(0, 24 * 20))
    if kind == "resolved":
        return resolved(case, at, draw(st.sampled_from(["approved", "refused"])))
    if kind == "rated":
        return rated(case, at, draw(st.booleans()))
    if kind == "feedback":
        return feedback(
            "F" + case,
            at,
            draw(st.sampled_from(UNITS)),
            later(0, 24 * 12),
            case=draw(st.sampled_from([None, case])),
        )
    if kind == "feedback_resolved":
        return feedback_resolved("F" + case, at)
    if kind == "feedback_rated":
        return feedback_rated("F" + case, at, draw(st.booleans()))
    return synced(case, at)


@st.composite
def histories(draw: st.DrawFn) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(1, 25))):
        case = draw(st.sampled_from(CASES))
        kind = draw(
            st.sampled_from(
                [
                    "received",
                    "paid",
                    "digitized",
                    "result",
                    "synced",
                    "rescheduled",
                    "resolved",
                    "rated",
                    "feedback",
                    "feedback_resolved",
                    "feedback_rated",
                    "duplicate",
                ]
            )
        )
        # Often one of a few instants, so that corrections with equal times are common.
        hours = draw(st.one_of(st.integers(0, 24 * 14), st.sampled_from([24, 48, 49])))
        at = (BASE + timedelta(hours=hours)).isoformat()
        if kind == "duplicate" and events:  # same identity, maybe other content: changes nothing
            original = draw(st.sampled_from(events))
            events.append({**original, "time": min(at, original["time"])})
        else:
            events.append(_event(draw, kind, case, at))
    return events


@given(histories(), st.integers(1, 4), st.integers(0, 24 * 25), st.randoms(use_true_random=False))
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
async def test_sql_agrees_with_the_spec_on_any_history(
    session_store: Store,
    writer: Writer,
    plan: Plan,
    events: list[dict[str, Any]],
    batches: int,
    hours: int,
    rnd: random.Random,
) -> None:
    await start_afresh(session_store, writer.redis)
    await store_events(writer, events, batches)
    at = BASE + timedelta(hours=hours)
    for unit in rnd.sample(["dong-phu", *UNITS], 2):
        for period in ("2026-03", "2026-04", "2026-Q2", "2026"):
            expected = oracle.count(events, plan, unit, parse_period(period), at)
            assert counts(session_store, plan, unit, period, at) == expected, (unit, period)
        by_unit = reads.counts_by_unit(
            session_store, plan, [parse_period("2026-Q1"), parse_period("2026-04")], at
        )
        for period in ("2026-Q1", "2026-04"):
            expected = oracle.count(events, plan, unit, parse_period(period), at)
            assert by_unit[(unit, period)] == expected, ("by unit", unit, period)


async def test_ev_helper_makes_valid_events() -> None:
    parse_event_json(
        orjson.dumps(ev("tthc.case.synced", "X", t("2026-03-05 08:00"), {})), ValidationContext()
    )


async def test_facts_fold_into_one_part_when_quiet_and_the_numbers_stay(
    writer: Writer, store: Store, plan: Plan
) -> None:
    events = [received(f"Q{i}", t("2026-03-05 08:00"), fee=True) for i in range(6)]
    events += [paid(f"Q{i}", t("2026-03-06 08:00"), f"P{i}") for i in range(6)]
    events += [resolved(f"Q{i}", t("2026-03-07 08:00")) for i in range(0, 6, 2)]
    await store_events(writer, events, batches=3)
    before = counts(store, plan)
    assert reads.fact_parts(store)["case_facts"] > 1, "three inserts, three parts"

    def table_setting(table: str) -> str:
        sql = f"SELECT create_table_query FROM system.tables WHERE database = currentDatabase() AND name = '{table}'"
        return str(store.call("read", lambda c: c.command(sql)))

    assert all("min_age_to_force_merge_seconds = 30" in table_setting(t) for t in reads.FACT_TABLES)
    try:  # quiet after one second instead of thirty, for the test
        for table in reads.FACT_TABLES:
            store.call(
                "write",
                lambda c, tb=table: c.command(
                    f"ALTER TABLE {tb} MODIFY SETTING min_age_to_force_merge_seconds = 1"
                ),
            )
        deadline = time.monotonic() + 60
        while reads.fact_parts(store)["case_facts"] > 1:
            assert time.monotonic() < deadline, "the engine never folded the quiet facts"
            await asyncio.sleep(0.2)
    finally:
        for table in reads.FACT_TABLES:
            store.call(
                "write",
                lambda c, tb=table: c.command(
                    f"ALTER TABLE {tb} MODIFY SETTING min_age_to_force_merge_seconds = 30"
                ),
            )
    assert counts(store, plan) == before and before["cases"] == 6 and before["payments"] == 6
