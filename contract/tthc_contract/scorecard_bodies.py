"""The bodies of ``/v1/scorecard`` and ``/v1/scorecard/ranking`` (SPEC section 10), typed: the
API answers them as JSON, and the renderers (xlsx, html, the monthly report's part) read them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScoredItem(_Body):
    code: str
    name: str
    max: int
    numerator: int | None
    denominator: int | None
    rate: float | None
    points: float | None
    """``None`` when the item is unknown (its max is then in ``unknown_max``)."""
    rule: str
    basis: str
    inferred: bool
    lost: float | None = None
    """Points below the maximum (``max - points``), for the items losing the most."""


class ScoredGroup(_Body):
    code: str
    name: str
    max: int
    points: float
    """The sum of the group's known items (rounded once)."""
    known_max: int
    items: list[ScoredItem]


class Scorecard(_Body):
    unit: str
    name: str
    period: str
    as_of: str
    judged_at: str
    """A = min(now, the end of the period): the instant open items are judged at."""
    estimate: bool = True
    total: float
    known_max: int
    unknown_max: int
    groups: list[ScoredGroup]

    def items(self) -> list[ScoredItem]:
        return [i for g in self.groups for i in g.items]

    def costliest(self, n: int = 5) -> list[ScoredItem]:
        """The known items losing the most points, most first (then in the catalogue's order)."""
        known = [i for i in self.items() if i.lost is not None and i.lost > 0]
        return sorted(known, key=lambda i: -(i.lost or 0))[:n]


class RankedUnit(_Body):
    rank: int
    unit: str
    name: str
    total: float
    known_max: int
    groups: dict[str, float]


class Ranking(_Body):
    unit: str
    name: str
    period: str
    as_of: str
    judged_at: str
    estimate: bool = True
    units: list[RankedUnit]
