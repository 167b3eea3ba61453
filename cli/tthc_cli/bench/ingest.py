"""``tthc bench ingest``: POST /v1/events throughput against raw pipelined XADD, same run."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson
import redis

from tthc_contract.plan import Plan
from tthc_contract.signing import EntrySigner
from tthc_contract.streams import EVENTS

from .fixtures import bench_env, free_port, private_redis, realistic_events, service, workdir
from .httpload import build_request, run_load
from .report import Report

BATCH = 500
BATCH_EVENTS = 100_000
SINGLE_REQUESTS = 15_000
TARGET_BATCH_EPS = 20_000
TARGET_SINGLE_RPS = 1_500


def raw_xadd_rate(url: str, events: list[dict[str, Any]]) -> float:
    """Pipelined XADD from Python of the same entries ingest would publish."""
    signer = EntrySigner(b"bench-signing-key-0123456789")
    entries = [signer.entry(e["source"].encode(), e["id"].encode(), orjson.dumps(e)) for e in events]
    client = redis.Redis.from_url(url)
    client.delete(EVENTS)
    started = time.perf_counter()
    for i in range(0, len(entries), BATCH):
        pipe = client.pipeline(transaction=True)
        for fields in entries[i : i + BATCH]:
            pipe.xadd(EVENTS, fields)  # type: ignore[arg-type]
        pipe.execute()
    elapsed = time.perf_counter() - started
    client.delete(EVENTS)
    return len(entries) / elapsed


def bench_ingest(plan: Plan, api_key: str, report: Report) -> None:
    events = realistic_events(plan, BATCH_EVENTS)
    headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
    with workdir() as tmp, private_redis(tmp) as redis_url:
        report.line("preparing", f"{len(events):,} realistic events; private redis-server with AOF everysec")
        raw = raw_xadd_rate(redis_url, events)
        report.figure("raw pipelined XADD (Python, 500 per MULTI)", raw, "events/s", baseline=True)
        port = free_port()
        env = bench_env(tmp, redis_url, TTHC_INGEST_PORT=str(port))
        url = f"http://127.0.0.1:{port}"
        with service("ingest", env, url + "/health"):
            batches = [
                build_request(url, "/v1/events", orjson.dumps(events[i : i + BATCH]), headers)
                for i in range(0, len(events), BATCH)
            ]
            asyncio.run(run_load(url, batches[:4], 2))  # warm-up
            result = asyncio.run(run_load(url, batches, 4))
            report.check_statuses(result.statuses)
            batch_eps = result.requests * BATCH / result.seconds
            report.figure(
                f"POST /v1/events, batches of {BATCH}",
                batch_eps,
                "events/s",
                ratio=batch_eps / raw,
                target=TARGET_BATCH_EPS,
            )
            singles = [
                build_request(url, "/v1/events", orjson.dumps(e), headers) for e in events[:SINGLE_REQUESTS]
            ]
            result = asyncio.run(run_load(url, singles, 16))
            report.check_statuses(result.statuses)
            report.figure(
                "POST /v1/events, single events",
                result.per_second,
                "requests/s",
                ratio=result.per_second / raw,
                target=TARGET_SINGLE_RPS,
            )
