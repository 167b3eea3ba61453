"""The plan file (SPEC section 3): units, targets, alert rules, routes and sources.

``load_plan`` validates the YAML and reports every problem with its path, e.g.
``unit_targets.vpdkd: unknown unit 'vpdkd'``. Every key is documented in
``docs/plan-file.md``; the keys' models are in ``plan_file``.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .catalogue import CatalogueError, Procedure, merged_procedures, published_problems
from .indicators import BY_CODE, INDICATORS
from .plan_file import ALL, NOT_RATED, AlertRules, PlanSpec, Source, TargetMap, UnitSpec
from .unit_names import UnitNames

__all__ = ["ALL", "NOT_RATED", "Plan", "PlanError", "load_plan", "parse_plan"]


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
