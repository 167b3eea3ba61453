"""Drills with real processes: Redis SIGKILLed under traffic and restarted on its append-only
file; poison entries written straight to the stream. Exact counts after each."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import redis

from tthc_cli.bench.fixtures import realistic_events
from tthc_contract.plan import Plan
from tthc_contract.streams import DEAD, EVENTS

from ..servers import RedisServer, running_ingest, stop_process, tthc_env, wait_http
from .conftest import check_indicators, drained, start_metrics, wait_status, years_of

pytestmark = [pytest.mark.slow, pytest.mark.faults, pytest.mark.clock]
HEADERS = {"Authorization": "Bearer demo-igate-key", "Content-Type": "application/json"}


class Sender(threading.Thread):
    """Sends batches as a source system does: each batch again until it is answered 202."""

    def __init__(self, url: str, batches: list[list[dict[str, Any]]]) -> None:
        super().__init__(daemon=True)
        self.url, self.batches = url, batches
        self.accepted = 0
        self.retried = 0

    def run(self) -> None:
        with httpx.Client(timeout=10) as client:
            for batch in self.batches:
                while True:
                    try:
                        response = client.post(
                            self.url + "/v1/events", content=orjson.dumps(batch), headers=HEADERS
                        )
                    except httpx.HTTPError:
                        response = None
                    if response is not None and response.status_code == 202:
                        self.accepted += len(batch)
                        break
                    assert response is None or response.status_code == 503, response.text
                    self.retried += 1
                    time.sleep(0.1)


def test_redis_killed_under_traffic_and_restarted_loses_nothing(
    tmp_path: Path, redis_server: RedisServer, redis_url: str, plan: Plan
) -> None:
    env = tthc_env(tmp_path, redis_url, TTHC_INGEST_WORKERS="2", TTHC_METRICS_RECLAIM_IDLE_MS="1000")
    events = realistic_events(plan, 20_000, seed=11, run_id="redis-kill")
    batches = [events[i : i + 200] for i in range(0, len(events), 200)]
    metrics = start_metrics(env)
    try:
        port = env["TTHC_METRICS_PORT"]
        wait_http(f"http://127.0.0.1:{port}/health", process=metrics)
        with running_ingest(env) as url:
            sender = Sender(url, batches)
            sender.start()
            while sender.accepted < 5_000:
                time.sleep(0.05)
            redis_server.stop(signal.SIGKILL)  # the append-only file, fsynced before each answer, remains
            time.sleep(2)
            redis_server.start()
            sender.join(timeout=180)
            assert not sender.is_alive() and sender.accepted == len(events)
            assert sender.retried > 0, "the kill happened while events were being sent"
        final = wait_status(port, drained(len(events)), process=metrics)
        assert final["dead_letters"] == 0
        check_indicators(port, events, plan, years_of(events))
    finally:
        assert stop_process(metrics) == 0


def test_poison_entries_go_to_dead_and_never_block_the_stream(
    tmp_path: Path, redis_server: RedisServer, redis_url: str, plan: Plan
) -> None:
    env = tthc_env(tmp_path, redis_url)
    events = realistic_events(plan, 3_000, seed=12, run_id="poison")
    client = redis.Redis.from_url(redis_url)
    poison = [
        {b"nothing": b"here"},
        {b"event": b"{not json"},
        {b"event": orjson.dumps({**events[0], "id": "p-1", "time": "2026-03-05T08:30:00"})},
        {b"event": orjson.dumps({**events[1], "id": "p-2", "data": {"colour": "red"}})},
    ]
    forged = {
        b"event": orjson.dumps({**events[2], "id": "p-3"}),
        b"sig": b"00",
        b"source": b"igate",
        b"id": b"p-3",
    }
    pipe = client.pipeline(transaction=False)
    for i, event in enumerate(events):
        pipe.xadd(EVENTS, {b"event": orjson.dumps(event)})  # another producer: validated by metrics
        if i % 700 == 0:
            pipe.xadd(EVENTS, poison[(i // 700) % len(poison)])
    pipe.xadd(EVENTS, forged)  # a signature that does not match: validated in full, and valid
    pipe.execute()
    metrics = start_metrics(env)
    try:
        port = env["TTHC_METRICS_PORT"]
        final = wait_status(port, drained(len(events) + 1), process=metrics)
        assert final["dead_letters"] == len(range(0, len(events), 700))
        reasons = [f[b"reason"].decode() for _, f in client.xrange(DEAD)]
        assert any("no 'event' field" in r for r in reasons) and any("not valid JSON" in r for r in reasons)
        assert any("explicit UTC offset" in r for r in reasons) and any("colour" in r for r in reasons)
        check_indicators(port, [*events, orjson.loads(forged[b"event"])], plan, years_of(events))
    finally:
        assert stop_process(metrics) == 0
