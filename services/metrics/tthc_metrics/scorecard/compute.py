"""The QĐ 766 estimate of one unit from its counts (pure, no I/O): SPEC section 10.

Counts come from the store (``reads.counts`` judged at A = min(now, end of the period)); the
catalogue counts from the plan's procedures of the unit's subtree; published items from the
plan's ``scorecard.published``. Items are exact rationals; each item, group and the total is
rounded half up to two decimals from its exact sum. An unknown item scores ``None`` and its
maximum goes to ``unknown_max``, never into the total.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from tthc_contract.catalogue import Procedure, Published
from tthc_contract.plan import Plan
from tthc_contract.qd766 import GROUPS, ITEMS, Item, points, rate4, rounded
from tthc_contract.scorecard_bodies import ScoredGroup, ScoredItem

ORDER = {item.code: n for n, item in enumerate(ITEMS)}
CATALOGUE_COUNTS = (
    "procedures",
    "online_procedures",
    "online_procedures_used",
    "fee_procedures",
    "fee_procedures_paid",
    "fee_procedures_integrated",
    "citizen_procedures",
    "citizen_procedures_used",
)


def catalogue_of(plan: Plan, unit: str) -> dict[str, Procedure]:
    """The procedures whose ``units`` is absent or names a unit of ``unit``'s subtree."""
    subtree = set(plan.descendants(unit))
    return {
        code: p
        for code, p in plan.procedures.items()
        if p.units is None or any(u in subtree for u in p.units)
    }


def catalogue_counts(catalogue: Mapping[str, Procedure], counts: Mapping[str, Any]) -> dict[str, int]:
    online = {c for c, p in catalogue.items() if p.offered_online}
    fee = {c for c, p in catalogue.items() if p.fee}
    citizen = {c for c, p in catalogue.items() if p.citizen}
    return {
        "procedures": len(catalogue),
        "online_procedures": len(online),
        "online_procedures_used": len(online & set(counts.get("procedures_online", ()))),
        "fee_procedures": len(fee),
        "fee_procedures_paid": len(fee & set(counts.get("procedures_fee_paid", ()))),
        "fee_procedures_integrated": len({c for c in fee if catalogue[c].portal_payment}),
        "citizen_procedures": len(citizen),
        "citizen_procedures_used": len(citizen & set(counts.get("procedures_citizen", ()))),
    }


@dataclass(frozen=True, slots=True)
class Scored:
    """An item's exact points (``None``: unknown) and what it shows."""

    item: Item
    exact: Fraction | None
    numerator: int | None
    denominator: int | None

    def body(self) -> ScoredItem:
        i = self.item
        known = self.exact is not None
        return ScoredItem(
            code=i.code,
            name=i.name_vi,
            max=i.max_points,
            numerator=self.numerator,
            denominator=self.denominator,
            rate=None if self.denominator in (None, 0) else rate4(self.numerator or 0, self.denominator or 0),
            points=rounded(self.exact) if self.exact is not None else None,
            rule=i.rule_text,
            basis=i.basis,
            inferred=i.inferred,
            lost=rounded(i.max_points - self.exact) if known and self.exact is not None else None,
        )


def _published(item: Item, value: Published | None) -> Scored:
    if value is None:
        return Scored(item, None, None, None)
    if value.points is not None:
        return Scored(item, Fraction(str(value.points)), None, None)
    assert value.numerator is not None and value.denominator is not None
    return Scored(item, points(item, value.numerator, value.denominator), value.numerator, value.denominator)


def score_items(plan: Plan, unit: str, counts: Mapping[str, Any]) -> list[Scored]:
    catalogue = catalogue_of(plan, unit)
    all_counts = dict(counts) | catalogue_counts(catalogue, counts)
    out = []
    for item in ITEMS:
        if item.basis == "published":
            out.append(_published(item, plan.spec.scorecard.published.get(item.code)))
        elif item.basis == "catalogue" and not catalogue:
            out.append(Scored(item, None, None, None))
        else:
            n, d = int(all_counts[item.numerator]), int(all_counts[item.denominator])
            out.append(Scored(item, points(item, n, d), n, d))
    return out


def groups_of(scored: list[Scored]) -> tuple[list[ScoredGroup], Fraction, int]:
    """The groups in order, the exact total of the known items, and the unknown maximum."""
    groups = []
    total, unknown = Fraction(0), 0
    for group in GROUPS:
        mine = sorted((s for s in scored if s.item.group == group.code), key=lambda s: ORDER[s.item.code])
        exact = sum((s.exact for s in mine if s.exact is not None), Fraction(0))
        missing = sum(s.item.max_points for s in mine if s.exact is None)
        total += exact
        unknown += missing
        groups.append(
            ScoredGroup(
                code=group.code,
                name=group.name_vi,
                max=group.max_points,
                points=rounded(exact),
                known_max=group.max_points - missing,
                items=[s.body() for s in mine],
            )
        )
    return groups, total, unknown
