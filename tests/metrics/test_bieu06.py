"""Biểu 06 (SPEC section 8) over data written for the test: every column, carried over cases,
early/on time/late by local date and by instant, reschedules, pending in and out of time, a
period not over yet, the statutory period across a year boundary, from/to dates, and the
column identities; and against the SPEC in plain Python on any history."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tthc_contract.periods import LOCAL_TZ
from tthc_contract.plan import Plan
from tthc_contract.report_periods import ReportPeriod, between, parse_report_period
from tthc_metrics.reports import model
from tthc_metrics.reports.figures import KEYS
from tthc_metrics.reports.service import ReportBuilder
from tthc_metrics.store import Store
from tthc_metrics.writer import Writer

from ..conftest import start_afresh
from . import oracle
from .events import received, rescheduled, resolved, t
from .test_indicators import histories, store_events

LATER = datetime(2026, 12, 1, tzinfo=LOCAL_TZ)
"""An instant after every period of these tests: closed periods are described at their end."""


def case(
    code: str, at: str, due: str, *, field: str = "Hộ tịch", channel: str = "in_person", unit: str = "kt"
) -> dict[str, Any]:
    return received(code, t(at), unit=unit, channel=channel, due=t(due), field=field)


def march_history() -> list[dict[str, Any]]:
    """Around the kỳ báo cáo 2026-03/ky (15 Feb 00:00 – 15 Mar 00:00, local)."""
    return [
        case("OPEN-BEFORE", "2026-02-10 09:00", "2026-03-20 17:00"),  # carried over, still open
        case("DONE-INSIDE", "2026-02-10 09:00", "2026-02-25 17:00"),  # carried over, finished early
        resolved("DONE-INSIDE", t("2026-02-20 10:00")),
        case("DONE-BEFORE", "2026-02-01 09:00", "2026-02-13 17:00"),  # finished before S: not in H
        resolved("DONE-BEFORE", t("2026-02-12 10:00")),
        case("LATE-SAME-DAY", "2026-03-01 08:00", "2026-03-05 17:00", field="Đất đai", channel="online_full"),
        resolved("LATE-SAME-DAY", t("2026-03-05 23:30")),  # the due date, after the due time: late
        case("ON-TIME", "2026-03-02 08:00", "2026-03-06 17:00", field="Đất đai"),
        resolved("ON-TIME", t("2026-03-06 10:00")),  # the due date, before the due time: on time
        case("RESCHEDULED", "2026-03-02 08:00", "2026-03-04 17:00", field="Đất đai", channel="postal"),
        rescheduled("RESCHEDULED", t("2026-03-03 09:00"), t("2026-03-10 17:00")),
        resolved("RESCHEDULED", t("2026-03-09 10:00")),  # late by the first due, early by the new one
        case("PENDING-LATE", "2026-03-10 08:00", "2026-03-12 17:00", field="", channel="online_partial"),
        case("LAST-MINUTE", "2026-03-14 23:59", "2026-03-20 17:00", field="", channel="online_full"),
        case("AFTER-END", "2026-03-15 00:00", "2026-03-20 17:00"),  # received at E: not in H
        case("ENDS-AFTER", "2026-03-01 08:00", "2026-03-13 17:00"),  # pending at A, late
        resolved("ENDS-AFTER", t("2026-03-15 08:00")),
        case("OTHER-UNIT", "2026-03-01 08:00", "2026-03-13 17:00", unit="hcc"),
    ]


def bieu06(store: Store, plan: Plan, unit: str, report: ReportPeriod, now: datetime) -> dict[str, Any]:
    """Biểu 06 as the API answers it."""
    body: dict[str, Any] = ReportBuilder(store, plan).build("bieu06", unit, report, now).to_json()
    return body


def identities(row: dict[str, int]) -> None:
    assert row["received_total"] == row["received_online"] + row["received_offline"] + row["carried_over"]
    assert row["received_total"] == row["resolved_total"] + row["pending_total"]
    assert row["resolved_total"] == row["resolved_early"] + row["resolved_on_time"] + row["resolved_late"]
    assert row["pending_total"] == row["pending_on_time"] + row["pending_late"]


def by_field(body: dict[str, Any]) -> dict[str, dict[str, int]]:
    for row in [*body["rows"], body["total"]]:
        identities(row)
    order = [(-r["received_total"], r["field"]) for r in body["rows"]]
    assert order == sorted(order), "the largest received_total first, then by name"
    return {r["field"]: {k: r[k] for k in KEYS} for r in body["rows"]}


def test_rows_by_received_total_then_by_name() -> None:
    def row(field: str, received: int) -> dict[str, Any]:
        return {"field": field, **dict.fromkeys(KEYS, 0), "received_total": received}

    rows = [row("Hộ tịch", 2), row("Đất đai", 5), row("", 2), row("Chứng thực", 2), row("Xây dựng", 7)]
    body = model.bieu06(
        "kt", between("2026-03-01", "2026-03-31"), datetime(2026, 4, 1, tzinfo=LOCAL_TZ), rows
    ).to_json()
    assert [r["field"] for r in body["rows"]] == ["Xây dựng", "Đất đai", "", "Chứng thực", "Hộ tịch"]
    assert body["total"]["received_total"] == 18


async def test_every_column_of_the_statutory_period(writer: Writer, store: Store, plan: Plan) -> None:
    events = march_history()
    await store_events(writer, events)
    report = parse_report_period("2026-03/ky", plan.spec.reports.period_end_day)
    body = bieu06(store, plan, "kt", report, LATER)
    assert (body["from"], body["to"], body["as_of"]) == (
        "2026-02-15",
        "2026-03-14",
        "2026-03-15T00:00:00+07:00",
    )
    rows = by_field(body)
    assert list(rows) == ["Hộ tịch", "Đất đai", ""], "the largest received_total first, then by name"
    assert rows["Hộ tịch"] == {
        "received_total": 3, "received_online": 0, "received_offline": 1, "carried_over": 2,
        "resolved_total": 1, "resolved_early": 1, "resolved_on_time": 0, "resolved_late": 0,
        "pending_total": 2, "pending_on_time": 1, "pending_late": 1,
    }  # fmt: skip
    assert rows["Đất đai"] == {
        "received_total": 3, "received_online": 1, "received_offline": 2, "carried_over": 0,
        "resolved_total": 3, "resolved_early": 1, "resolved_on_time": 1, "resolved_late": 1,
        "pending_total": 0, "pending_on_time": 0, "pending_late": 0,
    }  # fmt: skip
    assert (
        rows[""]["received_online"] == 2
        and rows[""]["pending_late"] == 1
        and rows[""]["pending_on_time"] == 1
    )
    start, end = report.bounds()
    assert rows == oracle.bieu06(events, plan, "kt", start, end, LATER)
    assert body["total"]["received_total"] == 8
    root = by_field(bieu06(store, plan, "dong-phu", report, LATER))
    assert root["Hộ tịch"]["received_total"] == 4, "the root's subtree includes hcc"


async def test_a_period_not_over_yet_is_described_now(writer: Writer, store: Store, plan: Plan) -> None:
    await store_events(writer, march_history())
    report = parse_report_period("2026-03", plan.spec.reports.period_end_day)
    now = datetime(2026, 3, 10, 12, 0, tzinfo=LOCAL_TZ)
    body = bieu06(store, plan, "kt", report, now)
    assert body["as_of"] == "2026-03-10T12:00:00+07:00"
    rows = by_field(body)
    # At noon on the 10th: PENDING-LATE (received 08:00) is still in time; LAST-MINUTE not received yet.
    assert (
        rows[""]["received_total"] == 1 and rows[""]["pending_on_time"] == 1 and rows[""]["pending_late"] == 0
    )
    assert rows["Đất đai"]["resolved_total"] == 3 and rows["Hộ tịch"]["carried_over"] == 1
    start, end = report.bounds()
    assert rows == oracle.bieu06(march_history(), plan, "kt", start, end, now)


async def test_the_statutory_period_across_a_year_boundary(writer: Writer, store: Store, plan: Plan) -> None:
    events = [
        case("DEC-BEFORE", "2025-12-10 09:00", "2026-01-05 17:00"),
        case("DEC-INSIDE", "2025-12-20 09:00", "2025-12-30 17:00", channel="online_full"),
        resolved("DEC-INSIDE", t("2026-01-02 09:00")),
        case("JAN-LAST", "2026-01-14 23:00", "2026-01-20 17:00"),
        case("JAN-AFTER", "2026-01-15 00:00", "2026-01-20 17:00"),
    ]
    await store_events(writer, events)
    report = parse_report_period("2026-01/ky", plan.spec.reports.period_end_day)
    body = bieu06(store, plan, "kt", report, LATER)
    assert (body["from"], body["to"]) == ("2025-12-15", "2026-01-14")
    [row] = by_field(body).values()
    assert (row["received_total"], row["carried_over"], row["received_online"], row["received_offline"]) == (
        3,
        1,
        1,
        1,
    )
    assert (row["resolved_late"], row["pending_late"], row["pending_on_time"]) == (1, 1, 1)


async def test_from_and_to_dates(writer: Writer, store: Store, plan: Plan) -> None:
    events = march_history()
    await store_events(writer, events)
    report = between("2026-03-01", "2026-03-05")
    body = bieu06(store, plan, "kt", report, LATER)
    assert (body["from"], body["to"], body["as_of"]) == (
        "2026-03-01",
        "2026-03-05",
        "2026-03-06T00:00:00+07:00",
    )
    start, end = report.bounds()
    assert by_field(body) == oracle.bieu06(events, plan, "kt", start, end, LATER)
    assert by_field(body)["Đất đai"]["resolved_late"] == 1, "LATE-SAME-DAY, at 23:30 on the 5th"


@given(
    histories(),
    st.integers(1, 3),
    st.sampled_from(["2026-03/ky", "2026-04", "2026-Q2/ky"]),
    st.randoms(use_true_random=False),
)
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
async def test_sql_agrees_with_the_spec_on_any_history(
    session_store: Store,
    writer: Writer,
    plan: Plan,
    events: list[dict[str, Any]],
    batches: int,
    period: str,
    rnd: random.Random,
) -> None:
    await start_afresh(session_store, writer.redis)
    await store_events(writer, events, batches)
    report = parse_report_period(period, plan.spec.reports.period_end_day)
    start, end = report.bounds()
    now = rnd.choice([LATER, datetime(2026, 4, 2, 12, tzinfo=LOCAL_TZ)])
    for unit in ("kt", "dong-phu"):
        body = bieu06(session_store, plan, unit, report, now)
        assert by_field(body) == oracle.bieu06(events, plan, unit, start, end, now), (unit, period)
