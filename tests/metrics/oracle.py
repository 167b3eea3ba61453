"""SPEC section 4 written a second time, directly in Python, to check the SQL against.

Deliberately naive: it keeps every event in memory and follows the SPEC's sentences.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tthc_contract.events import parse_rfc3339
from tthc_contract.periods import LOCAL_TZ, Period
from tthc_contract.plan import Plan
from tthc_metrics.reports.figures import KEYS  # the column names only: the counting is written here again


@dataclass
class Ev:
    source: str
    id: str
    type: str
    time: datetime
    subject: str
    data: dict[str, Any]
    accepted: int
    """Position among the events accepted: on equal times, the one accepted last wins."""

    @property
    def order(self) -> tuple[datetime, int]:
        return (self.time, self.accepted)

    @property
    def resolution_order(self) -> tuple[datetime, str, str]:
        return (self.time, self.source, self.id)


def first_of_each_identity(events: list[dict[str, Any]]) -> list[Ev]:
    """In arrival order; a second event with the same (source, id) changes nothing."""
    seen: set[tuple[str, str]] = set()
    out = []
    for e in events:
        key = (e["source"], e["id"])
        if key in seen:
            continue
        seen.add(key)
        out.append(
            Ev(
                e["source"],
                e["id"],
                e["type"],
                parse_rfc3339(e["time"]),
                e["subject"],
                dict(e.get("data") or {}),
                len(out),
            )
        )
    return out


def _in_period(instant: datetime, period: Period) -> bool:
    local = instant.astimezone(LOCAL_TZ)
    months = [(d.year, d.month) for d in period.month_starts()]
    return (local.year, local.month) in months


def count(
    events: list[dict[str, Any]], plan: Plan, unit: str, period: Period, at: datetime
) -> dict[str, Any]:
    evs = first_of_each_identity(events)
    by_subject: dict[str, list[Ev]] = defaultdict(list)
    for e in evs:
        by_subject[e.subject].append(e)
    units = set(plan.descendants(unit))
    about = {e.data.get("case") for e in evs if e.type == "tthc.feedback.received" and e.data.get("case")}
    out = dict.fromkeys(
        [
            "cases",
            "online",
            "payments",
            "portal_payments",
            "digitized",
            "synced",
            "result_cases",
            "e_results",
            "reused",
            "feedback",
            "feedback_on_time",
            "satisfied",
            "on_time",
            "fee_cases",
            "fee_paid_online",
            "e_result_any",
            "personal_storage",
            "citizen_data",
            "feedback_satisfied",
        ],
        0,
    )
    out.update({"procedures_online": set(), "procedures_fee_paid": set(), "procedures_citizen": set()})
    for subject, items in by_subject.items():
        received = [e for e in items if e.type == "tthc.case.received"]
        if received:
            _case(out, subject, items, max(received, key=lambda e: e.order), units, period, at, about)
        feedback = [e for e in items if e.type == "tthc.feedback.received"]
        if feedback:
            _feedback(out, items, max(feedback, key=lambda e: e.order), units, period, at)
    for name in ("procedures_online", "procedures_fee_paid", "procedures_citizen"):
        out[name] = sorted(out[name])
    return out


def _case(
    out: dict[str, Any],
    subject: str,
    items: list[Ev],
    rec: Ev,
    units: set[str],
    period: Period,
    at: datetime,
    about: set[Any],
) -> None:
    if rec.data["unit"] not in units or not _in_period(rec.time, period):
        return
    kinds = defaultdict(list)
    for e in items:
        kinds[e.type].append(e)
    resched = kinds["tthc.case.rescheduled"]
    due = (
        parse_rfc3339(max(resched, key=lambda e: e.order).data["due"])
        if resched
        else parse_rfc3339(rec.data["due"])
    )
    resolutions = kinds["tthc.case.resolved"]
    end = min(resolutions, key=lambda e: e.resolution_order) if resolutions else None
    late = end.time > due if end else at > due
    needs_result = bool(end and end.data["outcome"] == "approved" and rec.data.get("result_document", True))
    electronic = any(e.data["electronic"] for e in kinds["tthc.case.result_issued"])
    scopes = {e.data["scope"] for e in kinds["tthc.case.digitized"]}
    payments = {e.data["payment_id"] for e in kinds["tthc.case.paid"]}
    portal = {e.data["payment_id"] for e in kinds["tthc.case.paid"] if e.data["channel"] == "national_portal"}
    unsatisfied = any(not e.data["satisfied"] for e in kinds["tthc.case.rated"])
    out["cases"] += 1
    out["online"] += rec.data["channel"] in ("online_full", "online_partial")
    out["payments"] += len(payments)
    out["portal_payments"] += len(portal)
    out["digitized"] += "dossier" in scopes and (not needs_result or "result" in scopes or electronic)
    out["synced"] += bool(kinds["tthc.case.synced"])
    out["result_cases"] += needs_result
    out["e_results"] += needs_result and electronic
    out["reused"] += bool(rec.data.get("reused_data", False))
    out["satisfied"] += not late and not unsatisfied and subject not in about
    out["on_time"] += not late
    _scorecard_case(out, rec, kinds)


def _scorecard_case(out: dict[str, Any], rec: Ev, kinds: dict[str, list[Ev]]) -> None:
    """What SPEC section 10 adds, sentence by sentence."""
    online = rec.data["channel"] in ("online_full", "online_partial")
    fee = bool(rec.data.get("fee", False))
    paid_online = any(
        e.data["channel"] in ("national_portal", "local_gateway") for e in kinds["tthc.case.paid"]
    )
    citizen = bool(rec.data.get("citizen_data", False))
    out["fee_cases"] += fee
    out["fee_paid_online"] += fee and paid_online
    out["e_result_any"] += any(e.data["electronic"] for e in kinds["tthc.case.result_issued"])
    out["personal_storage"] += bool(rec.data.get("personal_storage", False))
    out["citizen_data"] += citizen
    procedure = rec.data["procedure"]
    if online:
        out["procedures_online"].add(procedure)
    if fee and paid_online:
        out["procedures_fee_paid"].add(procedure)
    if citizen:
        out["procedures_citizen"].add(procedure)


def _feedback(
    out: dict[str, Any], items: list[Ev], rec: Ev, units: set[str], period: Period, at: datetime
) -> None:
    if rec.data["unit"] not in units or not _in_period(rec.time, period):
        return
    due = parse_rfc3339(rec.data["due"])
    resolutions = [e.time for e in items if e.type == "tthc.feedback.resolved"]
    ratings = [e for e in items if e.type == "tthc.feedback.rated"]
    on_time = (min(resolutions) <= due) if resolutions else (at <= due)
    unsatisfied = bool(ratings) and not max(ratings, key=lambda e: e.order).data["satisfied"]
    out["feedback"] += 1
    out["feedback_on_time"] += on_time
    out["feedback_satisfied"] += on_time and not unsatisfied


def bieu06(
    events: list[dict[str, Any]], plan: Plan, unit: str, start: datetime, end: datetime, now: datetime
) -> dict[str, dict[str, int]]:
    """Biểu 06 by field, following SPEC section 8 sentence by sentence."""
    at = min(end, now)
    units = set(plan.descendants(unit))
    by_subject: dict[str, list[Ev]] = defaultdict(list)
    for e in first_of_each_identity(events):
        by_subject[e.subject].append(e)
    rows: dict[str, dict[str, int]] = {}
    for items in by_subject.values():
        received = [e for e in items if e.type == "tthc.case.received"]
        if not received:
            continue
        rec = max(received, key=lambda e: e.order)
        resched = [e for e in items if e.type == "tthc.case.rescheduled"]
        due = (
            parse_rfc3339(max(resched, key=lambda e: e.order).data["due"])
            if resched
            else parse_rfc3339(rec.data["due"])
        )
        ends = [e for e in items if e.type == "tthc.case.resolved"]
        end_at = min(ends, key=lambda e: e.resolution_order).time if ends else None
        # H: received before A, not ended before S
        if rec.data["unit"] not in units or rec.time >= at or (end_at is not None and end_at < start):
            continue
        row = rows.setdefault(rec.data.get("field") or "", dict.fromkeys(KEYS, 0))
        online = rec.data["channel"] in ("online_full", "online_partial")
        ended_in = end_at is not None and end_at < at
        row["received_total"] += 1
        if rec.time >= start:
            row["received_online" if online else "received_offline"] += 1
        else:
            row["carried_over"] += 1
        if ended_in:
            assert end_at is not None
            row["resolved_total"] += 1
            late = end_at > due
            early = not late and end_at.astimezone(LOCAL_TZ).date() < due.astimezone(LOCAL_TZ).date()
            row["resolved_late" if late else ("resolved_early" if early else "resolved_on_time")] += 1
        else:
            row["pending_total"] += 1
            row["pending_on_time" if due >= at else "pending_late"] += 1
    return rows
