"""SPEC section 10 written a second time, in plain Python, from the events (the counts of
``oracle``, itself written from the SPEC's sentences) and the plan's catalogue: every item's
numerator, denominator and points, groups and total, rounded half up from exact values."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import Any

from tthc_contract.periods import Period
from tthc_contract.plan import Plan

from . import oracle

# (code, group, max, numerator, denominator, threshold, empty-is-max), as SPEC section 10's table reads.
TABLE = [
    ("PUBLISH_ON_TIME", "CKMB", 6, None, None, None, False),
    ("PUBLIC_UPDATE_ON_TIME", "CKMB", 4, None, None, None, False),
    ("PUBLIC_CONTENT_FULL", "CKMB", 2, None, None, None, False),
    ("DOSSIER_SYNC", "CKMB", 6, "synced", "cases", None, False),
    ("ON_TIME", "TDGQ", 20, "on_time", "cases", None, False),
    ("ONLINE_PROCEDURES", "CLGQ", 2, "cat_online", "cat_all", Fraction(8, 10), False),
    ("ONLINE_SERVICES_USED", "CLGQ", 4, "cat_online_used", "cat_online", None, False),
    ("ONLINE_DOSSIERS", "CLGQ", 6, "online", "cases", Fraction(5, 10), False),
    ("PAID_ONLINE", "TTTT", 6, "fee_paid_online", "fee_cases", None, False),
    ("PROCEDURES_PAID_ONLINE", "TTTT", 2, "cat_fee_paid", "cat_fee", Fraction(8, 10), False),
    ("PROCEDURES_PAYMENT_INTEGRATED", "TTTT", 2, "cat_fee_portal", "cat_fee", Fraction(8, 10), False),
    ("ORIGINAL_RESULT_AVAILABLE", "MDSH", 6, "e_result_any", "cases", None, False),
    ("SO_HOA_GIAY_TO_GIAI_QUYET", "MDSH", 4, "digitized", "cases", None, False),
    ("ELECTRONIC_CERTIFIED_COPY", "MDSH", 2, None, None, None, False),
    ("REUSED_DIGITIZED_DATA", "MDSH", 2, "reused", "cases", Fraction(8, 10), False),
    ("SYNCED_WITH_DVCQG_PERSONAL_STORAGE", "MDSH", 4, "personal_storage", "cases", None, False),
    ("CITIZEN_DATA_CONNECTED_DOSSIER", "MDSH", 2, "citizen_data", "cases", None, False),
    ("CITIZEN_DATA_CONNECTED_FORMALITY", "MDSH", 2, "cat_citizen_used", "cat_citizen", None, False),
    ("PETITION_PROCESSING_ON_TIME", "MDHL", 6, "feedback_on_time", "feedback", None, True),
    ("PETITION_HANDLING_SATISFACTION", "MDHL", 6, "feedback_satisfied", "feedback", None, True),
    ("DOSSIER_RECEIVING_SATISFACTION", "MDHL", 6, "satisfied", "cases", Fraction(9, 10), False),
]


def two_decimals(value: Fraction) -> float:
    with localcontext() as ctx:
        ctx.prec = 60
        exact = Decimal(value.numerator) / Decimal(value.denominator)
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def catalogue(plan: Plan, unit: str, counts: dict[str, Any]) -> dict[str, int] | None:
    subtree = set(plan.descendants(unit))
    mine = {c: p for c, p in plan.procedures.items() if p.units is None or set(p.units) & subtree}
    if not mine:
        return None
    online = [c for c, p in mine.items() if p.online in ("partial", "full")]
    fee = [c for c, p in mine.items() if p.fee]
    citizen = [c for c, p in mine.items() if p.citizen]
    return {
        "cat_all": len(mine),
        "cat_online": len(online),
        "cat_online_used": sum(c in counts["procedures_online"] for c in online),
        "cat_fee": len(fee),
        "cat_fee_paid": sum(c in counts["procedures_fee_paid"] for c in fee),
        "cat_fee_portal": sum(mine[c].portal_payment for c in fee),
        "cat_citizen": len(citizen),
        "cat_citizen_used": sum(c in counts["procedures_citizen"] for c in citizen),
    }


def _points(maximum: int, n: int, d: int, threshold: Fraction | None, empty_is_max: bool) -> Fraction:
    if d == 0:
        return Fraction(maximum if empty_is_max else 0)
    rate = Fraction(n, d)
    return maximum * (min(Fraction(1), rate / threshold) if threshold else rate)


def score(
    events: list[dict[str, Any]], plan: Plan, unit: str, period: Period, now: datetime
) -> dict[str, Any]:
    """{"items": {code: (numerator, denominator, points or None)}, "groups": {code: points},
    "total", "unknown_max"}: what the scorecard of SPEC section 10 must say."""
    judged = min(now, period.bounds()[1])
    counts = oracle.count(events, plan, unit, period, judged)
    counts |= catalogue(plan, unit, counts) or {}
    items: dict[str, tuple[int | None, int | None, float | None]] = {}
    exact: dict[str, Fraction] = {}
    unknown = 0
    for code, _, maximum, num, den, threshold, empty in TABLE:
        published = plan.spec.scorecard.published.get(code)
        if num is None and published is not None and published.points is not None:
            exact[code], items[code] = Fraction(str(published.points)), (None, None, published.points)
        elif num is None and published is not None:
            n, d = published.numerator or 0, published.denominator or 0
            exact[code] = _points(maximum, n, d, None, False)
            items[code] = (n, d, two_decimals(exact[code]))
        elif num is None or num not in counts:
            unknown += maximum
            items[code] = (None, None, None)
        else:
            n, d = counts[num], counts[den]
            exact[code] = _points(maximum, n, d, threshold, empty)
            items[code] = (n, d, two_decimals(exact[code]))
    groups = {g: two_decimals(sum((exact.get(r[0], Fraction(0)) for r in TABLE if r[1] == g), Fraction(0)))
              for g in ("CKMB", "TDGQ", "CLGQ", "TTTT", "MDSH", "MDHL")}  # fmt: skip
    return {
        "items": items,
        "groups": groups,
        "total": two_decimals(sum(exact.values(), Fraction(0))),
        "unknown_max": unknown,
    }
