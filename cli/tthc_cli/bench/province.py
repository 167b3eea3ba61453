"""``tthc bench province``: a whole province on this machine (the issue's figures, measured).

1. Backfill: the province's history (``--communes`` × 7 departments, ``--cases-per-year`` ×
   ``--years``) loaded into the stream, then stored by metrics; events/s end to end against
   the same run's raw rates (XREADGROUP+XACK of the same entries; insert of the same rows);
   then the time until Grafana's rows (the 766 estimate, the table of units) are written for
   every unit and period (they wait while the backlog is stored).
2. Questions, p50 and p95 per kind, computed per request (no reuse of results).
3. Live traffic at ``--rate`` events/s through ingest, then: freshness (a new case → counted
   by ``/v1/indicators``, two ways of waiting and each step: ``province_fresh``), the same
   questions again, and the province's monthly report in every format with ``/health``
   measured while it renders.
4. Memory: Redis before and after, the stream's length, metrics' peak RSS.
5. Alerts (the alerts service and a private Alertmanager run through the live phase): from
   the event that crosses a target to the alert active in Alertmanager (``province_alerts``).
6. Grafana's queries, every dashboard's, on the stored province once metrics has stopped
   (``province_grafana``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import redis

from tthc_contract.plan import Plan
from tthc_contract.signing import EntrySigner, load_signing_key

from .fixtures import bench_env, free_port, private_alertmanager, private_redis, service, workdir
from .pipeline import raw_insert_rate, raw_read_rate
from .province_alerts import alert_latency
from .province_data import history, load, preload, province_plan
from .province_fresh import Freshness, freshness
from .province_grafana import dashboard_times
from .province_live import SAMPLES, LiveTraffic, health_during, p50_p95, question_times, report_times
from .province_load import backfill, grafana_rows_caught_up
from .report import Report

TARGET_BACKFILL_EPS = 50_000
TARGET_P95_MS = 50.0
TARGET_FRESH_P95_MS = 250.0
TARGET_REPORT_S = 10.0
TARGET_HEALTH_MS = 100.0
TARGET_RSS_MIB = 2048.0
TARGET_ALERT_MS = 2000.0


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--communes", type=int, default=150)
    p.add_argument("--cases-per-year", type=int, default=300_000)
    p.add_argument("--years", type=int, default=1)
    p.add_argument("--rate", type=int, default=500, help="live events/s during the questions")
    p.add_argument(
        "--samples", type=int, default=SAMPLES, help="requests per kind of question, and freshness probes"
    )


def redis_mib(url: str) -> float:
    return int(redis.Redis.from_url(url).info("memory")["used_memory"]) / 2**20


def bench_province(report: Report, shipped: Path, args: argparse.Namespace) -> None:
    if args.samples < 1 or args.rate < 1:
        raise SystemExit("tthc bench province: --samples and --rate must be at least 1")
    with workdir() as tmp, private_redis(tmp) as url:
        plan_path = province_plan(shipped, args.communes, tmp)
        plan = load(plan_path)
        report.line(
            "province", f"{len(plan.unit_codes):,} units, {args.cases_per_year:,} cases/year × {args.years}"
        )
        signer = EntrySigner(load_signing_key(None, tmp / "stream.key"))
        before = redis_mib(url)
        started = time.perf_counter()
        total = preload(url, signer, history(plan, args.cases_per_year, args.years))
        report.line(
            "history generated and in the stream",
            f"{total:,} events in {time.perf_counter() - started:,.0f} s",
        )
        loaded = redis_mib(url)
        slower = _baselines(report, url, tmp, total)
        port, ingest_port = free_port(), free_port()
        env = bench_env(tmp, url, TTHC_PLAN=str(plan_path), TTHC_METRICS_PORT=str(port),
                        TTHC_INGEST_PORT=str(ingest_port), TTHC_METRICS_RESULT_TTL_MS="0")  # fmt: skip
        with service("metrics", env, f"http://127.0.0.1:{port}/health") as metrics:
            rate, peak = backfill(url, metrics.pid, total)
            report.figure(
                "backfill end to end (stream → ClickHouse, rollups)",
                rate,
                "events/s",
                target=TARGET_BACKFILL_EPS,
            )
            report.figure("  ratio to the slower raw rate", rate / slower * 100, "%")
            _memory(report, url, before, loaded, peak)
            report.figure(
                "Grafana's rows (766, table of units) written, every unit and period, after the backfill in",
                grafana_rows_caught_up(port),
                "s",
            )
            _questions(report, plan, port, "after the backfill", args.samples)
            alerts_port = free_port()
            with (
                private_alertmanager(tmp) as alertmanager,
                service("ingest", env, f"http://127.0.0.1:{ingest_port}/health"),
                service("alerts", env | {"TTHC_ALERTMANAGER_URL": alertmanager,
                        "TTHC_ALERTS_PORT": str(alerts_port)}, f"http://127.0.0.1:{alerts_port}/health"),
                LiveTraffic(plan, ingest_port, args.rate) as traffic,
            ):  # fmt: skip
                _live(report, plan, (port, ingest_port, url), args)
                times = sorted(alert_latency(plan, port, ingest_port, alertmanager))
                report.figure(
                    "  alert active in Alertmanager after the crossing event: median",
                    times[len(times) // 2],
                    "ms",
                )
                report.figure("  alert latency: max", times[-1], "ms", target=TARGET_ALERT_MS, below=True)
            report.figure(
                "  live traffic accepted by ingest (its own process)", traffic.rate_accepted(), "events/s"
            )
        _grafana(report, tmp, plan, args.samples)


def _baselines(report: Report, url: str, tmp: Path, total: int) -> float:
    """The same run's raw rates; returns the slower."""
    read = raw_read_rate(url, total)
    report.figure("raw XREADGROUP+XACK of the same entries", read, "events/s", baseline=True)
    insert = _insert_baseline(url, tmp, total)
    report.figure("raw insert of the same rows (chDB)", insert, "events/s", baseline=True)
    return min(read, insert)


def _insert_baseline(url: str, tmp: Path, total: int) -> float:
    client: Any = redis.Redis.from_url(url)
    sample = [f[b"event"] for _, f in client.xrange("tthc:events", count=min(total, 500_000))]
    return raw_insert_rate(tmp, sample)


def _memory(report: Report, url: str, before: float, loaded: float, peak: int) -> None:
    report.figure("Redis before the history", before, "MiB")
    report.figure("Redis with the history in the stream", loaded, "MiB")
    report.figure("Redis after the backfill (stream trimmed)", redis_mib(url), "MiB")
    report.figure("  tthc:events entries left", redis.Redis.from_url(url).xlen("tthc:events"), "entries")
    report.figure(
        "metrics peak RSS during the backfill", peak / 2**20, "MiB", target=TARGET_RSS_MIB, below=True
    )


def _questions(report: Report, plan: Plan, port: int, when: str, samples: int) -> None:
    report.line(f"questions, computed per request, {when} ({samples} of each):", "")
    for kind, (p50, p95) in question_times(plan, port, samples).items():
        report.figure(f"  {kind}: p50", p50, "ms")
        report.figure(f"  {kind}: p95", p95, "ms", target=TARGET_P95_MS, below=True)


def _grafana(report: Report, data_dir: Path, plan: Plan, samples: int) -> None:
    """Every dashboard's queries as Grafana sends them, once metrics has stopped (the embedded
    engine serves one process at a time)."""
    report.line(f"Grafana's queries on the stored province, metrics stopped ({samples} rounds):", "")
    found = dashboard_times(data_dir, plan, samples)
    for name, times in found.by_dashboard.items():
        p50, p95 = p50_p95(times)
        report.figure(f"  {name} ({len(times) // samples} queries): p50", p50, "ms")
        report.figure(f"  {name}: p95", p95, "ms", target=TARGET_P95_MS, below=True)
    dashboard, title, p95 = found.slowest()
    report.figure("  the slowest query: p95", p95, "ms")
    report.line("    which is", f"{title} ({dashboard})")


def _live(report: Report, plan: Plan, where: tuple[int, int, str], args: argparse.Namespace) -> None:
    port, ingest_port, url = where
    rate, samples = args.rate, args.samples
    report.line(f"with {rate} events/s of live traffic through ingest:", "")
    _freshness(report, freshness(plan, port, ingest_port, url, probes=samples))
    _questions(report, plan, port, f"under {rate} events/s", samples)
    with health_during(port) as health:
        for fmt, seconds in report_times(plan, port).items():
            report.figure(
                f"  the province's monthly report .{fmt}", seconds, "s", target=TARGET_REPORT_S, below=True
            )
    report.figure(
        "  /health while reports render: max", health.max_ms, "ms", target=TARGET_HEALTH_MS, below=True
    )
    after = freshness(plan, port, ingest_port, url, probes=max(3, samples // 3))
    report.figure(
        "  freshness right after the reports, stored first: p95", after.p50_p95("stored_first")[1], "ms"
    )


def _freshness(report: Report, found: Freshness) -> None:
    """Judged on the probes that wait for the acknowledgement before asking the API (the
    polled ones load the machine with their own questions: ``province_fresh``)."""
    p50, p95 = found.p50_p95("stored_first")
    report.figure("  freshness, new case → counted by the API, stored first: p50", p50, "ms")
    report.figure("  freshness: p95", p95, "ms", target=TARGET_FRESH_P95_MS, below=True)
    for name, label in (
        ("read", "sent → read by the consumer"),
        ("acknowledged", "read → stored, counted, acknowledged"),
        ("answered", "acknowledged → the API counts it"),
    ):
        report.figure(f"    of which {label}: p95", found.p50_p95(name)[1], "ms")
    p50, p95 = found.p50_p95("polled")
    report.figure("  freshness, the API polled from the start (loads the API): p50", p50, "ms")
    report.figure("  freshness, the API polled from the start: p95", p95, "ms")
