"""«Chi tiết đơn vị»: one unit month by month, and what to work on now (pure)."""

from __future__ import annotations

from typing import Any

from tthc_contract.indicators import INDICATORS
from tthc_contract.plan import Plan

from . import sql
from .panels import Layout, alert_annotations, dashboard, table, timeseries
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
LOCAL = "'%d/%m/%Y %H:%i', 'Asia/Ho_Chi_Minh'"


def cases_to_work_on() -> str:
    labels = ", ".join(f"if({cond}, '{text}', '')" for cond, text in PROBLEMS)
    any_problem = " OR ".join(f"({cond})" for cond, _ in PROBLEMS)
    return (
        'SELECT case_code AS "Mã hồ sơ", unit AS "Đơn vị", procedure AS "Thủ tục", field AS "Lĩnh vực", '
        f'formatDateTime(received_at, {LOCAL}) AS "Ngày nhận", formatDateTime(due_at, {LOCAL}) AS "Hẹn trả", '
        f"arrayStringConcat(arrayFilter(x -> x != '', [{labels}]), '; ') AS \"Vấn đề\" "
        f"FROM case_status(at = now64(6)) WHERE {sql.SUBTREE} AND {sql.IN_PERIOD} AND ({any_problem}) "
        "ORDER BY received_at DESC LIMIT 1000"
    )


def due_soon(hours: float) -> str:
    window = f"due_at > now64(6) AND due_at <= now64(6) + INTERVAL {int(hours * 3600)} SECOND"
    return (
        "SELECT * FROM ("
        'SELECT \'Hồ sơ\' AS "Loại", case_code AS "Mã", unit AS "Đơn vị", due_at AS "Hạn xử lý" '
        f"FROM case_status(at = now64(6)) WHERE {sql.SUBTREE} AND NOT ended AND {window} "
        "UNION ALL "
        "SELECT 'Phản ánh, kiến nghị', feedback_code, unit, due_at "
        f"FROM feedback_status(at = now64(6)) WHERE {sql.SUBTREE} AND NOT resolved AND {window}"
        ') ORDER BY "Hạn xử lý"'
    )


def build(plan: Plan) -> dict[str, Any]:
    layout = Layout()
    panels = [timeseries(layout, ind.name_vi, sql.monthly(ind), unit="percentunit") for ind in INDICATORS]
    layout.newline()
    panels.append(table(layout, "Hồ sơ kéo chỉ tiêu xuống (kỳ đã chọn)", cases_to_work_on(), h=10))
    hours = plan.alerts.due_soon.total_seconds() / 3600
    panels.append(table(layout, f"Sắp đến hạn xử lý ({hours:g} giờ tới)", due_soon(hours), h=8))
    return dashboard(
        "tthc-chi-tiet-don-vi",
        "Chi tiết đơn vị",
        panels,
        unit_and_period(plan),
        time_from="now-1y",
        annotations=alert_annotations(),
    )
