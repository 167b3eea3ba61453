"""The rows of the plan's tables (``current.PLAN_TABLES``), rewritten at every start (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tthc_contract.periods import all_periods
from tthc_contract.plan import Plan
from tthc_contract.qd766 import GROUP_BY_CODE, ITEMS

Rows = list[list[Any]]
FIRST_YEAR = 2020
"""The first year of the ``periods`` table: the periods Grafana lists start there."""


def plan_rows(plan: Plan) -> tuple[Rows, ...]:
    """Units, ancestors, targets, periods, procedures, scorecard items: ``PLAN_TABLES``' order."""
    units = [
        [code, plan.names[code], plan.parent[code] or "", depth, pos]
        for pos, (code, depth) in enumerate(plan.walk())
    ]
    ancestors = [[code, up] for code in plan.unit_codes for up in plan.ancestors(code)]
    targets = [[code, ind, value] for code in plan.unit_codes for ind, value in plan.targets(code).items()]
    this_year = datetime.now(UTC).year
    periods = [[p.code, p.kind, p.label_vi, *p.bounds()] for p in all_periods(FIRST_YEAR, this_year + 2)]
    return units, ancestors, targets, periods, _procedures(plan), _items(plan)


def _procedures(plan: Plan) -> Rows:
    return [
        [code, p.name or "", p.fee, p.online, p.portal_payment, p.citizen, p.processing_days, p.units or []]
        for code, p in sorted(plan.procedures.items())
    ]


def _items(plan: Plan) -> Rows:
    rows = []
    for position, item in enumerate(ITEMS):
        group = GROUP_BY_CODE[item.group]
        published = plan.spec.scorecard.published.get(item.code)
        rows.append(
            [
                position,
                item.code,
                group.code,
                group.name_vi,
                group.max_points,
                item.name_vi,
                item.max_points,
                item.rule_text,
                float(item.threshold) if item.threshold is not None else None,
                item.full_when_empty,
                item.basis,
                item.inferred,
                item.numerator,
                item.denominator,
                published.numerator if published else None,
                published.denominator if published else None,
                published.points if published else None,
            ]
        )
    return rows
