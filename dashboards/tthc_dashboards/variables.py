"""Dashboard variables: the unit (a subtree), the kind of period, the period (pure)."""

from __future__ import annotations

from typing import Any

from tthc_contract.plan import Plan

from .panels import custom_variable, query_variable


def unit(plan: Plan, default: str | None = None) -> dict[str, Any]:
    sql = "SELECT code AS __value, concat(repeat('  ', depth), name) AS __text FROM units ORDER BY position"
    return query_variable("unit", "Đơn vị", sql, default or plan.root)


def period_kind() -> dict[str, Any]:
    return custom_variable(
        "period_kind", "Loại kỳ", [("month", "Tháng"), ("quarter", "Quý"), ("year", "Năm")], "month"
    )


def period() -> dict[str, Any]:
    sql = (
        "SELECT code AS __value, label AS __text FROM periods "
        "WHERE kind = '${period_kind}' AND start_utc <= now64(6) ORDER BY start_utc DESC"
    )
    return query_variable("period", "Kỳ", sql)


def unit_and_period(plan: Plan, default_unit: str | None = None) -> list[dict[str, Any]]:
    return [unit(plan, default_unit), period_kind(), period()]
