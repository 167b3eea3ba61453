"""``tthc bench pipeline``: 1,000,000 events through metrics, against raw rates of the same run.

Printed: end-to-end events/s; raw ``XREADGROUP``+``XACK`` on the same entries (another
consumer group, no processing); raw insert of the same rows into the same engine; the
ratio of end-to-end to the slower raw rate; peak memory of the metrics process; and
p50/p95 of ``GET /v1/indicators`` for the root unit and a year over the loaded data.
"""

from __future__ import annotations

import statistics
import subprocess
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import redis
from tqdm import tqdm

from tthc_contract.events import canonical_json
from tthc_contract.periods import LOCAL_TZ
from tthc_contract.plan import Plan
from tthc_contract.signing import EntrySigner, load_signing_key
from tthc_contract.streams import EVENTS

from .fixtures import bench_env, free_port, private_redis, realistic_events, service, workdir
from .province_load import backfill
from .report import Report

EVENTS_TOTAL = 1_000_000
CHUNK = 10_000
TARGET_EPS = 50_000
TARGET_RATIO = 0.5
TARGET_PEAK_BYTES = 1 << 30
TARGET_P95_MS = 100.0


def preload(url: str, signer: EntrySigner, plan: Plan, total: int) -> list[bytes]:
    """XADD ``total`` signed events; returns their canonical JSON (for the raw insert)."""
    client: Any = redis.Redis.from_url(url)
    canonical: list[bytes] = []
    with tqdm(total=total, unit="ev", desc="preload") as bar:
        seed = 0
        while len(canonical) < total:
            seed += 1
            events = realistic_events(
                plan, min(100_000, total - len(canonical)), seed=seed, run_id=f"b{seed}"
            )
            pipe = client.pipeline(transaction=False)
            for i, event in enumerate(events):
                body = canonical_json(event)
                canonical.append(body)
                pipe.xadd(EVENTS, signer.entry(event["source"].encode(), event["id"].encode(), body))
                if i % 2000 == 1999:
                    pipe.execute()
            pipe.execute()
            bar.update(len(events))
    return canonical


def raw_read_rate(url: str, total: int) -> float:
    client: Any = redis.Redis.from_url(url)
    client.xgroup_create(EVENTS, "bench-raw", id="0")
    started, read = time.perf_counter(), 0
    while read < total:
        reply = client.xreadgroup("bench-raw", "raw", {EVENTS: ">"}, count=CHUNK)
        if not reply:
            break
        ids = [entry_id for entry_id, _ in reply[0][1]]
        client.xack(EVENTS, "bench-raw", *ids)
        read += len(ids)
    elapsed = time.perf_counter() - started
    client.xgroup_destroy(EVENTS, "bench-raw")
    return read / elapsed


def raw_insert_rate(data: Path, canonical: list[bytes]) -> float:
    """The same rows, same batch size, straight into the events table of a fresh engine."""
    from tthc_metrics.store import EVENT_INSERT_SETTINGS, Store

    store = Store("chdb://" + str((data / "raw-insert").resolve()))
    store.migrate()
    client = store.client()
    started = time.perf_counter()
    for start in range(0, len(canonical), CHUNK):
        rows = b"\n".join(
            b'{"stream_id":"%d-0","event":%s}' % (start + i, e)
            for i, e in enumerate(canonical[start : start + CHUNK])
        )
        client.raw_insert(
            "events", ["stream_id", "event"], rows, settings=EVENT_INSERT_SETTINGS, fmt="JSONEachRow"
        )
    elapsed = time.perf_counter() - started
    store.close()
    return len(canonical) / elapsed


def run_metrics(env: dict[str, str], port: int, redis_url: str, total: int) -> tuple[float, int]:
    """Events/s from the first acknowledged entry to the last, and the process's peak RSS.

    Progress is read from the consumer group in Redis, so watching costs metrics nothing.
    """
    with service("metrics", env, f"http://127.0.0.1:{port}/health") as process:
        rate, peak = backfill(redis_url, process.pid, total, "metrics")
        stored = httpx.get(f"http://127.0.0.1:{port}/v1/status", timeout=60).json()["events_stored"]
        if stored != total:
            raise SystemExit(f"metrics stored {stored} events of {total}")
        return rate, peak


def query_latency(port: int, samples: int = 100) -> tuple[float, float]:
    year = str(datetime.now(LOCAL_TZ).year)
    times = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
        client.get("/v1/indicators", params={"period": year})
        for _ in range(samples):
            started = time.perf_counter()
            assert client.get("/v1/indicators", params={"period": year}).status_code == 200
            times.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(times, n=20)
    return statistics.median(times), cuts[18]


def bench_pipeline(plan: Plan, report: Report, total: int = EVENTS_TOTAL) -> None:
    with workdir() as tmp, private_redis(tmp) as redis_url:
        signer = EntrySigner(load_signing_key(None, tmp / "stream.key"))
        canonical = preload(redis_url, signer, plan, total)
        read = raw_read_rate(redis_url, total)
        report.figure("raw XREADGROUP+XACK (Python, 10,000 per read)", read, "events/s", baseline=True)
        insert = raw_insert_rate(tmp, canonical)
        report.figure(
            "raw insert of the same rows (chDB, 10,000 per insert)", insert, "events/s", baseline=True
        )
        del canonical
        port = free_port()
        env = bench_env(tmp, redis_url, TTHC_METRICS_PORT=str(port), TTHC_METRICS_SNAPSHOT_MIN_GAP_MS="1000")
        rate, peak = run_metrics(env, port, redis_url, total)
        loaded_at = time.perf_counter()
        slower = min(read, insert)
        report.figure("end to end: stream → ClickHouse, snapshots on", rate, "events/s", target=TARGET_EPS)
        report.figure("  ratio to the slower raw rate", rate / slower * 100, "%", target=TARGET_RATIO * 100)
        report.figure(
            "peak memory of the metrics process",
            peak / 2**20,
            "MiB",
            target=TARGET_PEAK_BYTES / 2**20,
            below=True,
        )
        report.line("GET /v1/indicators, root unit, a year:", "")
        computed = {**env, "TTHC_METRICS_RESULT_TTL_MS": "0"}
        with service("metrics", computed, f"http://127.0.0.1:{port}/health"):
            query_figures(report, port, "computed per request, just loaded")
            quiet = wait_until_folded(port, since=loaded_at)
            state = "not folded after 300 s" if quiet is None else f"folded ({quiet:.0f} s after)"
            query_figures(report, port, f"computed per request, {state}")
        served = {**env, "TTHC_METRICS_RESULT_TTL_MS": "1000"}
        with service("metrics", served, f"http://127.0.0.1:{port}/health"):
            query_figures(report, port, "served (results reused ≤1 s)")
        subprocess.run(["sync"], check=False)


def query_figures(report: Report, port: int, label: str) -> None:
    p50, p95 = query_latency(port)
    report.figure(f"  {label}: p50", p50, "ms")
    report.figure(f"  {label}: p95", p95, "ms", target=TARGET_P95_MS, below=True)


def wait_until_folded(port: int, since: float, timeout_s: float = 300.0) -> float | None:
    """Seconds from ``since`` until ClickHouse has folded each fact table into one part
    (migration 0006: after 30 s without inserts); None if it did not within the timeout."""
    while time.perf_counter() - since < timeout_s:
        parts = httpx.get(f"http://127.0.0.1:{port}/v1/status", timeout=60).json()["fact_parts"]
        if max(parts.values()) <= 1:
            return time.perf_counter() - since
        time.sleep(1)
    return None
