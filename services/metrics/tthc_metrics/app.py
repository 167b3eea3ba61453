"""The metrics service: wiring only (``tthc run metrics``)."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time

import redis.asyncio as aredis

from tthc_contract.dead_letters import DeadLetterBox
from tthc_contract.durations import parse_duration
from tthc_contract.heap import settle_startup_heap
from tthc_contract.http_server import install_stop_signals, serve
from tthc_contract.lease import Lease
from tthc_contract.logs import get_logger
from tthc_contract.plan import Plan, load_plan
from tthc_contract.redis_client import connect_settings
from tthc_contract.settings import Settings
from tthc_contract.signing import EntrySigner, load_signing_key
from tthc_contract.tasks import cancelled
from tthc_contract.unit_index import IndexGenerations
from tthc_contract.validation import ValidationContext

from . import observability as om
from .alert_archive import AlertArchive
from .api import ApiState, close_reports, create_api
from .batcher import Batcher
from .consumer import EventConsumer
from .crash_witness import CrashWitness
from .grafana_rows import GrafanaRows
from .ops_sampler import run_sampler
from .reports.delivery import ReportDelivery, Smtp
from .reports.pool import RenderPool
from .reports.service import ReportBuilder
from .results import RecentResults
from .rollups.refresh import Changed
from .rollups.service import Rollups
from .schema.table_engines import topology_of
from .seen import EventClaims
from .snapshots import SnapshotPublisher
from .startup import prepare_store
from .store import Store
from .trimmer import StreamTrimmer
from .writer import Writer

log = get_logger("tthc.metrics")
GIL_SWITCH_S = 0.001
"""How long a thread holding the GIL runs before one waiting for it gets it (Python's default
is 5 ms). Here the event loop (``/health``, the API, the consumer) waits on threads that run
Python too: a report's build, the refresh, the snapshot rounds. Each await that crosses a
thread waited up to 5 ms per busy thread; at 1 ms, ``/health`` while the province's report
renders under live traffic stayed under 100 ms in every run (at most 73–89 ms, against
90–151 ms at 5 ms; docs/benchmarks.md), and the backfill rate did not move beyond the VM's
drift."""


def watch_health(state: ApiState, writer: Writer, snapshots: SnapshotPublisher) -> None:
    """What Prometheus reads at each scrape: failing dependencies, the last snapshot's age."""
    started = time.time()
    om.STORE_FAILING.set_function(lambda: 1.0 if writer.stats.failing or state.starting else 0.0)
    om.SNAPSHOT_AGE.set_function(lambda: time.time() - (snapshots.last_at or started))


def report_delivery(
    settings: Settings, store: Store, plan: Plan, renders: RenderPool, *, redis: aredis.Redis, lease: Lease
) -> ReportDelivery:
    smtp = Smtp(
        settings.smtp_smarthost,
        settings.smtp_from,
        settings.smtp_username,
        settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        settings.smtp_require_tls,
    )
    directory = settings.data_dir / "reports"
    return ReportDelivery(
        ReportBuilder(store, plan), plan, directory, smtp, renders, redis=redis, fence=lease
    )


def grafana_reader(settings: Settings) -> tuple[str, str] | None:
    """The read-only ClickHouse user Grafana's data source logs in as, when one is set."""
    if settings.clickhouse_grafana_user and settings.clickhouse_grafana_password:
        return settings.clickhouse_grafana_user, settings.clickhouse_grafana_password.get_secret_value()
    return None


async def run(settings: Settings) -> None:
    sys.setswitchinterval(GIL_SWITCH_S)
    plan = load_plan(settings.plan)
    key = settings.stream_key.get_secret_value() if settings.stream_key else None
    signer = EntrySigner(load_signing_key(key, settings.stream_key_file))
    store = Store(settings.clickhouse_dsn, topology_of(settings.clickhouse_cluster))
    redis = connect_settings(settings)
    units = plan.unit_codes
    name = f"{socket.gethostname()}-{os.getpid()}"
    claims = EventClaims(redis, int(parse_duration(settings.dedup_window).total_seconds()))
    writer = Writer(
        store=store,
        redis=redis,
        signer=signer,
        dead=DeadLetterBox(redis),
        claims=claims,
        context=lambda: ValidationContext(units=units),
        witness=CrashWitness(redis, name, alive_ms=settings.metrics_reclaim_idle_ms),
        rollups=Rollups(redis),
        unit_index=IndexGenerations(settings.unit_index_months),
    )
    results = RecentResults(settings.metrics_result_ttl_ms / 1000)
    snapshots = SnapshotPublisher(
        store,
        redis,
        plan,
        interval_s=settings.metrics_snapshot_interval_s,
        min_gap_s=settings.metrics_snapshot_min_gap_ms / 1000,
        results=results,
        check_s=settings.metrics_snapshot_check_s,
        lease=Lease(redis, "snapshots", holder=name),  # one publisher over all instances
    )

    grafana_rows = GrafanaRows(
        store,
        plan,
        interval_s=settings.metrics_grafana_rows_interval_s,
        repair_s=settings.metrics_snapshot_interval_s,
    )

    async def on_stored(count: int, changed: Changed) -> None:
        if count or changed:
            results.data_changed()
            snapshots.mark_dirty(changed.units)
            grafana_rows.cells_changed(changed, backlog=count >= settings.metrics_flush_rows)

    consumer = EventConsumer(
        settings.redis_url,
        redis,
        name,
        writer,
        Batcher(settings.metrics_flush_rows, settings.metrics_flush_ms / 1000),
        reclaim_idle_ms=settings.metrics_reclaim_idle_ms,
        poison_after=settings.metrics_poison_after,
        on_stored=on_stored,
    )
    archive = AlertArchive(settings.redis_url, redis, name, store)
    api_state = ApiState(
        plan,
        store,
        redis,
        writer.dead,
        writer.stats,
        snapshots,
        results,
        starting="applying migrations",
        reports=RenderPool(settings.metrics_report_renders),
        grafana_rows=grafana_rows,
    )
    api = create_api(api_state)
    watch_health(api_state, writer, snapshots)
    stop = asyncio.Event()
    install_stop_signals(stop)
    server = asyncio.create_task(serve(api, settings.metrics_host, settings.metrics_port, stop))
    tasks: list[asyncio.Task[None]] = []
    try:
        if await prepare_store(store, plan, stop, api_state, claims, reader=grafana_reader(settings)):
            settle_startup_heap()
            renders: RenderPool = api.state.render_pool
            mailing = Lease(redis, "reports", holder=name)  # one instance mails the monthly report
            tasks.append(asyncio.create_task(renders.start()))  # the workers, off the loop
            await consumer.start()
            await archive.start()
            tasks += [
                asyncio.create_task(snapshots.run()),
                asyncio.create_task(grafana_rows.run()),
                asyncio.create_task(run_sampler(redis, settings.metrics_ops_sample_s)),
                asyncio.create_task(StreamTrimmer(redis).run(settings.metrics_trim_s)),
                asyncio.create_task(
                    mailing.lead(
                        report_delivery(settings, store, plan, renders, redis=redis, lease=mailing).run
                    )
                ),
            ]
            log.info("metrics.started", consumer=consumer.name, flush_rows=settings.metrics_flush_rows)
        await stop.wait()
    finally:
        log.info("metrics.stopping")
        if tasks:
            await consumer.stop()
            await archive.stop()
            # Waited for: the leases (snapshots, report mail) are released on the way out, so
            # another instance takes over at once rather than when they expire.
            await cancelled(*tasks)
        stop.set()
        await server
        await redis.aclose()
        await close_reports(api)
        await asyncio.to_thread(store.close)
