"""The metrics HTTP API (SPEC section 5): indicators, units, status, due-soon, health."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import redis.asyncio as aredis
from fastapi import FastAPI, Query
from redis.exceptions import ResponseError
from starlette.responses import Response

from tthc_contract.dead_letters import DeadLetterBox
from tthc_contract.durations import parse_duration
from tthc_contract.http import ApiError, JSONResponse
from tthc_contract.openapi import errors, install_openapi
from tthc_contract.plan import Plan
from tthc_contract.redis_client import REDIS_ERRORS
from tthc_contract.service_app import service_app
from tthc_contract.streams import EVENTS, INGEST_STATS, METRICS_GROUP

from . import reads
from .grafana_rows import GrafanaRows
from .health import health as service_health
from .indicators import as_of_text, due_soon_body, indicator_list
from .params import calendar_period, read_store, unit_or_404
from .reports import routes as report_routes
from .reports.pool import RenderPool
from .reports.service import ReportBuilder
from .results import RecentResults
from .scorecard import files as scorecard_files
from .scorecard import routes as scorecard_routes
from .snapshots import SnapshotPublisher
from .store import Store
from .writer import WriterStats


@dataclass
class ApiState:
    plan: Plan
    store: Store
    redis: aredis.Redis
    dead: DeadLetterBox
    writer: WriterStats
    snapshots: SnapshotPublisher
    results: RecentResults
    starting: str | None = None
    """Why start-up is not over yet (migrations waiting for ClickHouse), or ``None``."""
    reports: RenderPool | None = None
    """Where reports are built and rendered (default: a pool of two render processes)."""
    grafana_rows: GrafanaRows | None = None
    """The QĐ 766 rows Grafana reads, kept by this process (its progress in ``/v1/status``)."""


MAX_WITHIN = timedelta(days=366)
UNIT_404 = errors(e404="unknown unit")
STORE_503 = errors(e503="ClickHouse (or Redis) unavailable; retry later")


def _tree(plan: Plan, code: str) -> dict[str, Any]:
    return {
        "code": code,
        "name": plan.names[code],
        "targets": plan.targets(code),
        "units": [_tree(plan, child) for child in plan.children[code]],
    }


def create_api(state: ApiState) -> FastAPI:
    app = service_app(
        "metrics", "TTHC metrics", "Indicators of SPEC section 4 in real time, and the reports of section 8."
    )
    plan = state.plan

    @app.get("/v1/indicators", responses={**errors(e400="bad period"), **UNIT_404, **STORE_503})
    async def indicators(unit: str | None = None, period: str | None = None) -> Response:
        now = datetime.now(UTC)
        code, span = unit_or_404(plan, unit), calendar_period(period, now)
        recent = state.results.get(code, span.code)
        if recent is not None:
            now, counts = recent.at, recent.counts
        else:
            generation = state.results.generation
            counts = await read_store(reads.counts, state.store, plan.descendants(code), span, now)
            state.results.put(code, span.code, generation, now, counts)
        return JSONResponse(
            {
                "unit": code,
                "period": span.code,
                "as_of": as_of_text(now),
                "indicators": indicator_list(counts, plan.targets(code)),
            }
        )

    @app.get("/v1/units")
    async def units() -> Response:
        return JSONResponse(_tree(plan, plan.root))

    @app.get("/v1/due-soon", responses={**errors(e400="bad duration"), **UNIT_404, **STORE_503})
    async def due_soon(
        unit: str | None = None, within: str | None = Query(None, description="e.g. 48h")
    ) -> Response:
        now = datetime.now(UTC)
        code = unit_or_404(plan, unit)
        try:
            horizon = parse_duration(within, MAX_WITHIN) if within else plan.alerts.due_soon
        except ValueError as exc:
            raise ApiError(400, "bad_duration", f"within: {exc}") from None
        items = await read_store(reads.due_soon, state.store, plan.descendants(code), now, now + horizon)
        return JSONResponse(due_soon_body(code, now, horizon.total_seconds(), items))

    @app.get("/v1/status", responses=STORE_503)
    async def status() -> Response:
        stored = await read_store(reads.events_stored, state.store)
        try:
            dead_letters = await state.dead.total()
            by_reason = await state.dead.by_reason()
            stream = await _stream_status(state.redis)
            bridge = await _bridge_counts(state.redis, by_reason)
        except REDIS_ERRORS as exc:
            raise ApiError(503, "redis_unavailable", f"Redis does not answer ({exc}); retry later") from None
        return JSONResponse(
            {
                "events_stored": stored,
                "fact_parts": await read_store(reads.fact_parts, state.store),
                "dead_letters": dead_letters,
                "dead_letters_by_reason": by_reason,
                "stream": stream,
                "dvcqg": bridge,
                "this_process": {
                    "batches": state.writer.batches,
                    "stored": state.writer.stored,
                    "duplicates": state.writer.duplicates,
                    "dead": state.writer.dead,
                    "last_flush_at": state.writer.last_flush_at,
                    "last_snapshot_at": state.snapshots.last_at,
                    "grafana_rows": state.grafana_rows.status() if state.grafana_rows else None,
                    "failing": state.writer.failing,
                },
            }
        )

    @app.get("/health", responses=errors(e503="a dependency is failing; the body says which"))
    async def health() -> Response:
        try:
            redis_ok = bool(await state.redis.ping())
        except REDIS_ERRORS:
            redis_ok = False
        code, body = service_health(
            store_answers=await asyncio.to_thread(state.store.ping),
            redis_answers=redis_ok,
            failing=state.writer.failing,
            starting=state.starting,
        )
        return JSONResponse(body, status_code=code)

    app.state.render_pool = state.reports or RenderPool()
    # Reports read through a connection of their own: a province's long queries never queue
    # the API's reads (nor /health's ping) behind them.
    app.state.report_store = Store(state.store.dsn, state.store.topology)
    report_routes.install(app, plan, ReportBuilder(app.state.report_store, plan), app.state.render_pool)
    scorecard_routes.install(app, plan, state.store, scorecard_files.renderers(plan))
    install_openapi(app)
    return app


async def close_reports(app: FastAPI) -> None:
    """Stop the render processes and close the reports' connection to the store."""
    app.state.render_pool.close()
    await asyncio.to_thread(app.state.report_store.close)


async def _bridge_counts(redis: aredis.Redis, dead_by_reason: dict[str, int]) -> dict[str, Any]:
    """What ingest's DVCQG bridge counted: records translated, progress steps, records (or whole
    bodies) kept in tthc:dead (also by reason), requests relayed that are not sync services."""
    names = {
        "records": b"dvcqg_records",
        "progress_steps": b"dvcqg_progress",
        "dead": b"dvcqg_dead",
        "forwarded": b"dvcqg_forwarded",
    }
    values = await redis.hmget(INGEST_STATS, list(names.values()))
    counts: dict[str, Any] = {name: int(v or 0) for name, v in zip(names, values, strict=True)}
    counts["dead_by_reason"] = {
        key.split(":", 1)[1]: n for key, n in dead_by_reason.items() if key.startswith("dvcqg:")
    }
    return counts


async def _stream_status(redis: aredis.Redis) -> dict[str, Any]:
    try:
        length = await redis.xlen(EVENTS)
        groups = {g["name"].decode(): g for g in await redis.xinfo_groups(EVENTS)}
    except ResponseError as exc:  # no stream yet: nothing was ever published
        return {"error": str(exc)}
    group = groups.get(METRICS_GROUP, {})
    return {"length": length, "pending": group.get("pending"), "lag": group.get("lag")}
