"""The scorecard of a unit, and the ranking of the units below it, from the store (blocking calls:
the API runs them in a thread). Open items are judged at A = min(now, the end of the period)."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction

from tthc_contract.periods import Period
from tthc_contract.plan import Plan
from tthc_contract.qd766 import TOTAL_MAX, rounded
from tthc_contract.scorecard_bodies import RankedUnit, Ranking, Scorecard

from .. import reads
from ..indicators import as_of_text
from ..store import Store
from .compute import groups_of, score_items


def judged_at(period: Period, now: datetime) -> datetime:
    return min(now, period.bounds()[1])


def scorecard(store: Store, plan: Plan, unit: str, period: Period, now: datetime) -> Scorecard:
    at = judged_at(period, now)
    counts = reads.counts(store, plan.descendants(unit), period, at)
    groups, total, unknown = groups_of(score_items(plan, unit, counts))
    return Scorecard(
        unit=unit,
        name=plan.names[unit],
        period=period.code,
        as_of=as_of_text(now),
        judged_at=as_of_text(at),
        total=rounded(total),
        known_max=TOTAL_MAX - unknown,
        unknown_max=unknown,
        groups=groups,
    )


def ranking(store: Store, plan: Plan, unit: str, period: Period, now: datetime) -> Ranking:
    """The units directly below ``unit``, by exact total (descending), then by unit code."""
    at = judged_at(period, now)
    children = plan.children[unit]
    by_unit = reads.counts_by_unit(store, plan, [period], at, units=children) if children else {}
    scored: list[tuple[Fraction, str, RankedUnit]] = []
    for child in children:
        groups, total, unknown = groups_of(score_items(plan, child, by_unit[(child, period.code)]))
        row = RankedUnit(
            rank=0,
            unit=child,
            name=plan.names[child],
            total=rounded(total),
            known_max=TOTAL_MAX - unknown,
            groups={g.code: g.points for g in groups},
        )
        scored.append((total, child, row))
    scored.sort(key=lambda s: (-s[0], s[1]))
    units = [row.model_copy(update={"rank": n}) for n, (_, _, row) in enumerate(scored, 1)]
    return Ranking(
        unit=unit,
        name=plan.names[unit],
        period=period.code,
        as_of=as_of_text(now),
        judged_at=as_of_text(at),
        units=units,
    )
