"""The reports of SPEC section 8 as typed bodies, from counts (pure).

- Biểu 06: one row per lĩnh vực, the largest ``received_total`` first (then by name), and
  a total row.
- The plan report: every unit of the subtree (the unit first, then depth first in plan
  order), every indicator as ``/v1/indicators`` gives it, with the shortfall of a target
  missed: ⌈target × denominator⌉ − numerator.
- The evaluation of the units directly below: indicators with a target and a denominator of
  at least ``alerts.min_cases`` are judged; ranked by met/judged, then by the mean of
  min(1, value/target), then by unit code; rated by the plan's ``reports.ratings``.
"""

from __future__ import annotations

import math
from datetime import datetime
from fractions import Fraction
from typing import Any

from tthc_contract.plan import NOT_RATED, Plan
from tthc_contract.report_bodies import (
    BIEU06_KEYS,
    Bieu06,
    Bieu06Counts,
    Bieu06Row,
    EvaluatedUnit,
    Evaluation,
    IndicatorResult,
    PlanReport,
    PlanUnit,
)
from tthc_contract.report_periods import ReportPeriod

from ..indicators import as_of_text, indicator_list

OTHER_FIELD = "Lĩnh vực khác"
Counts = dict[str, dict[str, Any]]
"""Counts of each unit (its subtree), by unit code."""


def header(unit: str, report: ReportPeriod, as_of: datetime) -> dict[str, Any]:
    """The fields every report starts with (``first``, ``last``: ``from``, ``to`` in JSON)."""
    return {
        "unit": unit,
        "first": report.first.isoformat(),
        "last": report.last.isoformat(),
        "as_of": as_of_text(as_of),
    }


def bieu06(unit: str, report: ReportPeriod, as_of: datetime, rows: list[dict[str, Any]]) -> Bieu06:
    # SPEC 8: the largest received_total first, then by name: the field as sent, so the
    # row "" (shown as "Lĩnh vực khác") comes first among equal totals.
    ordered = sorted(rows, key=lambda r: (-r["received_total"], r["field"]))
    total = Bieu06Counts(**{key: sum(r[key] for r in rows) for key in BIEU06_KEYS})
    return Bieu06(**header(unit, report, as_of), rows=[Bieu06Row(**r) for r in ordered], total=total)


def shortfall(item: dict[str, Any]) -> int | None:
    """Cases (payments, feedback items) still needed to meet the target; 0 when met."""
    if item["met"] is None:
        return None
    if item["met"]:
        return 0
    needed: int = math.ceil(Fraction(str(item["target"])) * item["denominator"])
    return needed - int(item["numerator"])


def plan_units(plan: Plan, unit: str, counts: Counts, units: list[str] | None = None) -> list[PlanUnit]:
    """Each unit of the subtree (or of ``units``) with its indicators and shortfalls (``counts`` by unit)."""
    return [
        PlanUnit(
            unit=code,
            name=plan.names[code],
            indicators=[
                IndicatorResult(**i, shortfall=shortfall(i))
                for i in indicator_list(counts.get(code, {}), plan.targets(code))
            ],
            depth=plan.ancestors(code).index(unit),
        )
        for code in (units if units is not None else plan.descendants(unit))
    ]


def plan_report(
    plan: Plan,
    unit: str,
    report: ReportPeriod,
    as_of: datetime,
    counts: Counts,
    *,
    units: list[str] | None = None,
) -> PlanReport:
    """Every unit of the subtree, or only ``units`` of it (the narrative's previous period)."""
    return PlanReport(**header(unit, report, as_of), units=plan_units(plan, unit, counts, units))


def judged(item: dict[str, Any], min_cases: int) -> bool:
    return item["target"] is not None and item["denominator"] >= min_cases and item["denominator"] > 0


def closeness(item: dict[str, Any]) -> float:
    """min(1, value / target); a target of 0 is always reached."""
    target = float(item["target"])
    return 1.0 if target == 0 else min(1.0, float(item["value"]) / target)


def evaluation(plan: Plan, unit: str, report: ReportPeriod, as_of: datetime, counts: Counts) -> Evaluation:
    min_cases = plan.alerts.min_cases
    scored = []
    for code in plan.children[unit]:
        items = [i for i in indicator_list(counts.get(code, {}), plan.targets(code)) if judged(i, min_cases)]
        met = sum(1 for i in items if i["met"])
        share = Fraction(met, len(items)) if items else None
        mean = sum(closeness(i) for i in items) / len(items) if items else None
        rating = plan.spec.reports.rating(float(share)) if share is not None else NOT_RATED
        scored.append((share, mean, code, met, len(items), rating))
    scored.sort(key=lambda s: (s[0] is None, -(s[0] or 0), -(s[1] or 0.0), s[2]))
    units = [
        EvaluatedUnit(
            rank=rank,
            unit=code,
            name=plan.names[code],
            met=met,
            judged=count,
            score=float(share) if share is not None else None,
            rating=rating,
        )
        for rank, (share, _, code, met, count, rating) in enumerate(scored, 1)
    ]
    return Evaluation(**header(unit, report, as_of), units=units)
