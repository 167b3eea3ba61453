"""Worked vectors of the QĐ 766 points (SPEC section 10), built by hand from the research notes'
formulas (``shared/research/qd766-scoring.md``): linear and threshold items, the empty rules,
half-up rounding on exact values, groups summed before rounding."""

from __future__ import annotations

from fractions import Fraction

import pytest

from tthc_contract.qd766 import BY_CODE, GROUPS, ITEMS, TOTAL_MAX, points, rate4, rounded
from tthc_metrics.scorecard.compute import Scored, groups_of


def shown(code: str, numerator: int, denominator: int) -> float:
    return rounded(points(BY_CODE[code], numerator, denominator))


@pytest.mark.parametrize(
    ("code", "numerator", "denominator", "expected"),
    [
        # Phú Thọ, August 2026, from the portal's own answers (research notes, section 2).
        ("ON_TIME", 144625, 184513, 15.68),
        ("PUBLIC_CONTENT_FULL", 87, 89, 1.96),
        # threshold 0.9: below it, max × rate / 0.9; from it on, the max
        ("DOSSIER_RECEIVING_SATISFACTION", 45, 100, 3.00),
        ("DOSSIER_RECEIVING_SATISFACTION", 85, 100, 5.67),  # 6 × 0.85 / 0.9 = 5.666…
        ("DOSSIER_RECEIVING_SATISFACTION", 9, 10, 6.00),
        ("DOSSIER_RECEIVING_SATISFACTION", 95, 100, 6.00),
        # threshold 0.5 (ONLINE_DOSSIERS) and 0.8 (catalogue items)
        ("ONLINE_DOSSIERS", 1, 4, 3.00),
        ("ONLINE_DOSSIERS", 3, 4, 6.00),
        ("ONLINE_PROCEDURES", 52, 89, 1.46),  # 2 × (52/89) / 0.8 = 1.4606…, as the portal shows
        ("ONLINE_PROCEDURES", 52, 56, 2.00),
        ("REUSED_DIGITIZED_DATA", 2, 5, 1.00),
        # empty: 0 points, except the feedback items, which score their maximum
        ("DOSSIER_SYNC", 0, 0, 0.0),
        ("DOSSIER_RECEIVING_SATISFACTION", 0, 0, 0.0),
        ("PETITION_PROCESSING_ON_TIME", 0, 0, 6.0),
        ("PETITION_HANDLING_SATISFACTION", 0, 0, 6.0),
        # half up on the exact value: 20 × 469/4000 = 2.345 exactly → 2.35 (not the banker's 2.34)
        ("ON_TIME", 469, 4000, 2.35),
        ("SO_HOA_GIAY_TO_GIAI_QUYET", 1, 32, 0.13),  # 4/32 = 0.125 → 0.13
        ("ON_TIME", 4689, 40000, 2.34),  # 2.3445 → 2.34
    ],
)
def test_points_of_worked_vectors(code: str, numerator: int, denominator: int, expected: float) -> None:
    assert shown(code, numerator, denominator) == expected


def test_the_catalogue_is_the_portals() -> None:
    assert [g.max_points for g in GROUPS] == [18, 20, 12, 10, 22, 18] and TOTAL_MAX == 100
    assert {i.code for i in ITEMS if i.threshold is not None} == {
        "ONLINE_PROCEDURES",
        "ONLINE_DOSSIERS",
        "PROCEDURES_PAID_ONLINE",
        "PROCEDURES_PAYMENT_INTEGRATED",
        "REUSED_DIGITIZED_DATA",
        "DOSSIER_RECEIVING_SATISFACTION",
    }
    assert {i.code for i in ITEMS if i.inferred} == {
        "ONLINE_PROCEDURES",
        "ONLINE_SERVICES_USED",
        "ONLINE_DOSSIERS",
    }
    assert rate4(138, 140) == 0.9857 and rate4(1, 0) is None


def test_groups_and_the_total_round_their_exact_sums_once() -> None:
    """Two items of 0.004 each: the group is 0.008 → 0.01, not 0.00 + 0.00."""
    sync, content = BY_CODE["DOSSIER_SYNC"], BY_CODE["PUBLIC_CONTENT_FULL"]
    scored = [
        Scored(sync, Fraction(4, 1000), 1, 1500),
        Scored(content, Fraction(4, 1000), None, None),
        *(Scored(i, None, None, None) for i in ITEMS if i.code not in (sync.code, content.code)),
    ]
    groups, total, unknown = groups_of(scored)
    ckmb = groups[0]
    assert ckmb.points == 0.01 and [i.points for i in ckmb.items if i.points is not None] == [0.0, 0.0]
    assert total == Fraction(8, 1000) and rounded(total) == 0.01
    assert unknown == 100 - 6 - 2 and ckmb.known_max == 8
    assert [i.points for i in ckmb.items] == [None, None, 0.0, 0.0], "unknown items are None, never 0"
