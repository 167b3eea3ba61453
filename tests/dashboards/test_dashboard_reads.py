"""What the panels' queries read: the cost of a panel follows its question.

The indicator panels read the metrics' rollup cells, and of those only the months asked (the
key of the month cells; the partitions of the day cells), never the per-case views over the
whole history; the panels over rows metrics writes for them (the 766 estimate, the table of
units) read the period asked (their key's prefix); the lists of cases read the case state of
the period's months only. Checked on ClickHouse's own plan (``EXPLAIN json = 1, indexes = 1``)
of each query as Grafana sends it, over the seeded year.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import redis.asyncio as aredis

from tthc_contract.periods import LOCAL_TZ, parse_period, period_of
from tthc_contract.plan import Plan
from tthc_dashboards import sql
from tthc_dashboards.grafana_sql import expand
from tthc_metrics.grafana_rows import write
from tthc_metrics.reads import FINAL_SETTINGS
from tthc_metrics.rollups.cells_sql import CASES, FEEDBACK
from tthc_metrics.schema.current import PLAN_TABLES, STATE_TABLES
from tthc_metrics.store import Store

from .seeded import seeded, seeded_month

pytestmark = pytest.mark.clock
CELL_DASHBOARDS = ("tong-quan-chi-tieu.json", "chi-tiet-don-vi.json", "uoc-tinh-diem-766.json")
MONTH_CELLS = {CASES.month_table, FEEDBACK.month_table}
DAY_CELLS = {CASES.day_table, FEEDBACK.day_table}
PLAN = {t.name for t in PLAN_TABLES} | {"alert_changes"}
ROWS = {"scorecard_points", "unit_indicators"}
"""Rows metrics writes for Grafana (``grafana_rows``), keyed by period first."""
CASE_LISTS = ("Hồ sơ kéo chỉ tiêu xuống", "Sắp đến hạn xử lý")
SPAN = timedelta(days=75)


def reads(store: Store, text: str) -> dict[str, list[dict[str, Any]]]:
    """Table → the indexes ClickHouse uses to read it (with the FINAL setting the metrics' own
    reads use, under which it prunes partitions of tables read with FINAL)."""
    explain = f"EXPLAIN json = 1, indexes = 1 {text}"
    answer = store.call("read", lambda c: c.query(explain, settings=FINAL_SETTINGS).result_rows[0][0])
    found: dict[str, list[dict[str, Any]]] = {}

    def walk(node: dict[str, Any]) -> None:
        step = node.get("Plan", node)
        if step.get("Node Type") == "ReadFromMergeTree":
            found.setdefault(step["Description"].split(".")[-1], []).extend(step.get("Indexes", []))
        for child in step.get("Plans", []):
            walk(child)

    for node in json.loads(answer):
        walk(node)
    return found


def condition(indexes: list[dict[str, Any]], kind: str) -> str:
    return " ".join(str(i.get("Condition")) for i in indexes if i["Type"] == kind)


def bounds(first: int, last: int) -> tuple[str, str]:
    return f"(month in (-Inf, {last}])", f"(month in [{first}, +Inf))"


def yyyymm(day: date) -> int:
    return day.year * 100 + day.month


def months_of(code: str) -> list[int]:
    """The local months (yyyymm) of a calendar period."""
    start, stop = (b.astimezone(LOCAL_TZ).date() for b in parse_period(code).bounds())
    return sorted({yyyymm(start + timedelta(days=n)) for n in range((stop - start).days)})


def panel_queries(dashboards: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    return [
        (p["title"], t["rawSql"])
        for name in CELL_DASHBOARDS
        for p in dashboards[name]["panels"]
        for t in p["targets"]
        if "rawSql" in t
    ]


@pytest.mark.asyncio
async def test_panels_read_the_cells_of_the_months_asked(
    store: Store, redis: aredis.Redis, plan: Plan, dashboards: dict[str, dict[str, Any]]
) -> None:
    async with seeded(store, redis, plan):
        end = datetime.now(UTC)
        quarter = period_of(parse_period(seeded_month(end)).bounds()[0], "quarter")
        period_months = bounds(months_of(quarter.code)[0], months_of(quarter.code)[-1])
        range_months = bounds(*(yyyymm(t.astimezone(LOCAL_TZ).date()) for t in (end - SPAN, end)))
        variables = {"unit": "kt", "period": quarter.code, "period_kind": "quarter"}
        write(store, plan, {quarter: set(plan.unit_codes)}, end)
        seen: set[str] = set()
        for title, text in panel_queries(dashboards):
            found = reads(store, expand(text, end - SPAN, end, variables))
            seen |= set(found)
            if title.startswith(CASE_LISTS):
                assert set(found) & set(STATE_TABLES), title
                continue
            assert "case_status" not in text and "feedback_status" not in text, title
            assert set(found) <= MONTH_CELLS | DAY_CELLS | PLAN | ROWS, (title, set(found))
            for table in set(found) & ROWS:
                key = condition(found[table], "PrimaryKey")
                assert f"period in ['{quarter.code}', '{quarter.code}']" in key, (title, table, key)
            asked = range_months if "$__fromTime" in text else period_months
            for table in set(found) & MONTH_CELLS:
                key = condition(found[table], "PrimaryKey")
                assert all(b in key for b in asked), (title, table, key)
            for table in set(found) & DAY_CELLS:
                assert all(b in condition(found[table], "Partition") for b in asked), (title, table)
                assert "day in" in condition(found[table], "PrimaryKey"), (title, table)
    assert seen >= MONTH_CELLS | {CASES.day_table} | set(STATE_TABLES) | ROWS, (
        "every kind of read was checked"
    )


@pytest.mark.asyncio
async def test_the_list_of_cases_reads_the_periods_months_only(
    store: Store, redis: aredis.Redis, plan: Plan, dashboards: dict[str, dict[str, Any]]
) -> None:
    [text] = [t for title, t in panel_queries(dashboards) if title.startswith(CASE_LISTS[0])]
    async with seeded(store, redis, plan):
        end = datetime.now(UTC)
        quarter = period_of(parse_period(seeded_month(end)).bounds()[0], "quarter")
        variables = {"unit": "dong-phu", "period": quarter.code, "period_kind": "quarter"}
        indexes = reads(store, expand(text, end - SPAN, end, variables))["case_state"]
        months = [str(m) for m in months_of(quarter.code)]
        parts = store.call(
            "read",
            lambda c: (
                c.query(
                    "SELECT partition, count() FROM system.parts WHERE active AND table = 'case_state' "
                    "AND database = currentDatabase() GROUP BY partition"
                ).result_rows
            ),
        )
        kept = {i["Type"]: i for i in indexes}
        assert kept["Partition"]["Selected Parts"] == sum(n for p, n in parts if p in months)
        assert (
            kept["Min-Max"]["Initial Parts"] == sum(n for _, n in parts) > kept["Partition"]["Selected Parts"]
        )
        assert "day in" in condition(indexes, "PrimaryKey"), "the days of the period bound the key too"


@pytest.mark.asyncio
async def test_received_per_day_counts_each_local_day_as_the_cases_do(
    store: Store, redis: aredis.Redis, plan: Plan
) -> None:
    """The day cells give, day by day, the cases of the unit's subtree received that local
    day, online and not: what counting the cases themselves gives."""
    async with seeded(store, redis, plan):
        end = datetime.now(UTC)
        variables = {"unit": "dong-phu", "period": "current", "period_kind": "month"}
        frm = end - timedelta(days=200)
        panel = store.call("read", lambda c: c.query(expand(sql.received_per_day(), frm, end, variables)))
        oracle = (
            f"SELECT toDateTime(toDate(received_at, {sql.TZ}), {sql.TZ}) AS time, countIf(is_online), "
            f"countIf(NOT is_online) FROM case_status(at = now64(6)) WHERE {sql.SUBTREE} "
            f"AND toDate(received_at, {sql.TZ}) BETWEEN toDate($__fromTime, {sql.TZ}) AND toDate($__toTime, {sql.TZ}) "
            "GROUP BY time ORDER BY time"
        )
        cases = store.call("read", lambda c: c.query(expand(oracle, frm, end, variables)))
    shown = [row for row in panel.result_rows if row[1] or row[2]]
    assert shown == cases.result_rows and len(shown) > 30
