"""Crash safety with real processes: SIGKILL in the middle of a stream, then exact counts."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import redis

from tthc_cli.bench.fixtures import realistic_events
from tthc_contract.events import canonical_json
from tthc_contract.indicators import BY_CODE
from tthc_contract.periods import parse_period
from tthc_contract.plan import Plan
from tthc_contract.signing import EntrySigner, load_signing_key
from tthc_contract.streams import EVENTS

from ..servers import RedisServer, running_ingest, stop_process, tthc_command, tthc_env, wait_http
from . import oracle

pytestmark = pytest.mark.slow


def status(port: str) -> dict[str, Any]:
    return httpx.get(f"http://127.0.0.1:{port}/v1/status", timeout=10).json()  # type: ignore[no-any-return]


def wait_status(
    port: str, done: Any, timeout: float = 240, process: subprocess.Popen[bytes] | None = None
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"metrics exited with {process.returncode}")
        try:
            current = status(port)
            if "events_stored" in current and done(current):  # not an error body (still migrating)
                return current
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"status never reached the condition: {status(port)}")


def check_indicators(port: str, events: list[dict[str, Any]], plan: Plan) -> None:
    for unit in ("dong-phu", "kt", "vpdkdd"):
        for period in ("2025", "2026"):
            body = httpx.get(
                f"http://127.0.0.1:{port}/v1/indicators", params={"unit": unit, "period": period}
            ).json()
            at = datetime.fromisoformat(body["as_of"])
            expected = oracle.count(events, plan, unit, parse_period(period), at)
            got = {}
            for item in body["indicators"]:
                ind = BY_CODE[item["code"]]
                got[ind.numerator], got[ind.denominator] = item["numerator"], item["denominator"]
            assert got == {k: expected[k] for k in got}, (unit, period)


def test_sigkill_mid_stream_then_exact_counts(
    tmp_path: Path, redis_server: RedisServer, redis_url: str, plan: Plan
) -> None:
    env = tthc_env(
        tmp_path,
        redis_url,
        TTHC_METRICS_FLUSH_ROWS="1000",
        TTHC_METRICS_RECLAIM_IDLE_MS="1000",
        TTHC_METRICS_SNAPSHOT_INTERVAL_S="3600",
    )
    signer = EntrySigner(load_signing_key(None, Path(env["TTHC_DATA_DIR"]) / "stream.key"))
    events = realistic_events(plan, 20_000, seed=3, run_id="crash")
    events += events[:500]  # re-sent duplicates
    client = redis.Redis.from_url(redis_url)
    pipe = client.pipeline(transaction=False)
    for event in events:
        pipe.xadd(EVENTS, signer.entry(event["source"].encode(), event["id"].encode(), canonical_json(event)))
    pipe.execute()

    port = env["TTHC_METRICS_PORT"]
    first = subprocess.Popen([*tthc_command(), "run", "metrics"], env=env)
    try:
        wait_status(port, lambda s: s["events_stored"] >= 4000, process=first)
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    finally:
        stop_process(first)
    second = subprocess.Popen([*tthc_command(), "run", "metrics"], env=env)
    try:
        wait_http(f"http://127.0.0.1:{port}/health", process=second)
        final = wait_status(
            port,
            lambda s: (
                s["stream"]["pending"] == 0 and s["stream"]["lag"] == 0 and s["events_stored"] == 20_000
            ),
            process=second,
        )
        assert final["dead_letters"] == 0
        check_indicators(port, events, plan)
    finally:
        assert stop_process(second) == 0


def test_events_accepted_before_metrics_ever_ran_are_all_counted(
    tmp_path: Path, redis_server: RedisServer, redis_url: str, plan: Plan
) -> None:
    env = tthc_env(tmp_path, redis_url, TTHC_INGEST_WORKERS="1")
    events = realistic_events(plan, 3_000, seed=5, run_id="early")
    with running_ingest(env) as url:
        for start in range(0, len(events), 500):
            response = httpx.post(
                url + "/v1/events",
                content=orjson.dumps(events[start : start + 500]),
                headers={"Authorization": "Bearer demo-igate-key", "Content-Type": "application/json"},
            )
            assert response.status_code == 202
    metrics = subprocess.Popen([*tthc_command(), "run", "metrics"], env=env)
    try:
        port = env["TTHC_METRICS_PORT"]
        wait_http(f"http://127.0.0.1:{port}/health", process=metrics)
        wait_status(
            port, lambda s: s["events_stored"] == 3_000 and s["stream"]["pending"] == 0, process=metrics
        )
        check_indicators(port, events, plan)
    finally:
        assert stop_process(metrics) == 0
