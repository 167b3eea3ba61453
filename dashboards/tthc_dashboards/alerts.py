"""«Cảnh báo»: alerts firing now, changes over time, and the history of every alert (pure)."""

from __future__ import annotations

from typing import Any

from tthc_contract.plan import Plan

from . import sql
from .panels import Layout, annotation_list, dashboard, date_columns, query, table, timeseries

LATEST = (
    "SELECT id, argMax(tuple(status, unit, indicator, period, value, target, numerator, denominator, started_at), "
    "changed_at) AS last FROM alert_changes GROUP BY id"
)


def firing() -> str:
    return (
        'SELECT u.name AS "Đơn vị", '
        f'{sql.indicator_name("tupleElement(last, 3)")} AS "Chỉ tiêu", '
        f'tupleElement(last, 4) AS "Kỳ", {sql.percent_text("tupleElement(last, 5)")} AS "Giá trị", '
        f'{sql.percent_text("tupleElement(last, 6)")} AS "Mục tiêu", '
        f"concat({sql.number_text('tupleElement(last, 7)')}, ' / ', {sql.number_text('tupleElement(last, 8)')}) "
        'AS "Đạt / tổng", '
        'tupleElement(last, 9) AS "Từ lúc" '
        f"FROM ({LATEST}) AS a LEFT JOIN units AS u ON u.code = tupleElement(a.last, 2) "
        "WHERE tupleElement(last, 1) = 'firing' ORDER BY tupleElement(last, 9) DESC"
    )


def history() -> str:
    return (
        'SELECT c.changed_at AS "Lúc", u.name AS "Đơn vị", '
        f'{sql.indicator_name("c.indicator")} AS "Chỉ tiêu", c.period AS "Kỳ", '
        "if(c.status = 'firing', 'Cảnh báo', 'Đã khắc phục') AS \"Trạng thái\", "
        f'{sql.percent_text("c.value")} AS "Giá trị", {sql.percent_text("c.target")} AS "Mục tiêu" FROM alert_changes AS c LEFT JOIN units AS u ON u.code = c.unit '
        "WHERE $__timeFilter(c.changed_at) ORDER BY c.changed_at DESC LIMIT 1000"
    )


def per_day() -> str:
    day = f"toDateTime(toStartOfDay(changed_at, {sql.TZ}), {sql.TZ})"
    return (
        f"SELECT {day} AS time, countIf(status = 'firing') AS \"Cảnh báo mới\", countIf(status = 'resolved') AS \"Đã khắc phục\" "
        "FROM alert_changes WHERE $__timeFilter(changed_at) GROUP BY time ORDER BY time"
    )


def build(plan: Plan, metrics_url: str) -> dict[str, Any]:
    layout = Layout()
    panels = [
        table(layout, "Đang cảnh báo", firing(), h=10, field_config=date_columns("Từ lúc")),
        timeseries(layout, "Cảnh báo theo ngày", [query(per_day(), "timeseries")], w=24, h=7, bars=True),
        table(layout, "Lịch sử cảnh báo", history(), h=12, field_config=date_columns("Lúc")),
    ]
    return dashboard(
        "tthc-canh-bao",
        "Cảnh báo",
        panels,
        [],
        time_from="now-30d",
        annotations=annotation_list(sql.alert_annotations(subtree=False)),
    )
