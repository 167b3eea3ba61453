"""Snapshot and due-soon bodies as metrics publishes them on tthc:indicators."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tthc_contract.indicators import INDICATORS
from tthc_contract.periods import LOCAL_TZ
from tthc_contract.plan import Plan


def snapshot(plan: Plan, unit: str, period: str, at: datetime, **counts: tuple[int, int]) -> dict[str, Any]:
    """Every indicator on target (10/10) except those given as code=(numerator, denominator)."""
    targets = plan.targets(unit)
    items = []
    for ind in INDICATORS:
        num, den = counts.get(ind.code, (10, 10))
        items.append(
            {
                "code": ind.code,
                "numerator": num,
                "denominator": den,
                "value": num / den if den else None,
                "target": targets[ind.code],
                "met": None,
            }
        )
    return {"unit": unit, "period": period, "as_of": at.astimezone(LOCAL_TZ).isoformat(), "indicators": items}


def due_soon(unit: str, at: datetime, *items: tuple[str, str, datetime]) -> dict[str, Any]:
    return {
        "unit": unit,
        "as_of": at.astimezone(LOCAL_TZ).isoformat(),
        "within_s": 48 * 3600,
        "items": [
            {
                "kind": kind,
                "code": code,
                "unit": unit,
                "due": due.astimezone(LOCAL_TZ).isoformat(),
                "received": at.isoformat(),
                "procedure": "",
            }
            for kind, code, due in items
        ],
    }
