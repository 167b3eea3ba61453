"""Indicator objects of SPEC section 5 from counts and targets (pure, no I/O)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from tthc_contract.indicators import INDICATORS, ratio, target_met
from tthc_contract.periods import LOCAL_TZ, Period, PeriodKind, period_of

if TYPE_CHECKING:
    from .reads import DueItem


def indicator_list(counts: dict[str, int], targets: dict[str, float | None]) -> list[dict[str, Any]]:
    """Every indicator of section 4, in order, with value and whether its target is met."""
    out = []
    for ind in INDICATORS:
        numerator, denominator = counts.get(ind.numerator, 0), counts.get(ind.denominator, 0)
        target = targets.get(ind.code)
        out.append(
            {
                "code": ind.code,
                "numerator": numerator,
                "denominator": denominator,
                "value": ratio(numerator, denominator),
                "target": target,
                "met": target_met(numerator, denominator, target),
            }
        )
    return out


def as_of_text(at: datetime) -> str:
    return at.astimezone(LOCAL_TZ).isoformat(timespec="seconds")


def snapshot(
    unit: str, period: Period, at: datetime, counts: dict[str, int], targets: dict[str, float | None]
) -> dict[str, Any]:
    return {
        "unit": unit,
        "period": period.code,
        "as_of": as_of_text(at),
        "indicators": indicator_list(counts, targets),
    }


def watched_periods(at: datetime, kinds: tuple[PeriodKind, ...]) -> list[Period]:
    return [period_of(at, kind) for kind in kinds]


def due_soon_body(unit: str, at: datetime, within_s: float, items: list[DueItem]) -> dict[str, Any]:
    return {
        "unit": unit,
        "as_of": as_of_text(at),
        "within_s": within_s,
        "items": [
            {
                "kind": i.kind,
                "code": i.code,
                "unit": i.unit,
                "due": as_of_text(i.due_at),
                "received": as_of_text(i.received_at),
                "procedure": i.procedure,
            }
            for i in items
        ],
    }
