"""«Tổng quan chỉ tiêu»: the commune at a glance, for the Chairman (pure).

Each indicator tile shows «Kết quả» (green ✓ at or above the chosen unit's own target, red ✗
below, grey without cases), «Đạt / tổng» and «Chỉ tiêu»; the units × indicators table marks
each cell against that unit's target and links each unit to its detail and its report; a
time axis of cases received per day carries the alert annotations and follows the time picker.
"""

from __future__ import annotations

from typing import Any

from tthc_contract.indicators import INDICATORS
from tthc_contract.plan import Plan

from . import indicator_rows_sql, sql
from .panels import (
    NO_DATA,
    Layout,
    annotation_list,
    count_config,
    dashboard,
    hidden,
    link,
    marked_mappings,
    neutral,
    query,
    stat,
    table,
    timeseries,
)
from .variables import unit_and_period

FIRING = (
    "SELECT countIf(last_status = 'firing') AS \"Số cảnh báo\" FROM "
    "(SELECT id, argMax(status, changed_at) AS last_status FROM alert_changes GROUP BY id)"
)
TILE_FIELDS = "/^(Kết quả|Đạt \\/ tổng|Chỉ tiêu)$/"
DETAIL = "/d/tthc-chi-tiet-don-vi/chi-tiet-don-vi?var-unit=${__data.fields.code}&var-period_kind=${period_kind}&var-period=${period}"
REPORT = (
    "${metrics_url}/v1/reports/monthly.html?unit=${__data.fields.code}&period=${__data.fields.period_code}"
)
REPORT_LINK = "${metrics_url}/v1/reports/monthly.html?unit=${unit}&period=${period}&kind=${period_kind}"


def tile_config() -> dict[str, Any]:
    return {
        "defaults": {"color": {"mode": "thresholds"}, "thresholds": neutral("text"), "noValue": NO_DATA},
        "overrides": [
            {
                "matcher": {"id": "byName", "options": "Kết quả"},
                "properties": [{"id": "mappings", "value": marked_mappings()}],
            },
        ],
    }


def tiles(layout: Layout, plan: Plan) -> list[dict[str, Any]]:
    panels = []
    for ind in INDICATORS:
        description = (
            f"{ind.name_vi} của đơn vị và kỳ đã chọn: tử số {ind.numerator}, mẫu số {ind.denominator}; "
            "✓ đạt, ✗ chưa đạt chỉ tiêu của chính đơn vị (giao trong kế hoạch)."
        )
        panels.append(
            stat(
                layout,
                ind.name_vi,
                [query(sql.stat(ind))],
                tile_config(),
                description=description,
                fields=TILE_FIELDS,
            )
        )
    panels.append(
        stat(
            layout,
            "Cảnh báo đang hoạt động",
            [query(FIRING)],
            count_config(),
            description="Số cảnh báo đang ở trạng thái firing.",
        )
    )
    return panels


def unit_table_config() -> dict[str, Any]:
    return {
        "defaults": {
            "custom": {"cellOptions": {"type": "color-background"}, "align": "center"},
            "color": {"mode": "thresholds"},
            "thresholds": neutral("transparent"),
            "mappings": marked_mappings(),
        },
        "overrides": [
            {
                "matcher": {"id": "byName", "options": "Đơn vị"},
                "properties": [
                    {"id": "custom.cellOptions", "value": {"type": "auto"}},
                    {"id": "custom.align", "value": "left"},
                    {"id": "links", "value": [
                        {"title": "Chi tiết đơn vị", "url": DETAIL},
                        {"title": "Báo cáo của đơn vị (kỳ đã chọn)", "url": REPORT, "targetBlank": True},
                    ]},
                ],
            },
            hidden("code"),
            hidden("period_code"),
        ],
    }  # fmt: skip


def build(plan: Plan, metrics_url: str) -> dict[str, Any]:
    layout = Layout()
    panels = tiles(layout, plan)
    layout.newline()
    title = "Các đơn vị theo từng chỉ tiêu (✓ đạt, ✗ chưa đạt chỉ tiêu của đơn vị; bấm tên đơn vị để xem chi tiết)"
    panels.append(
        table(layout, title, indicator_rows_sql.unit_table(), h=10, field_config=unit_table_config())
    )
    layout.newline()
    received = timeseries(
        layout,
        "Hồ sơ tiếp nhận theo ngày (đơn vị đã chọn, theo khoảng thời gian)",
        [query(sql.received_per_day(), "timeseries")],
        w=24,
        h=7,
        bars=True,
    )
    panels.append(received)
    links = [
        link(
            "Báo cáo tháng của đơn vị (kỳ đã chọn)",
            REPORT_LINK,
            "Báo cáo, Biểu 06, đánh giá xếp loại: .html; thay .html bằng .docx hoặc .xlsx để tải tệp",
        )
    ]
    return dashboard(
        "tthc-tong-quan",
        "Tổng quan chỉ tiêu",
        panels,
        unit_and_period(plan, metrics_url),
        time_from="now-30d",
        annotations=annotation_list(sql.alert_annotations(subtree=False)),
        links=links,
    )
