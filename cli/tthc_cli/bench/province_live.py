"""What ``tthc bench province`` measures once the history is stored: questions, freshness under
live traffic, the province's report in every format, and ``/health`` while it renders."""

from __future__ import annotations

import multiprocessing
import random
import statistics
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson

from tthc_contract.periods import LOCAL_TZ, period_of
from tthc_contract.plan import Plan

from .province_data import leaves

AUTH = {"Authorization": "Bearer demo-igate-key", "Content-Type": "application/json"}
SAMPLES = 30


def p50_p95(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[max(0, round(0.95 * len(ordered)) - 1)]


def received_case(unit: str, code: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "specversion": "1.0",
        "id": f"live-{code}",
        "source": "igate",
        "type": "tthc.case.received",
        "time": now.isoformat(),
        "subject": code,
        "data": {"unit": unit, "procedure": "1.001193", "channel": "online_full",
                 "due": (now + timedelta(days=3)).isoformat()},
    }  # fmt: skip


class LiveTraffic:
    """New cases sent to ingest at ``rate`` events/s (batches of 50) from a process of its
    own: its JSON and HTTP work never holds the GIL of the bench, which times the answers.
    Each instance's cases are its own (codes carry a random prefix of its own): traffic
    started again on the same store is new traffic, not duplicates that cost nothing to
    store."""

    def __init__(self, plan: Plan, ingest_port: int, rate: int) -> None:
        self.prefix = f"L{uuid.uuid4().hex[:12]}-"
        spawn = multiprocessing.get_context("spawn")  # no fork of a process with threads
        self.stop, self.sent, self.first_at = spawn.Event(), spawn.Value("q", 0), spawn.Value("d", 0.0)
        url = f"http://127.0.0.1:{ingest_port}"
        what = TrafficSpec(leaves(plan), url, rate, self.prefix)
        self.process = spawn.Process(
            target=send_cases, args=(what, self.stop, self.sent, self.first_at), daemon=True
        )
        self.ended_at = 0.0

    def code(self, n: int) -> str:
        """The ``n``-th case this traffic sends."""
        return case_code(self.prefix, n)

    def __enter__(self) -> LiveTraffic:
        self.process.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.process.join(timeout=30)
        self.ended_at = time.monotonic()
        if self.process.is_alive():  # stuck in a request: the bench is ending anyway
            self.process.terminate()
            self.process.join()
        elif self.process.exitcode != 0:
            raise SystemExit(f"the live traffic's process failed (exit code {self.process.exitcode})")

    def rate_accepted(self) -> float:
        """Events accepted by ingest per second, from the first batch sent (``time.monotonic``
        is one clock for all processes of the machine)."""
        if not self.first_at.value:
            return 0.0
        end: float = self.ended_at or time.monotonic()
        return float(self.sent.value) / max(end - float(self.first_at.value), 1e-9)


def case_code(prefix: str, n: int) -> str:
    return f"{prefix}{n}"


@dataclass(frozen=True)
class TrafficSpec:
    units: list[str]
    url: str
    rate: int
    prefix: str


def send_cases(what: TrafficSpec, stop: Any, sent_count: Any, first_at: Any) -> None:
    """``LiveTraffic``'s process: batches of 50 new cases, on time for the rate, until ``stop``
    (``sent_count``: how many ingest accepted so far, ``first_at``: when the first batch went;
    shared with the bench)."""
    units, rate, prefix = what.units, what.rate, what.prefix
    rnd, batch, sent = random.Random(5), 50, 0
    with httpx.Client(base_url=what.url, timeout=30) as client:
        started = time.perf_counter()
        first_at.value = time.monotonic()
        while not stop.is_set():
            body = [received_case(rnd.choice(units), case_code(prefix, sent + i)) for i in range(batch)]
            answer = client.post("/v1/events", content=orjson.dumps(body), headers=AUTH)
            sent += batch
            if answer.is_success:  # refused batches (ingest pushing back) are not counted
                sent_count.value += batch
            ahead = sent / rate - (time.perf_counter() - started)
            if ahead > 0:
                stop.wait(ahead)


def cases_counted(client: httpx.Client, metrics: str, unit: str, month: str) -> int:
    """The unit's cases of the month as ``/v1/indicators`` counts them (``metrics``: its base URL)."""
    answer = client.get(f"{metrics}/v1/indicators", params={"unit": unit, "period": month})
    answer.raise_for_status()
    return int(answer.json()["indicators"][0]["denominator"])


def question_times(plan: Plan, port: int, samples: int = SAMPLES) -> dict[str, tuple[float, float]]:
    """p50 and p95 (ms) of each kind of question (``samples`` of each), on random units of its level."""
    now = datetime.now(LOCAL_TZ)
    month, last = period_of(now, "month").code, period_of(now - timedelta(days=31), "month").code
    year = str(now.year)
    communes, departments = plan.children[plan.root], leaves(plan)
    kinds = {
        "indicators, department × month": ("/v1/indicators", departments, [month, last]),
        "indicators, commune × month": ("/v1/indicators", communes, [month, last]),
        "indicators, commune × year": ("/v1/indicators", communes, [year]),
        "indicators, province × year, month": ("/v1/indicators", [plan.root], [year, month, last]),
        "scorecard, commune × month": ("/v1/scorecard", communes, [last]),
        "scorecard, province × month": ("/v1/scorecard", [plan.root], [last]),
        "report JSON: evaluation of the province": ("/v1/reports/evaluation", [plan.root], [last]),
        "report JSON: Biểu 06 of a commune": ("/v1/reports/bieu-06", communes, [f"{last}/ky"]),
    }
    rnd, out = random.Random(3), {}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
        for kind, (path, units, periods) in kinds.items():
            times = []
            for _ in range(samples):
                started = time.perf_counter()
                answer = client.get(path, params={"unit": rnd.choice(units), "period": rnd.choice(periods)})
                times.append((time.perf_counter() - started) * 1000)
                if answer.status_code != 200:
                    raise SystemExit(f"{path}: {answer.status_code} {answer.text[:300]}")
            out[kind] = p50_p95(times)
    return out


def report_times(plan: Plan, port: int) -> dict[str, float]:
    last = period_of(datetime.now(LOCAL_TZ) - timedelta(days=31), "month").code
    out = {}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600) as client:
        for fmt in ("docx", "xlsx", "html"):
            started = time.perf_counter()
            answer = client.get(f"/v1/reports/monthly.{fmt}", params={"unit": plan.root, "period": last})
            if answer.status_code != 200:
                raise SystemExit(f"monthly.{fmt}: {answer.status_code} {answer.text[:300]}")
            out[fmt] = time.perf_counter() - started
    return out


@dataclass
class HealthLatency:
    times: list[float] = field(default_factory=list)

    @property
    def max_ms(self) -> float:
        return max(self.times, default=0.0)


@contextmanager
def health_during(port: int) -> Iterator[HealthLatency]:
    """``/health`` asked every 50 ms in a thread while the body runs."""
    result, stop = HealthLatency(), threading.Event()

    def poll() -> None:
        with httpx.Client(timeout=60) as client:
            while not stop.is_set():
                started = time.perf_counter()
                client.get(f"http://127.0.0.1:{port}/health")
                result.times.append((time.perf_counter() - started) * 1000)
                time.sleep(0.05)

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        yield result
    finally:
        stop.set()
        thread.join()
