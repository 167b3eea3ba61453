"""The plan file (SPEC section 3): units, targets, alert rules, routes and sources.

``load_plan`` validates the YAML and reports every problem with its path, e.g.
``unit_targets.vpdkd: unknown unit 'vpdkd'``. Every key is documented in
``docs/plan-file.md``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .catalogue import CatalogueError, Procedure, Scorecard, merged_procedures, published_problems
from .durations import parse_duration
from .indicators import BY_CODE, INDICATORS
from .periods import PeriodKind
from .unit_names import UnitNames

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


class PlanError(ValueError):
    """The plan file is wrong; ``problems`` lists each one with its path."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"plan file {source} is not valid:\n{listing}")


class Plan:
    """A validated plan: the unit tree with lookups and the effective targets."""

    def __init__(
        self, spec: PlanSpec, source: str = "<plan>", procedures: dict[str, Procedure] | None = None
    ) -> None:
        self.spec = spec
        self.source = source
        self.parent: dict[str, str | None] = {}
        self.names: dict[str, str] = {}
        self.children: dict[str, list[str]] = {}
        self.procedures: dict[str, Procedure] = (
            procedures if procedures is not None else dict(spec.scorecard.procedures)
        )
        """The procedure catalogue (SPEC section 10): the CSV file's rows and the inline ones."""
        self._index(spec.org, None)
        self.by_name = UnitNames(self.names, spec.dvcqg.units)

    def _index(self, unit: UnitSpec, parent: str | None) -> None:
        self.parent[unit.code] = parent
        self.names[unit.code] = unit.name
        self.children[unit.code] = [u.code for u in unit.units]
        for child in unit.units:
            self._index(child, unit.code)

    @property
    def root(self) -> str:
        return self.spec.org.code

    @property
    def alerts(self) -> AlertRules:
        return self.spec.alerts

    @cached_property
    def unit_codes(self) -> frozenset[str]:
        return frozenset(self.parent)

    def ancestors(self, code: str) -> list[str]:
        """``code`` and every unit above it, nearest first."""
        chain: list[str] = []
        current: str | None = code
        while current is not None:
            chain.append(current)
            current = self.parent[current]
        return chain

    def descendants(self, code: str) -> list[str]:
        """``code`` and every unit below it, depth first (a fresh list: the caller's to keep)."""
        return list(self._subtrees[code])

    @cached_property
    def _subtrees(self) -> dict[str, tuple[str, ...]]:
        """Each unit's subtree, depth first, walked once (every question and snapshot round asks
        for subtrees; a province has 1,200 units)."""
        subtrees: dict[str, tuple[str, ...]] = {}

        def walk(code: str) -> tuple[str, ...]:
            found = [code]
            for child in self.children[code]:
                found.extend(walk(child))
            subtrees[code] = tuple(found)
            return subtrees[code]

        walk(self.root)
        return subtrees

    def walk(self) -> Iterator[tuple[str, int]]:
        """Every unit with its depth, parents before children."""
        stack = [(self.root, 0)]
        while stack:
            code, depth = stack.pop()
            yield code, depth
            stack.extend((c, depth + 1) for c in reversed(self.children[code]))

    def targets(self, unit: str) -> dict[str, float | None]:
        """Effective targets of ``unit``: its override, else the plan's, else the default."""
        own = self.spec.unit_targets.get(unit, {})
        result: dict[str, float | None] = {}
        for ind in INDICATORS:
            if ind.code in own:
                result[ind.code] = own[ind.code]
            elif ind.code in self.spec.targets:
                result[ind.code] = self.spec.targets[ind.code]
            else:
                result[ind.code] = ind.default_target
        return result

    def unit_of_dvcqg(self, value: str) -> str | None:
        """The unit a record's ``DonViXuLy`` names (see ``UnitNames.find``), or ``None``."""
        return self.by_name.find(value).unit

    def source_units(self, source: Source) -> frozenset[str] | None:
        """The units ``source`` may send for, ``None`` meaning all of them (subtrees included)."""
        if ALL in source.units:
            return None
        return frozenset(d for u in source.units for d in self.descendants(u))


def _cross_check(spec: PlanSpec) -> list[str]:
    problems: list[str] = []
    seen: dict[str, int] = {}
    stack = [spec.org]
    while stack:
        unit = stack.pop()
        seen[unit.code] = seen.get(unit.code, 0) + 1
        stack.extend(unit.units)
    known = ", ".join(sorted(seen))
    problems += [f"org: unit code {c!r} is used {n} times" for c, n in seen.items() if n > 1]

    def unit_ref(path: str, code: str, allow_all: bool) -> None:
        if not (code in seen or (allow_all and code == ALL)):
            problems.append(f"{path}: unknown unit {code!r} (units of the plan: {known})")

    def indicator_ref(path: str, targets: TargetMap) -> None:
        for code in targets:
            if code not in BY_CODE:
                problems.append(f"{path}.{code}: unknown indicator (indicators: {', '.join(BY_CODE)})")

    indicator_ref("targets", spec.targets)
    for code, targets in spec.unit_targets.items():
        unit_ref(f"unit_targets.{code}", code, allow_all=False)
        indicator_ref(f"unit_targets.{code}", targets)
    for i, route in enumerate(spec.routes):
        for code in route.units:
            unit_ref(f"routes[{i}].units", code, allow_all=True)
    for value, code in spec.dvcqg.units.items():
        unit_ref(f"dvcqg.units[{value!r}]", code, allow_all=False)
    problems += published_problems(spec.scorecard)
    ids = [s.id for s in spec.sources]
    for i, source in enumerate(spec.sources):
        if ids.count(source.id) > 1:
            problems.append(f"sources[{i}].id: source {source.id!r} is listed more than once")
        for code in source.units:
            unit_ref(f"sources[{i}].units", code, allow_all=True)
    return problems


def _format_pydantic(error: ValidationError) -> list[str]:
    problems = []
    for err in error.errors():
        path = ""
        for part in err["loc"]:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown key (see docs/plan-file.md for the keys a plan may have)"
        problems.append(f"{path or '(top level)'}: {message}")
    return problems


def _catalogue(spec: PlanSpec, base: Path | None) -> tuple[dict[str, Procedure], list[str]]:
    try:
        procedures = merged_procedures(spec.scorecard, base)
    except CatalogueError as exc:
        return {}, [f"scorecard.procedures_csv: {p}" for p in exc.problems]
    known = frozenset(_codes(spec.org))
    problems = [
        f"scorecard.procedures[{code!r}].units: unknown unit {unit!r}"
        for code, procedure in procedures.items()
        for unit in procedure.units or []
        if unit not in known
    ]
    return procedures, problems


def _codes(unit: UnitSpec) -> Iterator[str]:
    yield unit.code
    for child in unit.units:
        yield from _codes(child)


def parse_plan(data: Any, source: str = "<plan>", base: Path | None = None) -> Plan:
    """A validated plan; ``base`` is the directory relative file names start from (the plan's)."""
    if not isinstance(data, dict):
        raise PlanError(source, ["the file must be a mapping with at least the key 'org'"])
    try:
        spec = PlanSpec.model_validate(data)
    except ValidationError as exc:
        raise PlanError(source, _format_pydantic(exc)) from None
    procedures, catalogue_problems = _catalogue(spec, base)
    problems = _cross_check(spec) + catalogue_problems
    if problems:
        raise PlanError(source, problems)
    return Plan(spec, source, procedures)


def load_plan(path: str | Path) -> Plan:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PlanError(str(path), [f"cannot read the file: {exc.strerror}"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PlanError(str(path), [f"not valid YAML: {exc}"]) from None
    return parse_plan(data, str(path), path.parent)
