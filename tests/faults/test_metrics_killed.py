"""Drills: metrics killed (SIGKILL) at random moments, and before it ever ran; exact counts after."""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

import httpx
import orjson
import pytest

from tthc_cli.bench.fixtures import realistic_events
from tthc_contract.plan import Plan

from ..servers import RedisServer, running_ingest, stop_process, tthc_env, wait_http
from .conftest import (
    check_grafana_rows,
    check_indicators,
    drained,
    grafana_rows_written,
    preload,
    start_metrics,
    status,
    wait_status,
    years_of,
)

pytestmark = [pytest.mark.slow, pytest.mark.faults, pytest.mark.clock]


def test_sigkill_at_random_moments_then_exact_counts(
    tmp_path: Path, redis_server: RedisServer, redis_url: str, plan: Plan
) -> None:
    env = tthc_env(
        tmp_path,
        redis_url,
        TTHC_METRICS_FLUSH_ROWS="1000",
        TTHC_METRICS_RECLAIM_IDLE_MS="1000",
        TTHC_METRICS_SNAPSHOT_INTERVAL_S="3600",
    )
    events = realistic_events(plan, 30_000, seed=3, run_id="crash")
    preload(redis_url, env, events + events[:500])  # with re-sent duplicates
    port = env["TTHC_METRICS_PORT"]
    moments = random.Random(2026)
    for _ in range(5):  # five kills, each at a random moment of the catching up
        metrics = start_metrics(env)
        try:
            time.sleep(moments.uniform(1.0, 6.0))
            os.kill(metrics.pid, signal.SIGKILL)
            metrics.wait()
        finally:
            stop_process(metrics)
    last = start_metrics(env)
    try:
        wait_http(f"http://127.0.0.1:{port}/health", process=last)
        final = wait_status(port, drained(30_000), process=last)
        assert final["dead_letters"] == 0
        check_indicators(port, events, plan, years_of(events))
    finally:
        assert stop_process(last) == 0


def test_events_accepted_before_metrics_ever_ran_are_all_counted(
    tmp_path: Path, redis_server: RedisServer, redis_url: str, plan: Plan
) -> None:
    env = tthc_env(tmp_path, redis_url, TTHC_INGEST_WORKERS="1", TTHC_METRICS_GRAFANA_ROWS_INTERVAL_S="1")
    events = realistic_events(plan, 3_000, seed=5, run_id="early")
    with running_ingest(env) as url:
        for start in range(0, len(events), 500):
            response = httpx.post(
                url + "/v1/events",
                content=orjson.dumps(events[start : start + 500]),
                headers={"Authorization": "Bearer demo-igate-key", "Content-Type": "application/json"},
            )
            assert response.status_code == 202
    metrics = start_metrics(env)
    try:
        port = env["TTHC_METRICS_PORT"]
        wait_http(f"http://127.0.0.1:{port}/health", process=metrics)
        wait_status(port, drained(3_000), process=metrics)
        check_indicators(port, events, plan, years_of(events))
        assert status(port)["dead_letters"] == 0
        written_from = grafana_rows_written(port, metrics)
    finally:
        assert stop_process(metrics) == 0
    check_grafana_rows(tmp_path / "data", events, written_from)
