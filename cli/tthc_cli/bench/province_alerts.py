"""Alert latency: from the event that crosses a target to the alert active in Alertmanager.

Each probe department (``province_data.PROBE``: no history, no live traffic) gets one case
fewer than the plan's ``min_cases``, all received in person (online rate 0 %, far below its
target), and those are seen counted; then the last one, sent at t0. That event crosses: the
unit is judged from it on, below target, and with no pending time (the bench's plan) the alert
fires at once. The time is t0 until Alertmanager's API lists the alert as active.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson

from tthc_contract.periods import period_of
from tthc_contract.plan import Plan

from .province_data import probes
from .province_live import AUTH, cases_counted

TIMEOUT_S = 60.0


def alert_latency(plan: Plan, metrics_port: int, ingest_port: int, alertmanager: str) -> list[float]:
    """Milliseconds from the crossing event's POST to its alert active in Alertmanager, per probe."""
    month = period_of(datetime.now(UTC), "month").code
    with httpx.Client(timeout=30) as client:
        probe = Probe(client, metrics_port, ingest_port, alertmanager, month)
        return [probe.latency(unit, plan.alerts.min_cases) for unit in probes(plan)]


class Probe:
    def __init__(
        self, client: httpx.Client, metrics: int, ingest: int, alertmanager: str, month: str
    ) -> None:
        self.client, self.month, self.alertmanager = client, month, alertmanager
        self.metrics, self.ingest = f"http://127.0.0.1:{metrics}", f"http://127.0.0.1:{ingest}"

    def latency(self, unit: str, min_cases: int) -> float:
        before = [_in_person(unit, f"{unit}-{n}") for n in range(min_cases - 1)]
        self._send(before)
        _until(lambda: self._cases(unit) == len(before), f"{unit}: counted")
        if self._firing(unit):
            raise SystemExit(f"alert latency: {unit} fired before min_cases")
        started = time.perf_counter()
        self._send(_in_person(unit, f"{unit}-last"))
        _until(lambda: self._firing(unit), f"{unit}: alert active")
        return (time.perf_counter() - started) * 1000

    def _send(self, body: Any) -> None:
        answer = self.client.post(f"{self.ingest}/v1/events", content=orjson.dumps(body), headers=AUTH)
        answer.raise_for_status()

    def _cases(self, unit: str) -> int:
        return cases_counted(self.client, self.metrics, unit, self.month)

    def _firing(self, unit: str) -> bool:
        filters = [f'unit="{unit}"', f'period="{self.month}"']
        params = {"filter": filters, "active": "true"}
        return bool(self.client.get(f"{self.alertmanager}/api/v2/alerts", params=params).json())


def _in_person(unit: str, code: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "specversion": "1.0", "id": f"probe-{code}-{time.time_ns()}", "source": "igate",
        "type": "tthc.case.received", "time": now.isoformat(), "subject": f"probe-{code}",
        "data": {"unit": unit, "procedure": "1.001193", "channel": "in_person",
                 "due": (now + timedelta(days=3)).isoformat()},
    }  # fmt: skip


def _until(condition: Any, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"alert latency: {what} not seen within {TIMEOUT_S:.0f} s")
        time.sleep(0.01)
