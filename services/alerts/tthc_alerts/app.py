"""The alerts service: wiring only (``tthc run alerts``)."""

from __future__ import annotations

import asyncio
import os
import socket

import redis.asyncio as aredis

from tthc_contract.http_server import install_stop_signals, serve
from tthc_contract.lease import Lease
from tthc_contract.logs import get_logger
from tthc_contract.plan import load_plan
from tthc_contract.redis_client import connect_settings
from tthc_contract.settings import Settings
from tthc_contract.tasks import cancelled

from . import observability as om
from .alertmanager import AlertmanagerClient
from .api import create_api
from .consumer import SnapshotConsumer
from .delivery import Deliverer
from .engine import AlertEngine, OnChange
from .grafana_annotations import GrafanaAnnotations
from .leadership import Roles
from .state_store import AlertStore

log = get_logger("tthc.alerts")


def _roles(settings: Settings, redis: aredis.Redis, name: str) -> Roles:
    """The evaluator's parts, each write of its state fenced by the lease ``tthc:lease:alerts``."""
    plan = load_plan(settings.plan)
    hooks: list[OnChange] = []
    if settings.grafana_url:
        token = settings.grafana_token.get_secret_value() if settings.grafana_token else None
        hooks.append(GrafanaAnnotations(settings.grafana_url, token, plan))
    lease = Lease(redis, "alerts", holder=name)
    engine = AlertEngine(plan, AlertStore(redis, fence=lease), on_change=hooks)
    clients = [AlertmanagerClient(url) for url in settings.alertmanager_urls]
    metrics_url = settings.metrics_public_url or f"http://{settings.metrics_host}:{settings.metrics_port}"
    deliverer = Deliverer(engine, clients, plan, repost_s=settings.alerts_repost_s, source_url=metrics_url)
    return Roles(
        engine,
        deliverer,
        lease,
        lambda: SnapshotConsumer(settings.redis_url, redis, name, engine),
        tick_s=settings.alerts_tick_s,
    )


async def run(settings: Settings) -> None:
    redis = connect_settings(settings)
    roles = _roles(settings, redis, f"{socket.gethostname()}-{os.getpid()}")
    engine, deliverer, lease = roles.engine, roles.deliverer, roles.lease
    om.FIRING.set_function(lambda: sum(1 for r in engine.records.values() if r.status == "firing"))
    om.EVALUATOR.set_function(lambda: 1.0 if lease.held() else 0.0)
    stop = asyncio.Event()
    install_stop_signals(stop)
    server = asyncio.create_task(
        serve(create_api(engine, deliverer, roles.role), settings.alerts_host, settings.alerts_port, stop)
    )
    leading = asyncio.create_task(roles.run())
    leading.add_done_callback(lambda _: stop.set())  # it ends only on an unexpected error
    peers = [p.name for p in deliverer.peers]
    log.info("alerts.started", alertmanager=peers, lease=lease.key)
    try:
        await stop.wait()
    finally:
        log.info("alerts.stopping")
        await cancelled(leading)  # the evaluator's term ends, and its lease is released
        stop.set()
        await server
        for peer in deliverer.peers:
            await peer.client.close()
        await redis.aclose()
