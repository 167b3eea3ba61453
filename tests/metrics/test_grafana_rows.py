"""The rows Grafana reads (``scorecard_points``, ``unit_indicators``): written for what changed
(a flush's cells, an open item falling late, a period that begins or ends), for the unit and
every unit above it, each (unit, period) holding the estimate ``/v1/scorecard`` computes and
the counts ``/v1/indicators`` reads at the round's instant; nothing owed is lost when
ClickHouse is away. Real Redis, the real ClickHouse engine."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
import redis.asyncio as aredis
from hypothesis import given, settings
from hypothesis import strategies as st

from tthc_contract.indicators import INDICATORS
from tthc_contract.periods import LOCAL_TZ, Period, parse_period, period_of
from tthc_contract.plan import Plan
from tthc_contract.qd766 import ITEMS, half_up
from tthc_metrics.grafana_rows import (
    DEFER_ROUNDS,
    GrafanaRows,
    every_period,
    open_periods,
    periods_of_day,
)
from tthc_metrics.reads import counts_by_unit
from tthc_metrics.rollups.refresh import Changed
from tthc_metrics.scorecard.service import scorecard
from tthc_metrics.store import Store

from ..clock import start_of_current
from ..waiting import eventually
from .conftest import entries, make_writer
from .events import received, resolved

pytestmark = pytest.mark.clock


def rows(store: Store) -> dict[tuple[str, str], tuple[int, Decimal]]:
    """(period, unit) → (items, exact total of the known items), the newest computation."""
    sql = "SELECT period, unit, count(), sum(exact) FROM scorecard_points FINAL GROUP BY period, unit"
    found = store.call("read", lambda c: c.query(sql).result_rows)
    return {(p, u): (n, Decimal(str(total or 0))) for p, u, n, total in found}


def indicator_rows(store: Store) -> dict[tuple[str, str], dict[str, tuple[int, int]]]:
    """(period, unit) → {indicator: (numerator, denominator)}, the newest computation."""
    sql = "SELECT period, unit, indicator, numerator, denominator FROM unit_indicators FINAL"
    found: dict[tuple[str, str], dict[str, tuple[int, int]]] = {}
    for period, unit, code, num, den in store.call("read", lambda c: c.query(sql).result_rows):
        found.setdefault((period, unit), {})[code] = (num, den)
    return found


def check_indicator_rows(store: Store, plan: Plan, at: datetime) -> None:
    """Every indicator row holds the counts the API reads at ``at`` (``reads.counts_by_unit``)."""
    written = indicator_rows(store)
    assert written, "indicator rows written"
    for (code, unit), by_indicator in written.items():
        counts = counts_by_unit(store, plan, [parse_period(code)], at, [unit])[(unit, code)]
        expected = {i.code: (counts[i.numerator], counts[i.denominator]) for i in INDICATORS}
        assert by_indicator == expected, (code, unit)


def quiet(table: GrafanaRows, at: datetime) -> None:
    """The table past its first round: nothing owed, its open periods those of ``at``."""
    table._take(at, repair=False)
    table._checked_at = at


async def stored(store: Store, redis: aredis.Redis, plan: Plan, events: list[dict[str, Any]]) -> Changed:
    writer = make_writer(store, redis, plan)
    written = await writer.store_batch(await writer.prepare(entries(events)))
    await writer.acknowledge(written)
    return written.changed


@pytest.mark.asyncio
async def test_a_flush_writes_its_periods_for_its_units_and_those_above(
    store: Store, redis: aredis.Redis, plan: Plan
) -> None:
    now = datetime.now(UTC)
    month = period_of(now - timedelta(days=70), "month")
    day = month.bounds()[0] + timedelta(days=3, hours=2)
    table = GrafanaRows(store, plan)
    quiet(table, now)
    changed = await stored(
        store,
        redis,
        plan,
        [
            received("000.00.31.H12-ROWS-0001", day.isoformat()),
            resolved("000.00.31.H12-ROWS-0001", (day + timedelta(days=1)).isoformat()),
            received("000.00.31.H12-ROWS-0002", day.isoformat(), due=(day + timedelta(hours=1)).isoformat()),
        ],
    )
    table.cells_changed(changed)
    owed = table._take(now, repair=False)
    assert owed == {p: {"kt"} for p in periods_of_day(day.astimezone(LOCAL_TZ).date())}
    await asyncio.to_thread(table._round, owed, now)
    written = rows(store)
    above = set(plan.ancestors("kt"))
    assert {u for _, u in written} == above, "the unit and every unit above it"
    assert {p for p, _ in written} == {p.code for p in owed}
    for (code, unit), (items, total) in written.items():
        card = scorecard(store, plan, unit, parse_period(code), now)
        assert items == len(ITEMS)
        assert float(half_up(Fraction(total), 2)) == card.total, (code, unit)
    assert scorecard(store, plan, "kt", month, now).total > 0
    assert set(indicator_rows(store)) == set(written), "the same units and periods"
    check_indicator_rows(store, plan, now)
    assert indicator_rows(store)[(month.code, "kt")]["on_time_rate"] == (1, 2), "the late one counted"


@pytest.mark.asyncio
@pytest.mark.parametrize("months_back", [0, 2], ids=["open month", "closed month"])
async def test_an_open_item_falling_late_rewrites_the_periods_of_its_month_for_its_unit(
    store: Store, redis: aredis.Redis, plan: Plan, months_back: int
) -> None:
    """Its month, quarter and year: the indicators are judged at now whatever the period (the
    API's rule), the estimate at the end of a period that has ended (unchanged there)."""
    now = datetime.now(UTC)
    if period_of(now + timedelta(seconds=5), "month") != period_of(now, "month"):
        await asyncio.sleep(6)  # the case, its due time and the round in one month
        now = datetime.now(UTC)
    received_at = start_of_current("month", now - timedelta(days=31 * months_back))
    due = now + timedelta(seconds=2)
    await stored(
        store,
        redis,
        plan,
        [received("000.00.31.H12-ROWS-0003", received_at.isoformat(), due=due.isoformat())],
    )
    table = GrafanaRows(store, plan)
    quiet(table, now)
    await asyncio.to_thread(table._round, table._take(now, repair=False), now)
    assert rows(store) == {}, "nothing changed by flushes this table was told of, no time passed"
    later = due + timedelta(seconds=1)
    await asyncio.to_thread(table._round, table._take(later, repair=False), later)
    written = rows(store)
    month = period_of(received_at, "month")
    assert {p for p, _ in written} == {
        p.code for p in periods_of_day(received_at.astimezone(LOCAL_TZ).date())
    }
    assert {u for _, u in written} == set(plan.ancestors("kt"))
    assert indicator_rows(store)[(month.code, "kt")]["on_time_rate"] == (0, 1), "late at the round's instant"
    check_indicator_rows(store, plan, later)
    [on_time] = [i for i in scorecard(store, plan, "kt", month, later).items() if i.code == "ON_TIME"]
    assert (on_time.numerator, on_time.denominator) == ((0, 1) if months_back == 0 else (1, 1))
    for (code, unit), (_, total) in written.items():
        assert (
            float(half_up(Fraction(total), 2))
            == scorecard(store, plan, unit, parse_period(code), later).total
        )


@given(
    before=st.datetimes(min_value=datetime(2021, 1, 1), max_value=datetime(2030, 12, 31)),
    gap=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=100)),
    repair=st.booleans(),
)
@settings(max_examples=200, deadline=None)
def test_every_unit_is_owed_its_open_periods_on_repair_and_when_a_period_turns(
    plan: Plan, before: datetime, gap: timedelta, repair: bool
) -> None:
    table = GrafanaRows(None, plan)  # type: ignore[arg-type]  # no I/O here
    start, at = before.replace(tzinfo=UTC), before.replace(tzinfo=UTC) + gap
    quiet(table, start)
    owed = table._take(at, repair)
    turned = open_periods(at) != open_periods(start)
    expected: set[Period] = set()
    if repair or turned:
        expected |= set(open_periods(at))
    if turned:
        expected |= set(open_periods(start))
    assert set(owed) == expected
    assert all(units == set(plan.unit_codes) for units in owed.values())


@given(at=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31)))
@settings(max_examples=100, deadline=None)
def test_a_start_owes_every_period_grafana_lists_open_ones_first(at: datetime) -> None:
    at = at.replace(tzinfo=UTC)
    periods = every_period(at)
    assert periods[:3] == open_periods(at)
    assert len(set(periods)) == len(periods)
    assert all(p.bounds()[0] <= at for p in periods)
    assert parse_period("2020") in periods and parse_period("2020-01") in periods
    months = [p for p in periods if p.kind == "month"]
    assert len(months) == (at.astimezone(LOCAL_TZ).year - 2020) * 12 + at.astimezone(LOCAL_TZ).month
    starts = [p.bounds()[0] for p in periods[3:]]
    assert starts == sorted(starts, reverse=True), "newest first after the open ones"


@pytest.mark.asyncio
async def test_what_is_owed_is_kept_while_clickhouse_is_away(plan: Plan) -> None:
    away = Store("http://127.0.0.1:9/tthc")  # nothing listens on the discard port
    table = GrafanaRows(away, plan, interval_s=0.05)
    task = asyncio.create_task(table.run())
    try:
        await eventually(lambda: table.failed_rounds >= 2)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert table._everything, "the start's every period is still owed"
    assert table.last_at is None


@pytest.mark.asyncio
async def test_rounds_wait_for_a_backlog_but_not_without_end(plan: Plan) -> None:
    table = GrafanaRows(None, plan, interval_s=0.2)  # type: ignore[arg-type]  # no I/O here
    start = time.monotonic()
    assert not table._deferred(start), "no backlog seen"
    table.cells_changed(Changed(), backlog=True)
    assert table._deferred(start), "a full batch just stored"
    await asyncio.sleep(0.25)
    assert not table._deferred(start), "no full batch for an interval"
    table.cells_changed(Changed(), backlog=True)
    assert not table._deferred(start - DEFER_ROUNDS * 0.2), "deferred for DEFER_ROUNDS intervals already"


@given(
    cells=st.sets(
        st.tuples(st.sampled_from(["kt", "vpdkdd", "hcc"]), st.dates(date(2019, 6, 1), date(2031, 12, 31))),
        max_size=40,
    ),
    feedback=st.sets(st.tuples(st.just("kt"), st.dates(date(2019, 6, 1), date(2031, 12, 31))), max_size=5),
)
@settings(max_examples=200, deadline=None)
def test_a_flush_owes_the_month_quarter_and_year_of_each_changed_cell(
    plan: Plan, cells: set[tuple[str, date]], feedback: set[tuple[str, date]]
) -> None:
    """Against the contract's ``period_of`` at each day's local noon: quarters' edges (March,
    April), years' (December, January), and no period before 2020 (Grafana lists none)."""
    table = GrafanaRows(None, plan)  # type: ignore[arg-type]  # no I/O here
    quiet(table, datetime(2032, 1, 1, tzinfo=UTC))
    table.cells_changed(Changed(case_cells=set(cells), feedback_cells=set(feedback)))
    expected: dict[Period, set[str]] = {}
    for unit, day in cells | feedback:
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=LOCAL_TZ)
        for kind in ("month", "quarter", "year"):
            if day.year >= 2020:
                expected.setdefault(period_of(noon, kind), set()).add(unit)
    assert table._owed == expected


def test_rounds_run_on_one_thread_of_the_engine_below_the_pipelines_priority(store: Store) -> None:
    """The writer's client runs its statements on one thread at nice 10 (the engine sets its
    threads to it while a statement runs); the consumer's and the API's keep the default 0."""
    ask = "SELECT getSetting('max_threads'), getSetting('os_thread_priority')"
    assert store.call("grafana_rows", lambda c: c.query(ask).first_row) == (1, 10)
    for role in ("write", "read"):
        assert store.call(role, lambda c: c.query(ask).first_row)[1] == 0, role


@pytest.mark.asyncio
async def test_a_stop_ends_a_round_at_its_next_statement(store: Store, plan: Plan) -> None:
    """A start's round (every period since 2020) runs for minutes on a busy machine; the
    service's stop waits for the round's thread, so the thread stops between two statements
    and what it owed is owed again."""
    table = GrafanaRows(store, plan, interval_s=0.01)
    task = asyncio.create_task(table.run())
    await eventually(lambda: table.in_round and not table._everything)
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await eventually(lambda: not table.in_round, timeout=10)
    all_pairs = len(every_period(datetime.now(UTC))) * len(plan.unit_codes)
    assert 0 < len(rows(store)) < all_pairs, "stopped part-way, not after every period"
    assert table._everything, "what it owed is owed again"
