"""«Cảnh báo»: alerts firing now, and the history of every alert (pure)."""

from __future__ import annotations

from typing import Any

from tthc_contract.plan import Plan

from . import sql
from .panels import Layout, alert_annotations, dashboard, table

LATEST = (
    "SELECT id, argMax(tuple(status, unit, indicator, period, value, target, numerator, denominator, started_at), "
    "changed_at) AS last FROM alert_changes GROUP BY id"
)
LOCAL = "'%d/%m/%Y %H:%i', 'Asia/Ho_Chi_Minh'"


def firing() -> str:
    return (
        'SELECT u.name AS "Đơn vị", '
        f'{sql.indicator_name("tupleElement(last, 3)")} AS "Chỉ tiêu", '
        'tupleElement(last, 4) AS "Kỳ", tupleElement(last, 5) AS "Giá trị", tupleElement(last, 6) AS "Mục tiêu", '
        "concat(toString(tupleElement(last, 7)), '/', toString(tupleElement(last, 8))) AS \"Đạt / tổng\", "
        f'formatDateTime(tupleElement(last, 9), {LOCAL}) AS "Từ lúc" '
        f"FROM ({LATEST}) AS a LEFT JOIN units AS u ON u.code = tupleElement(a.last, 2) "
        "WHERE tupleElement(last, 1) = 'firing' ORDER BY tupleElement(last, 9) DESC"
    )


def history() -> str:
    return (
        f'SELECT formatDateTime(changed_at, {LOCAL}) AS "Lúc", u.name AS "Đơn vị", '
        f'{sql.indicator_name("indicator")} AS "Chỉ tiêu", period AS "Kỳ", '
        "if(status = 'firing', 'Cảnh báo', 'Đã khắc phục') AS \"Trạng thái\", value AS \"Giá trị\", "
        'target AS "Mục tiêu" FROM alert_changes AS c LEFT JOIN units AS u ON u.code = c.unit '
        "WHERE $__timeFilter(changed_at) ORDER BY changed_at DESC LIMIT 1000"
    )


def build(plan: Plan) -> dict[str, Any]:
    layout = Layout()
    percent = {
        "defaults": {},
        "overrides": [
            {
                "matcher": {"id": "byRegexp", "options": "^(Giá trị|Mục tiêu)$"},
                "properties": [{"id": "unit", "value": "percentunit"}, {"id": "decimals", "value": 1}],
            }
        ],
    }
    panels = [
        table(layout, "Đang cảnh báo", firing(), h=10, fieldConfig=percent),
        table(layout, "Lịch sử cảnh báo", history(), h=12, fieldConfig=percent),
    ]
    return dashboard(
        "tthc-canh-bao", "Cảnh báo", panels, [], time_from="now-30d", annotations=alert_annotations()
    )
