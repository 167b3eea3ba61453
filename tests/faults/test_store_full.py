"""Drill: the store's disk fills up while events stream in; metrics is killed and restarted
again and again meanwhile; space returns. Nothing accepted is lost, nothing dead-lettered,
counts and indicators agree exactly (issue 8, item 3)."""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

import httpx
import pytest

from tthc_cli.bench.fixtures import realistic_events
from tthc_contract.plan import Plan

from ..servers import RedisServer, stop_process, tthc_env
from .conftest import check_indicators, drained, fill, preload, start_metrics, status, wait_status, years_of

pytestmark = [pytest.mark.slow, pytest.mark.faults]


def health(port: str) -> tuple[int, dict[str, str]]:
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)
    except httpx.HTTPError:
        return 0, {}
    return response.status_code, response.json()


def wait_failing(port: str, timeout: float = 60, steady_s: float = 3.0) -> dict[str, str]:
    """Until /health says the store is failing (503, and which dependency) and keeps saying it
    (it can only know once a write failed)."""
    deadline = time.monotonic() + timeout
    since: float | None = None
    while time.monotonic() < deadline:
        code, body = health(port)
        if code == 503 and body.get("clickhouse", "ok") != "ok":
            since = since or time.monotonic()
            if time.monotonic() - since >= steady_s:
                return body
        else:
            since = None
        time.sleep(0.2)
    raise AssertionError(f"/health never said the store was failing: {health(port)}")


@pytest.mark.clock
def test_restarts_while_the_disk_is_full_lose_and_double_nothing(
    tmp_path: Path, small_disk: Path, redis_server: RedisServer, redis_url: str, plan: Plan
) -> None:
    env = tthc_env(
        tmp_path,
        redis_url,
        TTHC_CLICKHOUSE_URL=f"chdb://{small_disk / 'clickhouse'}",
        TTHC_METRICS_FLUSH_ROWS="2000",
        TTHC_METRICS_RECLAIM_IDLE_MS="1000",
        TTHC_METRICS_SNAPSHOT_INTERVAL_S="3600",
    )
    port = env["TTHC_METRICS_PORT"]
    events = realistic_events(plan, 40_000, seed=8, run_id="full")
    preload(redis_url, env, events[:5_000])
    metrics = start_metrics(env, tmp_path / "metrics.log")
    try:  # whichever metrics runs when a step fails is stopped too
        wait_status(port, drained(5_000), process=metrics)
        filler = fill(small_disk)
        preload(redis_url, env, events[5_000:])
        body = wait_failing(port)
        assert "failing" in body["clickhouse"], body

        moments = random.Random(8)
        for restart in range(6):  # killed or stopped, at random moments, while nothing can be stored
            os.kill(metrics.pid, signal.SIGKILL if restart % 2 == 0 else signal.SIGTERM)
            metrics.wait(timeout=60)
            metrics = start_metrics(env, tmp_path / "metrics.log")
            time.sleep(moments.uniform(0.5, 4.0))
        body = wait_failing(port)  # started on a full disk: it says so, and why
        assert body["clickhouse"].startswith(("starting:", "failing:")), body
        assert status(port)["events_stored"] == 5_000

        filler.unlink()
        final = wait_status(port, drained(40_000), timeout=300, process=metrics)
        assert final["dead_letters"] == 0, "an outage is not poison"
        assert health(port)[0] == 200
        check_indicators(port, events, plan, years_of(events))
        assert stop_process(metrics) == 0
    finally:
        stop_process(metrics)
    log = (tmp_path / "metrics.log").read_text()
    assert log.count('"metrics.reclaimed"') < 200, "reclaimed in batches, one line per batch"


def test_a_store_that_comes_back_empty_is_not_migrated_over(
    tmp_path: Path, redis_server: RedisServer, redis_url: str
) -> None:
    """Redis remembers stored events, ClickHouse has none: creating empty tables would make
    every remembered event a "duplicate". Metrics refuses, and says what to do."""
    import redis as sync_redis

    sync_redis.Redis.from_url(redis_url).hset("tthc:seen:1", "5:igatee1", "1-0")
    store_dir = tmp_path / "replaced-store"
    env = tthc_env(tmp_path, redis_url, TTHC_CLICKHOUSE_URL=f"chdb://{store_dir}")
    port = env["TTHC_METRICS_PORT"]
    metrics = start_metrics(env)
    try:
        body = wait_failing(port, steady_s=1.0)
        assert body["clickhouse"].startswith(
            "starting: ClickHouse holds no tthc tables while Redis remembers"
        )
        assert "tthc:seen:*" in body["clickhouse"]
    finally:
        assert stop_process(metrics) == 0
    assert not (store_dir / "metadata" / "default" / "events.sql").exists(), "nothing was created"
