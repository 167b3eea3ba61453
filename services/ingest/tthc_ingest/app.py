"""The ingest service: ``POST /v1/events``, ``POST /v1/dvcqg`` and ``GET /health``
(SPEC sections 5 and 9). Wiring only."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI, Request
from starlette.responses import Response

from tthc_contract.http import ApiError, JSONResponse, error_response
from tthc_contract.http_server import GRACEFUL_SHUTDOWN_S, PROTOCOL
from tthc_contract.logs import configure_logging, get_logger
from tthc_contract.plan import Plan, load_plan
from tthc_contract.redis_client import connect_settings
from tthc_contract.service_app import service_app
from tthc_contract.settings import Settings
from tthc_contract.signing import EntrySigner, load_signing_key
from tthc_contract.unit_index import IndexGenerations

from .binary_mode import from_binary, is_binary
from .body import read_body
from .dvcqg import endpoint as dvcqg_endpoint
from .dvcqg.endpoint import DvcqgBridge
from .dvcqg.relay import PortalRelay
from .intake import MAX_BYTES, decode_body
from .keys import KeyRing
from .observability import count_refusal
from .openapi import EVENTS_RESPONSES, install_openapi, request_body
from .publisher import EventPublisher, ReplicaWait
from .submission import Submission

log = get_logger("tthc.ingest")


def create_app(
    plan: Plan,
    keys: KeyRing,
    signer: EntrySigner,
    publisher: EventPublisher,
    relay: PortalRelay | None = None,
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        log.info("ingest.started", units=len(plan.unit_codes), dvcqg_relay=relay.url if relay else None)
        yield
        await publisher.close()
        if relay is not None:
            await relay.close()

    app = service_app(
        "ingest",
        "TTHC ingest",
        "Accepts CloudEvents of case and feedback lifecycles (SPEC section 2), structured or in "
        "binary content mode, and the portal's own sync requests (SPEC section 9).",
        lifespan=lifespan,
    )
    submission = Submission(plan, signer, publisher)

    @app.post("/v1/events", status_code=202, openapi_extra=request_body(), responses=EVENTS_RESPONSES)
    async def post_events(request: Request) -> Response:
        objs: list[object] = []
        try:
            credential = keys.authenticate(request.headers.get("authorization"))
            body = await read_body(request, MAX_BYTES)
            if is_binary(request.headers):
                objs = [from_binary(request.headers, body)]
            else:
                objs = decode_body(body, request.headers.get("content-type"))
            accepted = await submission.submit(objs, credential)
        except ApiError as exc:
            await count_refusal(publisher, exc.status, len(objs))
            raise
        if accepted is None:
            await count_refusal(publisher, 503, len(objs))
            return error_response(
                503,
                "redis_unavailable",
                "the event stream is unavailable; nothing was published, retry later",
            )
        return JSONResponse({"accepted": accepted}, status_code=202)

    @app.get("/health")
    async def health() -> Response:
        if await publisher.ping():
            return JSONResponse({"status": "ok", "redis": "ok"})
        return JSONResponse({"status": "unavailable", "redis": "unreachable"}, status_code=503)

    portal_schemas = dvcqg_endpoint.install(app, DvcqgBridge(plan, keys, submission, publisher, relay))
    install_openapi(app, portal_schemas)
    return app


def _exit_with_parent() -> None:
    """A worker must not outlive its supervisor (killed by ``tthc up`` or the OOM killer):
    it would keep the port and the new supervisor could not bind it."""
    if multiprocessing.parent_process() is None or not sys.platform.startswith("linux"):
        return
    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    if os.getppid() == 1:  # the supervisor died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)


def app_from_environment() -> FastAPI:
    """The app as each worker process builds it, from the environment (uvicorn factory)."""
    _exit_with_parent()
    settings = Settings()
    configure_logging("ingest", settings.log_level, settings.log_format)
    plan = load_plan(settings.plan)
    key = settings.stream_key.get_secret_value() if settings.stream_key else None
    signer = EntrySigner(load_signing_key(key, settings.stream_key_file))
    redis = connect_settings(settings)
    relay = PortalRelay(settings.dvcqg_upstream, settings.dvcqg_timeout) if settings.dvcqg_upstream else None
    publisher = EventPublisher(redis, IndexGenerations(settings.unit_index_months), ReplicaWait.of(settings))
    return create_app(plan, KeyRing(plan, settings.extra_keys()), signer, publisher, relay)


def run(settings: Settings) -> None:
    """Run the service until SIGINT/SIGTERM (``tthc run ingest``).

    Validation is CPU-bound Python, so ingest scales with worker processes sharing the
    port (``TTHC_INGEST_WORKERS``); uvicorn supervises them and stops them on a signal.
    With more than one, their Prometheus counts are added up across workers (multiprocess
    mode).
    """
    load_plan(settings.plan)  # fail here, once, with the plan's problems
    if settings.ingest_workers > 1:  # one worker is this process: its counts are in memory
        prepare_multiprocess_metrics(settings)
    uvicorn.run(
        "tthc_ingest.app:app_from_environment",
        factory=True,
        host=settings.ingest_host,
        port=settings.ingest_port,
        workers=settings.ingest_workers,
        log_config=None,
        access_log=False,
        http=PROTOCOL,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )


def prepare_multiprocess_metrics(settings: Settings) -> None:
    """A fresh directory for the workers' Prometheus counts (a restart starts from zero)."""
    import shutil

    directory = (settings.data_dir / "prometheus-ingest").resolve()
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
