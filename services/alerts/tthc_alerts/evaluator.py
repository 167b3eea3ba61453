"""When a unit is below target: the life of one alert (pure: no I/O, the clock is a parameter).

An alert is identified by (unit, indicator, period) and moves through
inactive → pending → firing → resolved (SPEC section 6):

- pending when the indicator has a target, its denominator is at least ``min_cases``
  and the value is below target; firing once it has been so for ``pending``;
- a pending alert whose value comes back (or whose denominator drops) is forgotten;
- a firing alert resolves only when ``numerator >= (target + recovery_margin) × denominator``
  (computed exactly), so a value dancing on the target does not flap;
- a resolved alert that falls below target again starts over at pending;
- a firing alert with nothing left to judge (no target, an empty denominator) resolves;
- an alert of a period no longer watched (last month, once this month begins) resolves.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from tthc_contract.indicators import as_written, target_met

Status = Literal["inactive", "pending", "firing", "resolved"]


@dataclass(frozen=True, slots=True)
class Rules:
    min_cases: int
    pending: timedelta
    recovery_margin: float


@dataclass(frozen=True, slots=True)
class Observation:
    """One indicator of one unit for one period, as a snapshot reported it."""

    unit: str
    indicator: str
    period: str
    numerator: int
    denominator: int
    target: float | None


@dataclass(frozen=True, slots=True)
class Alert:
    unit: str
    indicator: str
    period: str
    status: Status
    numerator: int
    denominator: int
    target: float | None
    pending_since: datetime | None = None
    started_at: datetime | None = None
    resolved_at: datetime | None = None

    @property
    def id(self) -> str:
        return f"{self.unit}/{self.indicator}/{self.period}"

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None


def _below(obs: Observation | Alert) -> bool:
    return target_met(obs.numerator, obs.denominator, obs.target) is False


def _recovered(obs: Observation | Alert, margin: float) -> bool:
    if obs.target is None or obs.denominator == 0:
        return True  # no target or nothing to count any more: nothing is judged, nothing to alert on
    bar = as_written(obs.target) + as_written(margin)
    return obs.numerator * bar.denominator >= bar.numerator * obs.denominator


def step(previous: Alert | None, obs: Observation, rules: Rules, now: datetime) -> tuple[Alert, bool]:
    """The alert after ``obs`` at ``now``, and whether its status changed to firing or resolved
    (the changes that are published and notified)."""
    current = replace(
        previous or Alert(obs.unit, obs.indicator, obs.period, "inactive", 0, 0, None),
        numerator=obs.numerator,
        denominator=obs.denominator,
        target=obs.target,
    )
    eligible = _below(obs) and obs.denominator >= rules.min_cases
    if current.status == "firing":
        if _recovered(obs, rules.recovery_margin):
            return replace(current, status="resolved", resolved_at=now, pending_since=None), True
        return current, False
    if current.status == "pending":
        if not eligible:
            return replace(current, status="inactive", pending_since=None), False
        return _maybe_fire(current, rules, now)
    if eligible:  # inactive or resolved: below target again
        pending = replace(current, status="pending", pending_since=now, started_at=None, resolved_at=None)
        return _maybe_fire(pending, rules, now)
    return current, False


def _maybe_fire(alert: Alert, rules: Rules, now: datetime) -> tuple[Alert, bool]:
    assert alert.pending_since is not None
    if now - alert.pending_since >= rules.pending:
        return replace(alert, status="firing", started_at=now), True
    return alert, False


def tick(alert: Alert, rules: Rules, now: datetime, watched: set[str]) -> tuple[Alert, bool]:
    """Time passing without a new snapshot: a pending alert may fire; an alert of a period
    no longer watched resolves (firing) or is forgotten (pending)."""
    if alert.period not in watched:
        if alert.status == "firing":
            return replace(alert, status="resolved", resolved_at=now), True
        if alert.status == "pending":
            return replace(alert, status="inactive", pending_since=None), False
        return alert, False
    if alert.status == "pending":
        return _maybe_fire(alert, rules, now)
    return alert, False
