"""``tthc bench ingest``: POST /v1/events throughput against raw pipelined XADD, same run,
with Redis fsyncing every write before it answers (``appendfsync always``, the local
default) and, for comparison, once a second (``everysec``); then what waiting for a replica
costs (``WAIT 1``, as with Sentinel): the same primary alone, then with a replica."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import redis

from tthc_contract.periods import LOCAL_TZ
from tthc_contract.plan import Plan
from tthc_contract.signing import EntrySigner
from tthc_contract.streams import EVENTS

from ..simulate.generator import Generator
from ..simulate.portal_records import split, sync_request
from ..simulate.profile import build_profiles
from .fixtures import bench_env, free_port, private_redis, private_replica, realistic_events, service, workdir
from .httpload import build_request, run_load
from .report import Report

BATCH = 500
BATCH_EVENTS = 100_000
SINGLE_REQUESTS = 15_000
TARGET_BATCH_EPS = 20_000
TARGET_SINGLE_RPS = 1_500
FSYNC_POLICIES = ("always", "everysec")
BRIDGE_RECORDS = 20_000


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


def portal_records(plan: Plan, count: int) -> list[dict[str, Any]]:
    """``count`` record snapshots of realistic dossiers, as a one-stop-shop system sends them."""
    units = [u for u, _ in plan.walk() if not plan.children[u]]
    generator = Generator(build_profiles(units, []), 3, "igate", "bench-dvcqg")
    now = datetime.now(LOCAL_TZ)
    records: list[dict[str, Any]] = []
    while len(records) < count:
        received = now - timedelta(days=30) + timedelta(minutes=len(records))
        case = [t for t in generator.case(generator.next_unit(), received, timedelta(days=1)) if t.at <= now]
        records += [record for _, record in split(case)[0]]
    return records[:count]


def bridge_rates(
    url: str, records: list[dict[str, Any]], headers: dict[str, str], baseline: float, report: Report
) -> None:
    """Records per second through POST /v1/dvcqg (translate-only), batches of 25 and 500."""
    for size in (25, 500):
        requests = [
            build_request(url, "/v1/dvcqg", orjson.dumps(sync_request(records[i : i + size], False)), headers)
            for i in range(0, len(records), size)
        ]
        result = asyncio.run(run_load(url, requests, 4))
        if set(result.statuses) != {200}:
            raise SystemExit(f"benchmark requests failed: {result.statuses}")
        rate = result.requests * size / result.seconds
        report.figure(f"POST /v1/dvcqg, batches of {size} records", rate, "records/s", ratio=rate / baseline)


def measure(
    tmp: Path,
    fsync: str,
    events: list[dict[str, Any]],
    api_key: str,
    report: Report,
    *,
    records: list[dict[str, Any]] | None = None,
) -> dict[str, float]:
    """Raw XADD, batches and single events through ingest, on a Redis with ``fsync``; with
    ``records``, the bridge too (its ratio is to the batches of events of the same run)."""
    headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
    with private_redis(tmp / f"redis-{fsync}", fsync) as redis_url:
        raw = raw_xadd_rate(redis_url, events)
        report.figure(f"[{fsync}] raw pipelined XADD (Python, 500 per MULTI)", raw, "events/s", baseline=True)
        port = free_port()
        env = bench_env(tmp / fsync, redis_url, TTHC_INGEST_PORT=str(port))
        url = f"http://127.0.0.1:{port}"
        with service("ingest", env, url + "/health"):
            batch_eps, single_rps = post_rates(url, events, headers, report, SINGLE_REQUESTS)
            report.figure(
                f"[{fsync}] POST /v1/events, batches of {BATCH}",
                batch_eps,
                "events/s",
                ratio=batch_eps / raw,
                target=TARGET_BATCH_EPS,
            )
            report.figure(
                f"[{fsync}] POST /v1/events, single events",
                single_rps,
                "requests/s",
                ratio=single_rps / raw,
                target=TARGET_SINGLE_RPS,
            )
            if fsync == FSYNC_POLICIES[0] and records:
                bridge_rates(url, records, headers, batch_eps, report)
    return {"raw": raw, "batch": batch_eps, "single": single_rps}


def ingest_rates(
    tmp: Path,
    redis_url: str,
    events: list[dict[str, Any]],
    report: Report,
    *,
    api_key: str,
    singles: int,
    **extra: str,
) -> tuple[float, float]:
    """Events per second in batches of ``BATCH``, and single-event requests per second,
    through a fresh ``tthc run ingest`` on ``redis_url`` (``extra``: its settings)."""
    headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with service("ingest", bench_env(tmp, redis_url, TTHC_INGEST_PORT=str(port), **extra), url + "/health"):
        return post_rates(url, events, headers, report, singles)


def post_rates(
    url: str, events: list[dict[str, Any]], headers: dict[str, str], report: Report, singles: int
) -> tuple[float, float]:
    """Events per second in batches of ``BATCH`` (after a warm-up), then requests per second
    of ``singles`` single-event requests, against the ingest at ``url``."""
    batches = [
        build_request(url, "/v1/events", orjson.dumps(events[i : i + BATCH]), headers)
        for i in range(0, len(events), BATCH)
    ]
    asyncio.run(run_load(url, batches[:4], 2))  # warm-up
    result = asyncio.run(run_load(url, batches, 4))
    report.check_statuses(result.statuses)
    batch_eps = result.requests * BATCH / result.seconds
    requests = [build_request(url, "/v1/events", orjson.dumps(e), headers) for e in events[:singles]]
    result = asyncio.run(run_load(url, requests, 16))
    report.check_statuses(result.statuses)
    return batch_eps, result.per_second


def wait_cost(
    tmp: Path, events: list[dict[str, Any]], api_key: str, report: Report, singles: int = SINGLE_REQUESTS
) -> dict[str, float]:
    """The same primary (``appendfsync always``), alone, then with a replica (AOF on too) that
    ingest waits for after every publish (``TTHC_REDIS_WAIT_REPLICAS=1``): same run, same events."""
    with private_redis(tmp / "redis-wait") as primary:
        alone = ingest_rates(tmp / "alone", primary, events, report, api_key=api_key, singles=singles)
        redis.Redis.from_url(primary).flushall()  # the same empty start for both
        with private_replica(tmp / "replica", primary):
            waited = ingest_rates(
                tmp / "wait-1",
                primary,
                events,
                report,
                api_key=api_key,
                singles=singles,
                TTHC_REDIS_WAIT_REPLICAS="1",
            )
    labels = (
        (f"POST /v1/events, batches of {BATCH}", "events/s"),
        ("POST /v1/events, single events", "requests/s"),
    )
    for (label, unit), one, two in zip(labels, alone, waited, strict=True):
        report.figure(f"[primary alone] {label}", one, unit, baseline=True)
        report.figure(f"[primary + replica, WAIT 1] {label}", two, unit, ratio=two / one)
    return {"batch": alone[0], "single": alone[1], "batch_wait": waited[0], "single_wait": waited[1]}


def bench_ingest(plan: Plan, api_key: str, report: Report) -> dict[str, dict[str, float]]:
    events = realistic_events(plan, BATCH_EVENTS)
    records = portal_records(plan, BRIDGE_RECORDS)
    report.line(
        "preparing",
        f"{len(events):,} events, {len(records):,} portal records; private redis-servers with AOF",
    )
    rates: dict[str, dict[str, float]] = {}
    with workdir() as tmp:
        for fsync in FSYNC_POLICIES:
            rates[fsync] = measure(tmp, fsync, events, api_key, report, records=records)
        for measure_name in ("batch", "single"):
            ratio = rates["always"][measure_name] / rates["everysec"][measure_name]
            report.line(f"fsync always / everysec, {measure_name}", f"{ratio:5.2f}")
        rates["wait"] = wait_cost(tmp, events, api_key, report)
    return rates
