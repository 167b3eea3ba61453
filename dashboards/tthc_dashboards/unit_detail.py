"""«Chi tiết đơn vị»: one unit month by month, and what to work on now (pure).

The monthly series cover whole local months (the first and last months of the time range
are the API's months); the tables name units and keep dates as dates (they sort right);
the alert annotations are those of the unit's subtree.
"""

from __future__ import annotations

from typing import Any

from tthc_contract.indicators import INDICATORS
from tthc_contract.plan import Plan
from tthc_metrics.schema.state import status_select

from . import sql
from .overview import REPORT_LINK
from .panels import (
    Layout,
    annotation_list,
    dashboard,
    date_columns,
    link,
    query,
    table,
    target_line,
    timeseries,
)
from .variables import unit_and_period

# What holds a case back, in the words of the people who fix it (flags of case_status).
PROBLEMS = [
    ("NOT is_online", "Nộp trực tiếp/bưu chính"),
    ("NOT is_synced", "Chưa đồng bộ Cổng DVCQG"),
    ("NOT is_digitized", "Chưa số hóa đủ"),
    ("is_result_case AND NOT has_e_result", "Chưa có kết quả điện tử"),
    ("NOT is_reused", "Chưa khai thác dữ liệu số"),
    ("late", "Quá hạn"),
    ("unsatisfied", "Không hài lòng"),
    ("has_feedback", "Có phản ánh, kiến nghị"),
]


def cases_to_work_on() -> str:
    """The period's cases with a problem, newest first: only the period's months are read (the
    state's partitions) and, within them, the period's days (its sorting key). The status is
    ``case_status``'s own select, inlined with the filter: through the view, planning cost the
    embedded engine more (the list at the median: 62–74 → 44–48 ms on a province)."""
    labels = ", ".join(f"if({cond}, '{text}', '')" for cond, text in PROBLEMS)
    any_problem = " OR ".join(f"({cond})" for cond, _ in PROBLEMS)
    period_cases = f"{sql.SUBTREE} AND {sql.PERIOD_MONTHS} AND {sql.PERIOD_DAYS}"
    return (
        'SELECT s.case_code AS "Mã hồ sơ", u.name AS "Đơn vị", s.procedure AS "Thủ tục", s.field AS "Lĩnh vực", '
        's.received_at AS "Ngày nhận", s.due_at AS "Hẹn trả", '
        f"arrayStringConcat(arrayFilter(x -> x != '', [{labels}]), '; ') AS \"Vấn đề\" "
        f"FROM ({status_select('case_state', sql.NOW, period_cases)}) AS s LEFT JOIN units AS u ON u.code = s.unit "
        f"WHERE {any_problem} "
        "ORDER BY s.received_at DESC LIMIT 1000"
    )


def due_soon(hours: float) -> str:
    """Open cases and feedback due within ``hours``, whatever their month (an open case may be
    old): the window on ``due_at`` is what the state's skip index on it serves. The status
    views' selects are inlined with the filter, as in ``cases_to_work_on``."""
    window = f"due_at > {sql.NOW} AND due_at <= {sql.NOW} + INTERVAL {int(hours * 3600)} SECOND"
    cases = status_select("case_state", sql.NOW, f"{sql.SUBTREE} AND NOT ended AND {window}")
    feedback = status_select("feedback_state", sql.NOW, f"{sql.SUBTREE} AND NOT resolved AND {window}")
    return (
        'SELECT d.kind AS "Loại", d.code AS "Mã", u.name AS "Đơn vị", d.due_at AS "Hạn xử lý" FROM ('
        f"SELECT 'Hồ sơ' AS kind, case_code AS code, unit, due_at FROM ({cases}) "
        "UNION ALL "
        f"SELECT 'Phản ánh, kiến nghị', feedback_code, unit, due_at FROM ({feedback})"
        ") AS d LEFT JOIN units AS u ON u.code = d.unit ORDER BY d.due_at"
    )


def build(plan: Plan, metrics_url: str) -> dict[str, Any]:
    layout = Layout()
    panels = [
        timeseries(
            layout,
            ind.name_vi,
            [query(sql.monthly(ind), "timeseries")],
            unit="percentunit",
            overrides=[target_line()],
        )
        for ind in INDICATORS
    ]
    layout.newline()
    panels.append(
        table(
            layout,
            "Hồ sơ kéo chỉ tiêu xuống (kỳ đã chọn)",
            cases_to_work_on(),
            h=10,
            field_config=date_columns("Ngày nhận", "Hẹn trả"),
        )
    )
    hours = plan.alerts.due_soon.total_seconds() / 3600
    panels.append(
        table(
            layout,
            f"Sắp đến hạn xử lý ({hours:g} giờ tới)",
            due_soon(hours),
            h=8,
            field_config=date_columns("Hạn xử lý"),
        )
    )
    return dashboard(
        "tthc-chi-tiet-don-vi",
        "Chi tiết đơn vị",
        panels,
        unit_and_period(plan, metrics_url),
        time_from="now-1y/M",
        time_to="now/M",
        annotations=annotation_list(sql.alert_annotations(subtree=True)),
        links=[link("Báo cáo tháng của đơn vị (kỳ đã chọn)", REPORT_LINK)],
    )
