"""The bodies of the reports of SPEC section 8, typed: the API answers them as JSON, the
renderers (docx, xlsx, html) read them, and the monthly report (``ReportDocument``) carries
them to a render process.

``to_json()`` gives exactly the JSON of SPEC section 8 (``from`` and ``to`` are keywords in
Python: the fields are ``first`` and ``last``, written with their aliases).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny

from .report_periods import ReportPeriod
from .scorecard_bodies import Ranking, Scorecard

BIEU06_KEYS = (
    "received_total",
    "received_online",
    "received_offline",
    "carried_over",
    "resolved_total",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "pending_total",
    "pending_on_time",
    "pending_late",
)
"""The eleven counts of Biểu 06, columns (3) to (13) of the official form."""


class ReportBody(BaseModel):
    """A report body: frozen, no unknown keys, written to JSON with its aliases."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


class ReportHeader(ReportBody):
    unit: str
    first: str = Field(alias="from")
    """The first local date, ``YYYY-MM-DD``."""
    last: str = Field(alias="to")
    """The last local date, included."""
    as_of: str
    """The instant the figures describe (local time, ISO 8601)."""


class IndicatorResult(ReportBody):
    """An indicator as ``/v1/indicators`` answers it, with the shortfall of a target missed."""

    code: str
    numerator: int
    denominator: int
    value: float | None
    target: float | None
    met: bool | None
    shortfall: int | None
    """Cases (payments, feedback items) still needed: ⌈target × denominator⌉ − numerator; 0 when
    met, ``None`` when nothing was judged."""


class PlanUnit(ReportBody):
    unit: str
    name: str
    indicators: list[IndicatorResult]
    depth: int = Field(default=0, exclude=True)
    """0 for the report's unit, 1 for a unit directly below it, 2 and more deeper (not in the
    JSON: the documents put the deeper units in an annex)."""


class PlanReport(ReportHeader):
    units: list[PlanUnit]
    """The report's unit first, then the units below it, depth first in plan order."""


class Bieu06Counts(ReportBody):
    received_total: int
    received_online: int
    received_offline: int
    carried_over: int
    resolved_total: int
    resolved_early: int
    resolved_on_time: int
    resolved_late: int
    pending_total: int
    pending_on_time: int
    pending_late: int

    def count(self, key: str) -> int:
        value: int = getattr(self, key)
        return value


class _Field(ReportBody):
    field: str
    """The lĩnh vực as sent; ``""`` for cases without one (shown as «Lĩnh vực khác»)."""


class Bieu06Row(Bieu06Counts, _Field):
    """A row of Biểu 06: ``field`` first, then the eleven counts."""


class Bieu06(ReportHeader):
    rows: list[Bieu06Row]
    total: Bieu06Counts


class EvaluatedUnit(ReportBody):
    rank: int
    unit: str
    name: str
    met: int
    judged: int
    score: float | None
    """``met / judged``; ``None`` when nothing was judged."""
    rating: str


class Evaluation(ReportHeader):
    units: list[EvaluatedUnit]
    """In rank order."""


class ScorecardPart(ReportBody):
    """The part «Ước tính điểm Bộ chỉ số 766» of the monthly report: the calendar period the
    report period corresponds to, the unit's estimate and the ranking of the units below it."""

    period: str
    label: str
    """The calendar period in Vietnamese: «tháng 03/2026»."""
    scorecard: Scorecard
    ranking: Ranking


class ReportDocument(ReportBody):
    """The monthly report (every part and the narrative), or one part of it, for a unit and a
    report period: what a renderer turns into a file."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    unit: str
    unit_name: str
    org_name: str
    report: ReportPeriod
    generated_at: datetime
    parts: dict[str, SerializeAsAny[ReportBody]]
    """The bodies by part name, in the order of the report."""
    narrative: list[str] | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON of ``/v1/reports/monthly``."""
        return {
            "unit": self.unit,
            "period": self.report.code,
            "label": self.report.label_vi,
            **{name: body.to_json() for name, body in self.parts.items()},
            "narrative": self.narrative,
        }
