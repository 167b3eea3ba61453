"""«Ước tính điểm 766»: the unit's QĐ 766 score, estimated live, for its leaders (pure).

The estimated total and each of the six groups are gauges running to the known maximum (the
maximum less the items that cannot be known yet, which the gauge's title says); the items
losing the most points are a table; the units directly below the chosen one are ranked. Every
title says it is an estimate (ước tính): the portal publishes the score after the period ends.
The points are computed in ClickHouse (``scorecard_sql``), exactly as the metrics API's
``/v1/scorecard`` and ``/v1/scorecard/ranking`` compute them.
"""

from __future__ import annotations

from typing import Any

from tthc_contract.plan import Plan
from tthc_contract.qd766 import GROUPS, TOTAL_MAX

from . import scorecard_sql as sql
from .overview import REPORT, REPORT_LINK
from .panels import (
    AMBER,
    CLICKHOUSE,
    GRAFANA_VERSION,
    GREEN,
    RED,
    Layout,
    dashboard,
    hidden,
    link,
    neutral,
    query,
    table,
)
from .variables import unit_and_period

UID = "tthc-uoc-tinh-diem-766"
POINTS = "Điểm ước tính"
SELF = f"/d/{UID}/uoc-tinh-diem-766?var-unit=${{__data.fields.code}}&var-period_kind=${{period_kind}}&var-period=${{period}}"
ESTIMATE = (
    "Ước tính theo Bộ chỉ số QĐ 766/QĐ-TTg từ dữ liệu của hệ thống, không phải điểm chính thức: "
    "Cổng Dịch vụ công quốc gia công bố điểm sau khi kỳ kết thúc. Hồ sơ, phản ánh chưa xử lý xong "
    "được đánh giá tại thời điểm hiện tại, hoặc tại cuối kỳ với kỳ đã qua."
)
UNKNOWN = (
    "Tiêu chí chưa xác định (chưa có số liệu Cổng DVCQG công bố, hoặc đơn vị chưa có danh mục TTHC) "
    "không tính 0 điểm: điểm tối đa của chúng được trừ khỏi thang đo."
)
COLORS = "Xanh từ 80% số điểm tối đa đã xác định, vàng từ 50%, đỏ dưới 50%."
SHARE_OF_KNOWN_MAX = {
    "mode": "percentage",
    "steps": [{"color": RED, "value": None}, {"color": AMBER, "value": 50}, {"color": GREEN, "value": 80}],
}
"""Colours by the share of the arc: of the known maximum."""


def gauge(
    layout: Layout, title: str, group: str | None, description: str, *, w: int, h: int
) -> dict[str, Any]:
    """Points from 0 to the known maximum: no ``max`` is set, so the arc runs to the largest
    number of the panel's data, the known maximum that query B answers. Query A's row is the
    points and a note, which Grafana makes the value's title (the row's text, as no other
    number is in its frame): «Tối đa … điểm đã xác định (…)»."""
    return {
        **layout.place(w, h),
        "type": "gauge",
        "pluginVersion": GRAFANA_VERSION,
        "title": title,
        "description": description,
        "datasource": CLICKHOUSE,
        "targets": [query(sql.gauge(group)), query(sql.gauge_scale(group), ref="B")],
        "fieldConfig": {
            "defaults": {
                "min": 0,
                "decimals": 2,
                "unit": "none",
                "color": {"mode": "thresholds"},
                "thresholds": SHARE_OF_KNOWN_MAX,
            },
            "overrides": [],
        },
        "options": {
            "reduceOptions": {"values": True, "calcs": ["lastNotNull"], "fields": f"/^{POINTS}$/"},
            "orientation": "auto",
            "showThresholdLabels": False,
            "showThresholdMarkers": True,
            "sizing": "auto",
            "minVizWidth": 75,
            "minVizHeight": 75,
        },
    }


def decimals(names: list[str], places: int) -> list[dict[str, Any]]:
    return [
        {
            "matcher": {"id": "byName", "options": name},
            "properties": [{"id": "decimals", "value": places}, {"id": "unit", "value": "none"}],
        }
        for name in names
    ]


def red_text(name: str) -> dict[str, Any]:
    return {
        "matcher": {"id": "byName", "options": name},
        "properties": [
            {"id": "custom.cellOptions", "value": {"type": "color-text"}},
            {"id": "color", "value": {"mode": "fixed", "fixedColor": RED}},
        ],
    }


def costliest_config() -> dict[str, Any]:
    return {
        "defaults": {"thresholds": neutral("text")},
        "overrides": [
            *decimals([POINTS, "Điểm bị mất"], 2),
            *decimals(["Điểm tối đa"], 0),
            red_text("Điểm bị mất"),
        ],
    }


def ranking_config() -> dict[str, Any]:
    unit_links = [
        {"title": "Ước tính điểm của đơn vị", "url": SELF},
        {"title": "Báo cáo của đơn vị (kỳ đã chọn)", "url": REPORT, "targetBlank": True},
    ]
    return {
        "defaults": {"thresholds": neutral("text")},
        "overrides": [
            {"matcher": {"id": "byName", "options": "Đơn vị"}, "properties": [{"id": "links", "value": unit_links}]},
            *decimals(["Tổng điểm ước tính", *(sql.group_column(g.code) for g in GROUPS)], 2),
            *decimals(["Hạng", "Tối đa đã xác định"], 0),
            hidden("code"),
            hidden("period_code"),
        ],
    }  # fmt: skip


def total_gauge(layout: Layout) -> dict[str, Any]:
    return gauge(
        layout,
        f"Tổng điểm ước tính (thang {TOTAL_MAX} điểm)",
        None,
        f"Tổng điểm Bộ chỉ số QĐ 766 của đơn vị và kỳ đã chọn. {ESTIMATE} {UNKNOWN} {COLORS}",
        w=6,
        h=8,
    )


def group_gauges(layout: Layout) -> list[dict[str, Any]]:
    return [
        gauge(
            layout,
            f"{g.name_vi} (ước tính, {g.max_points} điểm)",
            g.code,
            f"Nhóm {g.code} «{g.name_vi}», tối đa {g.max_points} điểm. {ESTIMATE} {UNKNOWN} {COLORS}",
            w=4,
            h=6,
        )
        for g in GROUPS
    ]


def build(plan: Plan, metrics_url: str) -> dict[str, Any]:
    layout = Layout()
    panels = [total_gauge(layout)]
    panels.append(
        table(
            layout,
            "Tiêu chí mất nhiều điểm nhất (ước tính)",
            sql.costliest(),
            w=18,
            h=8,
            field_config=costliest_config(),
            description=f"Các tiêu chí đã xác định bị mất điểm, mất nhiều nhất trước. {ESTIMATE} "
            "«Quy tắc suy luận: Có»: cách tính suy ra từ kết quả Cổng DVCQG công bố, chưa có văn bản quy định.",
        )
    )
    layout.newline()
    panels += group_gauges(layout)
    layout.newline()
    panels.append(
        table(
            layout,
            "Xếp hạng các đơn vị trực thuộc (ước tính; bấm tên đơn vị để xem chi tiết)",
            sql.ranking(),
            h=9,
            field_config=ranking_config(),
            description=f"Các đơn vị ngay dưới đơn vị đã chọn, theo tổng điểm ước tính từ cao xuống thấp. {ESTIMATE}",
        )
    )
    return dashboard(
        UID,
        "Ước tính điểm 766",
        panels,
        unit_and_period(plan, metrics_url),
        links=[link("Báo cáo tháng của đơn vị (kỳ đã chọn)", REPORT_LINK)],
    )
