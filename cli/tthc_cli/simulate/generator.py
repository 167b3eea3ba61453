"""Realistic case and feedback lifecycles for the plan's units (pure: no I/O, no clock).

A case is received, paid (when it carries a fee), digitized, synced, resolved, its
result issued and digitized, and sometimes rated; some cases bring a feedback item.
``day`` is the length of a simulated day: one calendar day when backfilling history,
a few seconds in live mode, so lateness happens while one watches.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .profile import UnitProfile
from .quota import Quotas

# (procedure code, field, carries a fee, returns a result document), per unit: the common
# procedures of a commune (the codes of the national TTHC database, as in the shipped plan's
# example catalogue).
PROCEDURES: dict[str, list[tuple[str, str, bool, bool]]] = {
    "hcc": [
        ("1.001193", "Hộ tịch", False, True),
        ("1.000894", "Hộ tịch", False, True),
        ("2.000815", "Chứng thực", True, True),
        ("2.000884", "Chứng thực", True, True),
    ],
    "vp": [("1.004873", "Hộ tịch", True, True), ("1.000656", "Hộ tịch", False, True)],
    "kt": [
        ("1.001612", "Thành lập và hoạt động của hộ kinh doanh", True, True),
        ("2.000720", "Thành lập và hoạt động của hộ kinh doanh", True, True),
        ("1.013225", "Xây dựng", True, True),
    ],
    "vhxh": [("1.001776", "Bảo trợ xã hội", False, True), ("1.001699", "Bảo trợ xã hội", False, False)],
    "dvth": [("1.004194", "Đăng ký, quản lý cư trú", True, True)],
    "vpdkdd": [("1.012753", "Đất đai", True, True), ("1.013978", "Đất đai", True, True)],
    "thue10": [("1.007620", "Quản lý thuế", False, True)],
}
DEFAULT_PROCEDURES = [("0.000000", "Khác", False, True)]


def procedures_of(unit: str) -> list[tuple[str, str, bool, bool]]:
    """A unit's procedures: by its code, else by its department suffix (``x001-kt``: kt's)."""
    return PROCEDURES.get(unit) or PROCEDURES.get(unit.rsplit("-", 1)[-1], DEFAULT_PROCEDURES)


@dataclass(frozen=True, slots=True, order=True)
class Timed:
    at: datetime
    seq: int
    event: dict[str, Any]


class Generator:
    def __init__(self, profiles: dict[str, UnitProfile], seed: int, source: str, run_id: str) -> None:
        self.profiles = profiles
        self.rnd = random.Random(seed)
        self.quotas = Quotas()
        self.source = source
        self.run_id = run_id
        self._seq = 0
        self._cases = 0
        self._units = list(profiles)
        self._weights = [profiles[u]["weight"] for u in self._units]

    def _event(self, kind: str, at: datetime, subject: str, data: dict[str, Any] | None) -> Timed:
        self._seq += 1
        event: dict[str, Any] = {
            "specversion": "1.0",
            "id": f"{self.run_id}-{self._seq:09d}",
            "source": self.source,
            "type": kind,
            "time": at.isoformat(),
            "subject": subject,
        }
        if data is not None:
            event["data"] = data
        return Timed(at, self._seq, event)

    def _take(self, unit: str, knob: str) -> bool:
        return self.quotas.take(unit, knob, self.profiles[unit][knob])

    def next_unit(self) -> str:
        return self.rnd.choices(self._units, self._weights)[0]

    def case(self, unit: str, received: datetime, day: timedelta) -> list[Timed]:
        """Every event of one case's life, in time order."""
        self._cases += 1
        code = f"{self.run_id.upper()}-{unit.upper()}-{self._cases:06d}"
        minute = day / 1440
        procedure, field, fee, result_document = self.rnd.choice(procedures_of(unit))
        due = received + day * self.rnd.randint(3, 15)
        online = self._take(unit, "online_rate")
        channel = self.rnd.choice(
            ["online_full", "online_full", "online_partial"]
            if online
            else ["in_person", "in_person", "postal"]
        )
        events = [
            self._event(
                "tthc.case.received",
                received,
                code,
                {
                    "unit": unit,
                    "procedure": procedure,
                    "channel": channel,
                    "due": due.isoformat(),
                    "fee": fee,
                    "result_document": result_document,
                    "field": field,
                    **self._reuse(unit),
                },
            )
        ]
        if fee:
            portal = self._take(unit, "online_payment_rate")
            events.append(
                self._event(
                    "tthc.case.paid",
                    received + 3 * minute,
                    code,
                    {
                        "payment_id": f"PAY-{code}",
                        "channel": "national_portal"
                        if portal
                        else self.rnd.choice(["local_gateway", "offline"]),
                        "amount": self.rnd.choice([15_000, 30_000, 50_000, 100_000, 500_000]),
                    },
                )
            )
        digitized = self._take(unit, "digitization_rate")
        if digitized:
            events.append(
                self._event("tthc.case.digitized", received + 5 * minute, code, {"scope": "dossier"})
            )
        if self._take(unit, "sync_rate"):
            events.append(self._event("tthc.case.synced", received + 6 * minute, code, {}))
        events += self._resolution(
            unit=unit,
            code=code,
            received=received,
            due=due,
            day=day,
            digitized=digitized,
            result_document=result_document,
        )
        if self._take(unit, "feedback_per_case"):
            events += self._feedback(unit, received + day, day, code if self.rnd.random() < 0.5 else None)
        return sorted(events)

    def _reuse(self, unit: str) -> dict[str, bool]:
        """A component from the citizen's store on the portal is reused data from population
        data (as the DVCQG bridge reads the record)."""
        store = self._take(unit, "personal_storage_rate")
        return {
            "reused_data": self._take(unit, "data_reuse_rate") or store,
            "personal_storage": store,
            "citizen_data": self._take(unit, "citizen_data_rate") or store,
        }

    def _resolution(
        self,
        *,
        unit: str,
        code: str,
        received: datetime,
        due: datetime,
        day: timedelta,
        digitized: bool,
        result_document: bool,
    ) -> list[Timed]:
        if self._take(unit, "on_time_rate"):
            end = received + (due - received) * self.rnd.uniform(0.2, 0.95)
        else:
            end = due + day * self.rnd.uniform(0.2, 2.0)
        roll = self.rnd.random()
        outcome = "approved" if roll < 0.94 else ("refused" if roll < 0.98 else "withdrawn")
        events = [self._event("tthc.case.resolved", end, code, {"outcome": outcome})]
        if outcome == "approved" and result_document:
            electronic = self._take(unit, "e_result_rate")
            events.append(self._event("tthc.case.result_issued", end, code, {"electronic": electronic}))
            if digitized:
                events.append(self._event("tthc.case.digitized", end, code, {"scope": "result"}))
        if self.rnd.random() < 0.6:
            satisfied = self._take(unit, "satisfaction_rate")
            events.append(self._event("tthc.case.rated", end + day / 24, code, {"satisfied": satisfied}))
        return events

    def _feedback(self, unit: str, received: datetime, day: timedelta, case: str | None) -> list[Timed]:
        code = f"PAKN-{self.run_id.upper()}-{self._seq:09d}"
        due = received + 10 * day
        data: dict[str, Any] = {"unit": unit, "due": due.isoformat()}
        if case:
            data["case"] = case
        on_time = self._take(unit, "feedback_on_time_rate")
        end = received + (due - received) * self.rnd.uniform(0.1, 0.9) if on_time else due + day
        events = [
            self._event("tthc.feedback.received", received, code, data),
            self._event("tthc.feedback.resolved", end, code, None),
        ]
        if self.rnd.random() < 0.5:
            satisfied = self._take(unit, "feedback_satisfaction_rate")
            events.append(self._event("tthc.feedback.rated", end + day / 24, code, {"satisfied": satisfied}))
        return events
