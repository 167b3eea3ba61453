"""The plan file's keys (SPEC section 3) as models: units, targets, alert rules, routes,
sources, reports, the DVCQG bridge's names and the scorecard. Each is documented in
``docs/plan-file.md``; ``plan.parse_plan`` validates a file against them and cross-checks
what refers to what.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .catalogue import Scorecard
from .durations import parse_duration
from .periods import PeriodKind

UnitCode = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
Fraction01 = Annotated[float, Field(ge=0.0, le=1.0)]
ALL = "*"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UnitSpec(_Strict):
    code: UnitCode
    name: Annotated[str, Field(min_length=1, max_length=200)]
    units: list[UnitSpec] = []


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    return parse_duration(value)


Duration = Annotated[timedelta, Field(json_schema_extra={"type": "string"})]


class AlertRules(_Strict):
    periods: list[Literal["month", "quarter", "year"]] = ["month", "year"]
    min_cases: Annotated[int, Field(ge=0)] = 10
    pending: Duration = timedelta(minutes=5)
    recovery_margin: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    repeat: Duration = timedelta(hours=24)
    due_soon: Duration = timedelta(hours=48)
    due_soon_every: Duration = timedelta(hours=1)
    """At most one early warning per unit this often (each lists every item not yet warned)."""

    _parse = field_validator("pending", "repeat", "due_soon", "due_soon_every", mode="before")(
        lambda cls, v: _duration(v)
    )

    @property
    def period_kinds(self) -> tuple[PeriodKind, ...]:
        return tuple(dict.fromkeys(self.periods))


class Route(_Strict):
    name: str | None = None
    units: list[str] = [ALL]
    webhook: str | list[str] | None = None
    email: str | list[str] | None = None
    ops: bool = False
    """True: this route receives the pipeline's own alerts (Prometheus rules, kind="ops")
    instead of units' indicator alerts; its ``units`` are then not used."""

    @property
    def webhooks(self) -> list[str]:
        return _as_list(self.webhook)

    @property
    def emails(self) -> list[str]:
        return _as_list(self.email)


class Source(_Strict):
    id: Annotated[str, Field(min_length=1, max_length=255)]
    key_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    units: list[str] = [ALL]


TargetMap = dict[str, Fraction01 | None]


class RatingBand(_Strict):
    min_share: Fraction01
    rating: Annotated[str, Field(min_length=1, max_length=200)]


DEFAULT_RATINGS = [
    RatingBand(min_share=1.0, rating="Hoàn thành xuất sắc nhiệm vụ"),
    RatingBand(min_share=0.75, rating="Hoàn thành tốt nhiệm vụ"),
    RatingBand(min_share=0.5, rating="Hoàn thành nhiệm vụ"),
    RatingBand(min_share=0.0, rating="Không hoàn thành nhiệm vụ"),
]
NOT_RATED = "Chưa đủ dữ liệu để đánh giá"
"""The rating of a unit with nothing judged (SPEC section 8)."""


class Reports(_Strict):
    period_end_day: Annotated[int, Field(ge=1, le=28)] = 14
    """The statutory reporting period (kỳ báo cáo) ends on this day of the month."""
    ratings: list[RatingBand] = DEFAULT_RATINGS
    email: list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")]] = []
    """Who receives the monthly report when a period closes."""
    place: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    """Where reports are signed (the place-and-date line); default: from the root unit's name."""

    @field_validator("ratings")
    @classmethod
    def _descending(cls, bands: list[RatingBand]) -> list[RatingBand]:
        if not bands:
            raise ValueError("at least one band is needed")
        shares = [b.min_share for b in bands]
        if shares != sorted(shares, reverse=True) or len(set(shares)) != len(shares):
            raise ValueError(f"bands must be in strictly descending order of min_share (they are {shares})")
        if shares[-1] != 0.0:
            raise ValueError("the last band must have min_share 0.0, so that every unit judged gets a rating")
        return bands

    def rating(self, share: float) -> str:
        """The first band whose ``min_share`` the share reaches."""
        return next(b.rating for b in self.ratings if share >= b.min_share)


class Dvcqg(_Strict):
    units: dict[Annotated[str, Field(min_length=1, max_length=300)], str] = {}
    """``DonViXuLy`` value of the portal's records → unit code of the plan."""
    full_online_procedures: list[Annotated[str, Field(min_length=1, max_length=128)]] = []
    """``MaTTHC`` of the procedures offered fully online (toàn trình)."""
    citizen_databases: list[Annotated[str, Field(min_length=1, max_length=128)]] = []
    """``DSKetNoiCSDL[].MaCSDL`` values that mean the national population database."""


class PlanSpec(_Strict):
    org: UnitSpec
    targets: TargetMap = {}
    unit_targets: dict[str, TargetMap] = {}
    alerts: AlertRules = AlertRules()
    routes: list[Route] = [Route()]
    sources: list[Source] = []
    reports: Reports = Reports()
    dvcqg: Dvcqg = Dvcqg()
    scorecard: Scorecard = Scorecard()


def _as_list(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)
