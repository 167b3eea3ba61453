"""Computing the reports from the store: the SQL figures, then the pure model (blocking calls;
the API runs them in a thread).

Every figure comes from the same per-case facts as ``/v1/indicators`` (SPEC section 7): the
plan report and the evaluation use the indicator counts over [S, E) at now; Biểu 06 the
cases as they stood at A = min(E, now). A closed period rendered twice gives the same file,
unless events about it arrived in between.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tthc_contract.plan import Plan
from tthc_contract.report_periods import ReportPeriod, previous

from .. import reads
from ..store import Store
from . import model
from .figures import bieu06_rows
from .narrative import narrative

PARTS = ("plan", "bieu06", "evaluation")
"""The parts of the monthly report, in its order."""


@dataclass(frozen=True)
class ReportDocument:
    """One unit and period: the parts asked for (all three and a narrative: the monthly report)."""

    unit: str
    unit_name: str
    org_name: str
    report: ReportPeriod
    generated_at: datetime
    plan: dict[str, Any] | None = None
    bieu06: dict[str, Any] | None = None
    evaluation: dict[str, Any] | None = None
    narrative: list[str] | None = None

    def body(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "period": self.report.code,
            "label": self.report.label_vi,
            **{part: getattr(self, part) for part in PARTS if getattr(self, part) is not None},
            "narrative": self.narrative,
        }


class ReportBuilder:
    def __init__(self, store: Store, plan: Plan) -> None:
        self.store = store
        self.plan = plan

    def counts(self, report: ReportPeriod, now: datetime) -> dict[str, dict[str, int]]:
        by_unit = reads.counts_by_unit(self.store, self.plan, [report], now)
        return {unit: counts for (unit, _), counts in by_unit.items()}

    def bieu06(self, unit: str, report: ReportPeriod, now: datetime | None = None) -> dict[str, Any]:
        now = now or datetime.now(UTC)
        start, end = report.bounds()
        at = min(end, now)
        rows = bieu06_rows(self.store, self.plan.descendants(unit), start, at)
        return model.bieu06(unit, report, at, rows)

    def plan_report(self, unit: str, report: ReportPeriod, now: datetime | None = None) -> dict[str, Any]:
        now = now or datetime.now(UTC)
        return model.plan_report(self.plan, unit, report, now, self.counts(report, now))

    def evaluation(self, unit: str, report: ReportPeriod, now: datetime | None = None) -> dict[str, Any]:
        now = now or datetime.now(UTC)
        return model.evaluation(self.plan, unit, report, now, self.counts(report, now))

    def document(
        self, unit: str, report: ReportPeriod, part: str | None, now: datetime | None = None
    ) -> ReportDocument:
        """One part (``plan``, ``bieu06``, ``evaluation``), or ``None``: the monthly report."""
        now = now or datetime.now(UTC)
        parts: dict[str, Any] = {}
        if part in ("bieu06", None):
            parts["bieu06"] = self.bieu06(unit, report, now)
        if part in ("plan", "evaluation", None):
            counts = self.counts(report, now)
            if part in ("plan", None):
                parts["plan"] = model.plan_report(self.plan, unit, report, now, counts)
            if part in ("evaluation", None):
                parts["evaluation"] = model.evaluation(self.plan, unit, report, now, counts)
        if part is None:
            before = previous(report, self.plan.spec.reports.period_end_day)
            previous_plan = self.plan_report(unit, before, now) if before is not None else None
            parts["narrative"] = narrative(parts["plan"], previous_plan, parts["bieu06"], parts["evaluation"])
        return ReportDocument(
            unit, self.plan.names[unit], self.plan.names[self.plan.root], report, now, **parts
        )
