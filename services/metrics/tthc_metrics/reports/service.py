"""Building the reports from the store: each part's body (``parts/``), and the narrative of the
monthly report (blocking calls; the API runs them in a thread).

Every figure comes from the same per-case facts as ``/v1/indicators`` (SPEC section 7): the
plan report and the evaluation use the indicator counts over [S, E) at now; Biểu 06 the
cases as they stood at A = min(E, now). A closed period rendered twice gives the same file,
unless events about it arrived in between.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tthc_contract.plan import Plan
from tthc_contract.report_bodies import Bieu06, Evaluation, PlanReport, ReportBody, ReportDocument
from tthc_contract.report_periods import ReportPeriod, previous

from .. import reads
from ..store import Store
from . import model
from . import parts as registry
from .narrative import narrative
from .parts import Facts, Part


class ReportBuilder:
    def __init__(self, store: Store, plan: Plan) -> None:
        self.store = store
        self.plan = plan

    def build(self, name: str, unit: str, report: ReportPeriod, now: datetime | None = None) -> Any:
        """The body of one part (``plan``, ``bieu06``, ``evaluation``, ``scorecard``)."""
        return registry.named(name).build(
            Facts(self.store, self.plan), unit, report, now or datetime.now(UTC)
        )

    def document(
        self, unit: str, report: ReportPeriod, part: str | None, now: datetime | None = None
    ) -> ReportDocument:
        """One part (by name), or ``None``: the monthly report, every part and the narrative."""
        now = now or datetime.now(UTC)
        facts = Facts(self.store, self.plan)
        chosen: tuple[Part[Any], ...] = registry.PARTS if part is None else (registry.named(part),)
        bodies: dict[str, ReportBody] = {p.name: p.build(facts, unit, report, now) for p in chosen}
        return ReportDocument(
            unit=unit,
            unit_name=self.plan.names[unit],
            org_name=self.plan.names[self.plan.root],
            report=report,
            generated_at=now,
            parts=bodies,
            narrative=self._narrative(unit, report, now, bodies) if part is None else None,
        )

    def _narrative(
        self, unit: str, report: ReportPeriod, now: datetime, bodies: dict[str, ReportBody]
    ) -> list[str]:
        plan, bieu06, evaluation = bodies["plan"], bodies["bieu06"], bodies["evaluation"]
        assert (
            isinstance(plan, PlanReport) and isinstance(bieu06, Bieu06) and isinstance(evaluation, Evaluation)
        )
        before = previous(report, self.plan.spec.reports.period_end_day)
        earlier = None
        if before is not None:  # the unit's own indicators then (not the whole subtree's: a province's 1,201)
            counts = reads.counts(self.store, self.plan.descendants(unit), before, now)
            earlier = model.plan_report(self.plan, unit, before, now, {unit: counts}, units=[unit])
        return narrative(plan, earlier, bieu06, evaluation)
