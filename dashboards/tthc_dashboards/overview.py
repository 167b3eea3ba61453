"""«Tổng quan chỉ tiêu»: the commune at a glance, for the Chairman (pure)."""

from __future__ import annotations

from typing import Any

from tthc_contract.indicators import INDICATORS
from tthc_contract.plan import Plan

from . import sql
from .panels import GREEN, RED, Layout, alert_annotations, dashboard, marked_cells, stat, table
from .variables import unit_and_period

FIRING = (
    "SELECT countIf(last_status = 'firing') AS value FROM "
    "(SELECT id, argMax(status, changed_at) AS last_status FROM alert_changes GROUP BY id)"
)


def build(plan: Plan) -> dict[str, Any]:
    layout = Layout()
    targets = plan.targets(plan.root)
    panels = []
    for ind in INDICATORS:
        target = targets[ind.code]
        note = f"Chỉ tiêu {target:.0%}" if target is not None else "Không giao chỉ tiêu"
        description = f"{ind.name_vi}: tử số {ind.numerator}, mẫu số {ind.denominator}. {note}."
        panels.append(stat(layout, ind.name_vi, sql.stat(ind), target, description))
    alerts = stat(layout, "Cảnh báo đang hoạt động", FIRING, None, "Số cảnh báo đang ở trạng thái firing.")
    alerts["fieldConfig"]["defaults"] |= {
        "unit": "none",
        "decimals": 0,
        "thresholds": {
            "mode": "absolute",
            "steps": [{"color": GREEN, "value": None}, {"color": RED, "value": 1}],
        },
    }
    alerts["options"]["reduceOptions"]["fields"] = "/^value$/"
    panels.append(alerts)
    layout.newline()
    panels.append(
        table(
            layout,
            "Các đơn vị theo từng chỉ tiêu (✓ đạt, ✗ chưa đạt chỉ tiêu của đơn vị)",
            sql.unit_table(),
            h=10,
            fieldConfig=marked_cells(),
        )
    )
    return dashboard(
        "tthc-tong-quan", "Tổng quan chỉ tiêu", panels, unit_and_period(plan), annotations=alert_annotations()
    )
