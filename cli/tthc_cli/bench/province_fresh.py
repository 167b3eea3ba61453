"""Freshness under live traffic: a new case sent to a probe department, timed until
``/v1/indicators`` answers with it counted.

Probes alternate between two ways of waiting, in the same run:

- **polled**: the API is asked again and again from the moment the case is sent. The probe's
  own questions (about 25 a second, each computed in full) then take a share of the two cores
  from the storing they wait for: the measurement slows what it measures.
- **stored first**: Redis is watched (cheap calls) until metrics has read the entry and then
  acknowledged it, which it does only once the case is stored and counted; then the API is
  asked until it counts the case. The time still ends when the API answers with the case
  counted. Metrics acknowledges a few milliseconds after the count is visible, so this way can
  only err late, by that much.

The stored-first probes also time each step: the consumer reading the entry, the
acknowledgement, and the API's answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import orjson
import redis

from tthc_contract.periods import LOCAL_TZ, period_of
from tthc_contract.plan import Plan
from tthc_contract.streams import EVENTS, METRICS_GROUP

from .province_data import leaves
from .province_live import AUTH, cases_counted, p50_p95, received_case

TIMEOUT_S = 30.0


@dataclass
class Freshness:
    polled: list[float] = field(default_factory=list)
    stored_first: list[float] = field(default_factory=list)
    read: list[float] = field(default_factory=list)
    """Stored first: sent → read by the consumer (ms)."""
    acknowledged: list[float] = field(default_factory=list)
    """Stored first: read → acknowledged, stored and counted (ms)."""
    answered: list[float] = field(default_factory=list)
    """Stored first: acknowledged → the API answers with it counted (ms)."""

    def p50_p95(self, name: str) -> tuple[float, float]:
        return p50_p95(getattr(self, name))


def freshness(plan: Plan, port: int, ingest_port: int, redis_url: str, probes: int) -> Freshness:
    """``probes`` probes of each way, alternated."""
    unit = leaves(plan)[-1]
    month = period_of(datetime.now(LOCAL_TZ), "month").code
    found = Freshness()
    stream: Any = redis.Redis.from_url(redis_url)
    with httpx.Client(timeout=30) as client:

        def counted() -> int:
            return cases_counted(client, f"http://127.0.0.1:{port}", unit, month)

        for n in range(2 * probes):
            before = counted()
            code = f"F{time.time_ns()}-{n}"
            started = time.perf_counter()
            answer = client.post(
                f"http://127.0.0.1:{ingest_port}/v1/events",
                content=orjson.dumps(received_case(unit, code)),
                headers=AUTH,
            )
            if answer.status_code != 202:
                raise SystemExit(f"freshness: ingest answered {answer.status_code}: {answer.text[:300]}")

            def arrived(then: int = before) -> bool:
                return counted() > then

            if n % 2:
                _stored_first(stream, code, started, arrived, found)
            else:
                _until(arrived, started, 0.01, "the API to count it")
                found.polled.append(_ms(started))
            time.sleep(0.2)
    stream.close()
    return found


def _stored_first(
    stream: Any, code: str, started: float, is_counted: Callable[[], bool], found: Freshness
) -> None:
    entry = _entry_of(stream, code, started)
    _until(lambda: _delivered(stream, entry), started, 0.002, "the consumer to read it")
    read = _ms(started)
    _until(
        lambda: not stream.xpending_range(EVENTS, METRICS_GROUP, entry, entry, 1),
        started,
        0.002,
        "its acknowledgement",
    )
    acknowledged = _ms(started)
    _until(is_counted, started, 0.01, "the API to count it")
    total = _ms(started)
    found.stored_first.append(total)
    found.read.append(read)
    found.acknowledged.append(acknowledged - read)
    found.answered.append(total - acknowledged)


def _entry_of(stream: Any, code: str, started: float) -> bytes:
    """The stream entry of the probe's case (among the last ones added)."""
    wanted = code.encode()
    while True:
        for entry, fields in stream.xrevrange(EVENTS, count=500):
            if any(wanted in value for value in fields.values()):
                return bytes(entry)
        if time.perf_counter() - started > TIMEOUT_S:
            raise SystemExit(f"freshness: the probe's case {code} is not in {EVENTS}")
        time.sleep(0.002)


def _delivered(stream: Any, entry: bytes) -> bool:
    [group] = [g for g in stream.xinfo_groups(EVENTS) if g["name"] == METRICS_GROUP.encode()]
    return _id(group["last-delivered-id"]) >= _id(entry)


def _id(entry: bytes) -> tuple[int, int]:
    ms, seq = entry.split(b"-")
    return int(ms), int(seq)


def _until(done: Callable[[], bool], started: float, pause_s: float, what: str) -> None:
    while not done():
        if time.perf_counter() - started > TIMEOUT_S:
            raise SystemExit(f"freshness: waited {TIMEOUT_S:.0f} s for {what}")
        time.sleep(pause_s)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
