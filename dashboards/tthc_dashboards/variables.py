"""Dashboard variables: the unit (a subtree), the kind of period, the period (pure).

The period list starts with «… hiện tại» (``current``, resolved in the panels' SQL) and is
refreshed whenever the time range changes, auto-refresh included: a wall screen left open
across midnight at the end of a month shows the new month by itself.
"""

from __future__ import annotations

from typing import Any

from tthc_contract.plan import Plan

from .panels import constant_variable, custom_variable, query_variable
from .sql import KIND, NOW

INDENT = "\u00a0\u00a0\u00a0"
"""No-break spaces: Grafana's drop-down collapses ordinary ones, losing the tree's shape."""
CURRENT_LABELS = {"month": "Tháng hiện tại", "quarter": "Quý hiện tại", "year": "Năm hiện tại"}


def unit(plan: Plan, default: str | None = None) -> dict[str, Any]:
    sql = (
        f"SELECT code AS __value, concat(repeat('{INDENT}', depth), if(depth > 0, '└ ', ''), name) AS __text "
        "FROM units ORDER BY position"
    )
    return query_variable("unit", "Đơn vị", sql, current=default or plan.root)


def period_kind() -> dict[str, Any]:
    return custom_variable(
        "period_kind", "Loại kỳ", [("month", "Tháng"), ("quarter", "Quý"), ("year", "Năm")], "month"
    )


def period() -> dict[str, Any]:
    current = ", ".join(f"{KIND} = '{kind}', '{label}'" for kind, label in CURRENT_LABELS.items())
    sql = (
        "SELECT __value, __text FROM ("
        f"SELECT 'current' AS __value, multiIf({current}, '') AS __text, "
        "toDateTime64('2299-01-01 00:00:00', 6, 'UTC') AS start "
        f"UNION ALL SELECT code, label, start_utc FROM periods WHERE kind = {KIND} AND start_utc <= {NOW}"
        ") ORDER BY start DESC"
    )
    return query_variable("period", "Kỳ", sql, refresh=2, current="current")


def metrics_url(url: str) -> dict[str, Any]:
    """Where people reach the metrics API (the links to the reports)."""
    return constant_variable("metrics_url", url.rstrip("/"))


def unit_and_period(plan: Plan, url: str, default_unit: str | None = None) -> list[dict[str, Any]]:
    return [unit(plan, default_unit), period_kind(), period(), metrics_url(url)]
