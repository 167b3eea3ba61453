"""Drill: the Redis primary SIGKILLed under traffic; Sentinel promotes a replica, ingest and
metrics (real processes, never restarted) follow it, and every event answered 202 is counted
exactly once (SPEC section 7, "With Sentinel, 202 also means a replica holds the events").

Two replicas: ingest waits for one (``WAIT 1``), so after the failover the promoted replica
needs another one to confirm before ingest may answer 202 again (with a single replica,
ingest answers 503 until the old primary is back as a replica: docs/deployment.md)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from faststream.redis.annotations import RedisBatchStreamMessage

from tthc_cli.bench.fixtures import realistic_events
from tthc_contract.plan import Plan
from tthc_contract.redis_client import connect_settings
from tthc_contract.settings import Settings
from tthc_contract.signing import EntrySigner
from tthc_contract.stream_consumers import RawStreamReader, as_fields, raw_entries
from tthc_contract.streams import EVENTS as STREAM
from tthc_ingest.app import create_app
from tthc_ingest.keys import KeyRing
from tthc_ingest.publisher import EventPublisher, ReplicaWait

from ..sentinels import MASTER, ReplicatedRedis, replicated_redis, wait_promotion
from ..servers import running_ingest, stop_process, tthc_env, until, wait_http
from .conftest import check_indicators, drained, start_metrics, wait_status, years_of

pytestmark = [pytest.mark.slow, pytest.mark.faults, pytest.mark.clock]
HEADERS = {"Authorization": "Bearer demo-igate-key", "Content-Type": "application/json"}
RATE = 500
"""Events per second, all senders together, for about ``EVENTS / RATE`` = 10 s."""
EVENTS, BATCH, SENDERS = 5_000, 25, 4
RECOVERY_S = 10.0
"""Ingest answers 202 again within this long of the promotion."""


class PacedSender(threading.Thread):
    """Sends its batches at a steady pace, each again until it is answered 202 (after a 503 or
    a connection error, as a source system does); notes when each 202 came."""

    def __init__(self, url: str, batches: list[list[dict[str, Any]]], every_s: float) -> None:
        super().__init__(daemon=True)
        self.url, self.batches, self.every_s = url, batches, every_s
        self.accepted: list[str] = []
        self.answered_at: list[float] = []
        self.answers: Counter[str] = Counter()

    def run(self) -> None:
        due = time.monotonic()
        with httpx.Client(timeout=10) as client:
            for batch in self.batches:
                time.sleep(max(0.0, due - time.monotonic()))
                due += self.every_s
                self._send(client, batch)

    def _send(self, client: httpx.Client, batch: list[dict[str, Any]]) -> None:
        body = orjson.dumps(batch)
        while True:
            try:
                response = client.post(self.url + "/v1/events", content=body, headers=HEADERS)
            except httpx.HTTPError:
                self.answers["no answer"] += 1
                time.sleep(0.1)
                continue
            if response.status_code == 202:
                self.answered_at.append(time.monotonic())
                self.accepted += [event["id"] for event in batch]
                return
            assert response.status_code == 503, response.text
            self.answers[response.json()["error"]] += 1
            time.sleep(0.1)


def stored_ids(env: dict[str, str]) -> dict[str, int]:
    """Each event id in the store's raw events, with its rows (read once metrics has stopped:
    the embedded engine allows one process)."""
    script = (
        "import json\n"
        "from tthc_contract.settings import Settings\n"
        "from tthc_metrics.store import Store\n"
        "store = Store(Settings().clickhouse_dsn)\n"
        "rows = store.call('read', lambda c: c.query('SELECT id, count() FROM events GROUP BY id').result_rows)\n"
        "print(json.dumps(dict(rows)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, timeout=120, check=True
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def send_through_a_failover(
    url: str, servers: ReplicatedRedis, batches: list[list[dict[str, Any]]]
) -> tuple[list[PacedSender], float, float]:
    """Every batch sent at ``RATE`` until answered 202, the primary SIGKILLed once half of them
    were: the senders, when the primary was killed and when a replica was promoted."""
    senders = [PacedSender(url, batches[i::SENDERS], SENDERS * BATCH / RATE) for i in range(SENDERS)]
    for sender in senders:
        sender.start()
    until(lambda: sum(len(s.accepted) for s in senders) >= EVENTS // 2, 60, "(half sent)")
    assert servers.primary_port() == servers.primary.port
    killed_at = time.monotonic()
    servers.primary.stop(signal.SIGKILL)
    _, promoted_at = wait_promotion(servers, servers.primary.port)
    for sender in senders:
        sender.join(timeout=120)
    assert not any(sender.is_alive() for sender in senders)
    return senders, killed_at, promoted_at


def test_primary_killed_sentinel_promotes_a_replica_and_nothing_answered_202_is_lost(
    tmp_path: Path, plan: Plan
) -> None:
    events = realistic_events(plan, EVENTS, seed=31, run_id="sentinel")
    batches = [events[i : i + BATCH] for i in range(0, len(events), BATCH)]
    with replicated_redis(
        tmp_path / "redis", replicas=2, down_after_ms=1000, failover_timeout_ms=5000
    ) as servers:
        env = tthc_env(
            tmp_path, "", TTHC_INGEST_WORKERS="1", TTHC_METRICS_RECLAIM_IDLE_MS="1000", **servers.env()
        )
        metrics = start_metrics(env, tmp_path / "metrics.log")
        port = env["TTHC_METRICS_PORT"]
        try:
            wait_http(f"http://127.0.0.1:{port}/health", process=metrics)
            with running_ingest(env) as url:
                senders, killed_at, promoted_at = send_through_a_failover(url, servers, batches)
            answers = sum((s.answers for s in senders), Counter())
            again = min(t for s in senders for t in s.answered_at if t > promoted_at) - promoted_at
            print(
                f"\nfailover: promoted {promoted_at - killed_at:.2f} s after the kill, "
                f"ingest answered 202 again {again:.2f} s after the promotion; retried: {dict(answers)}"
            )
            assert answers, "the kill happened while events were being sent"
            assert again < RECOVERY_S
            accepted = [i for s in senders for i in s.accepted]
            assert sorted(accepted) == sorted(e["id"] for e in events)  # each answered 202 once
            final = wait_status(port, drained(EVENTS), process=metrics)
            assert final["dead_letters"] == 0 and metrics.poll() is None  # never restarted
            assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=10).status_code == 200
            check_indicators(port, events, plan, years_of(events))
        finally:
            assert stop_process(metrics, log=tmp_path / "metrics.log") == 0
    assert set(stored_ids(env)) == set(accepted)  # distinct ids: every one answered 202, no other


async def test_a_switchover_is_followed_by_ingest_and_by_a_stream_reader(tmp_path: Path, plan: Plan) -> None:
    """``SENTINEL FAILOVER``: the old primary keeps running (and accepting writes) until Sentinel
    demotes it, seconds later. Ingest's writes there are confirmed by no replica, so they are
    answered 503 and re-sent, and the next request reaches the new primary; a reader in a
    consumer group (FastStream through the sentinels) asks every second whether the primary
    moved, and reads on there at once. Nothing is restarted."""
    events = realistic_events(plan, 1_500, seed=32, run_id="switchover")
    with replicated_redis(tmp_path / "redis", replicas=2) as servers:
        settings = Settings(redis_sentinels=servers.sentinel_addresses, redis_url="redis://127.0.0.1:1/0")
        client = connect_settings(settings)
        publisher = EventPublisher(client, wait=ReplicaWait.of(settings))
        app = create_app(plan, KeyRing(plan, {}), EntrySigner(b"k" * 32), publisher)
        read: set[bytes] = set()
        all_read = asyncio.Event()

        async def on_read(message: RedisBatchStreamMessage) -> None:
            entries = raw_entries(message)
            read.update(as_fields(fields)[b"id"] for _, fields in entries)
            if len(read) == len(events):
                all_read.set()
            await client.xack(STREAM, "drill", *[entry_id for entry_id, _ in entries])

        reader = RawStreamReader(settings.redis_url, client, STREAM, "drill", consumer="c", start="0")
        reader.subscribe(on_read, max_records=100, polling_interval=50)
        await reader.start()
        answers: Counter[str] = Counter()
        transport = httpx.ASGITransport(app=app)
        batches = [events[i : i + 50] for i in range(0, len(events), 50)]
        async with httpx.AsyncClient(transport=transport, base_url="http://ingest", timeout=30) as http:
            for batch in batches[:10]:
                answers += await post_until_202(http, batch)
            servers.sentinels[0].client().sentinel_failover(MASTER)
            promotion = asyncio.create_task(asyncio.to_thread(wait_promotion, servers, servers.primary.port))
            for batch in batches[10:20]:  # while the primary changes
                answers += await post_until_202(http, batch)
                await asyncio.sleep(0.1)
            await promotion
            for batch in batches[20:]:  # after: on the new primary
                answers += await post_until_202(http, batch)
        last_202 = time.monotonic()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(all_read.wait(), 30)
        caught_up = time.monotonic() - last_202
        await reader.stop()
        await client.aclose()
    print(f"\nswitchover: answers other than 202: {dict(answers)}; the reader caught up in {caught_up:.2f} s")
    assert read == {e["id"].encode() for e in events}  # every event answered 202 was read
    assert caught_up < 5, "the reader follows the new primary without waiting for the old one to be demoted"


async def post_until_202(http: httpx.AsyncClient, batch: list[dict[str, Any]]) -> Counter[str]:
    """Re-sends ``batch`` until 202, as a source does; the other answers it got."""
    others: Counter[str] = Counter()
    for _ in range(300):
        response = await http.post("/v1/events", content=orjson.dumps(batch), headers=HEADERS)
        if response.status_code == 202:
            return others
        assert response.status_code == 503, response.text
        others[response.json()["error"]] += 1
        await asyncio.sleep(0.05)
    raise AssertionError(f"still not 202 after 300 tries: {dict(others)}")
