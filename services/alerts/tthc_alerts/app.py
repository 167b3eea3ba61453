"""The alerts service: wiring only (``tthc run alerts``)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket

from tthc_contract.http_server import install_stop_signals, serve
from tthc_contract.logs import get_logger
from tthc_contract.plan import load_plan
from tthc_contract.redis_client import REDIS_ERRORS, connect
from tthc_contract.settings import Settings

from . import observability as om
from .alertmanager import AlertmanagerClient
from .api import create_api
from .consumer import SnapshotConsumer
from .delivery import Deliverer
from .engine import AlertEngine, OnChange
from .grafana_annotations import GrafanaAnnotations
from .state_store import AlertStore

log = get_logger("tthc.alerts")


async def _ticking(engine: AlertEngine, every_s: float) -> None:
    while True:
        await asyncio.sleep(every_s)
        try:
            await engine.tick()
        except REDIS_ERRORS as exc:
            log.warning("alerts.tick_failed", error=str(exc)[:300])


async def run(settings: Settings) -> None:
    plan = load_plan(settings.plan)
    redis = connect(settings.redis_url)
    hooks: list[OnChange] = []
    if settings.grafana_url:
        token = settings.grafana_token.get_secret_value() if settings.grafana_token else None
        hooks.append(GrafanaAnnotations(settings.grafana_url, token, plan))
    engine = AlertEngine(plan, AlertStore(redis), on_change=hooks)
    client = AlertmanagerClient(settings.alertmanager_url)
    metrics_url = settings.metrics_public_url or f"http://{settings.metrics_host}:{settings.metrics_port}"
    deliverer = Deliverer(engine, client, plan, repost_s=settings.alerts_repost_s, source_url=metrics_url)
    om.FIRING.set_function(lambda: sum(1 for r in engine.records.values() if r.status == "firing"))
    om.ALERTMANAGER_UP.set_function(lambda: 0.0 if deliverer.failing else 1.0)
    consumer = SnapshotConsumer(settings.redis_url, redis, f"{socket.gethostname()}-{os.getpid()}", engine)
    stop = asyncio.Event()
    install_stop_signals(stop)
    server = asyncio.create_task(
        serve(create_api(engine, deliverer), settings.alerts_host, settings.alerts_port, stop)
    )
    tasks: list[asyncio.Task[None]] = []
    try:
        await engine.start()
        await consumer.start()
        tasks = [
            asyncio.create_task(deliverer.run()),
            asyncio.create_task(_ticking(engine, settings.alerts_tick_s)),
        ]
        log.info("alerts.started", alertmanager=settings.alertmanager_url, alerts=len(engine.records))
        await stop.wait()
    finally:
        log.info("alerts.stopping")
        await consumer.stop()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        stop.set()
        await server
        await client.close()
        await redis.aclose()
