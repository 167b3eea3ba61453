"""The ingest service: ``POST /v1/events`` and ``GET /health`` (SPEC section 5). Wiring only."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from starlette.responses import Response

from tthc_contract.events import events_json_schema
from tthc_contract.examples import example_events
from tthc_contract.http import ApiError, JSONResponse, error_response, install_error_handlers
from tthc_contract.logs import configure_logging, get_logger
from tthc_contract.plan import Plan, load_plan
from tthc_contract.redis_client import connect
from tthc_contract.settings import Settings
from tthc_contract.signing import EntrySigner, load_signing_key
from tthc_contract.validation import ValidationContext

from .intake import MAX_BYTES, authorize, decode_body, to_entries, validate_all
from .keys import KeyRing
from .publisher import EventPublisher, RedisUnavailable

log = get_logger("tthc.ingest")


async def read_limited(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it passes ``limit`` bytes (before any parsing)."""
    declared = request.headers.get("content-length", "")
    too_large = ApiError(
        413, "body_too_large", f"the body is larger than {limit} bytes; split it into several requests"
    )
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _openapi_body() -> dict[str, Any]:
    examples = {kind: {"summary": kind, "value": event} for kind, event in example_events().items()}
    batch = {"lifecycle": {"summary": "a whole case lifecycle", "value": list(example_events().values())}}
    schema = events_json_schema()
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/cloudevents+json": {"schema": schema, "examples": examples},
                "application/cloudevents-batch+json": {
                    "schema": {"type": "array", "items": schema, "maxItems": 5000},
                    "examples": batch,
                },
                "application/json": {
                    "schema": {"oneOf": [schema, {"type": "array", "items": schema, "maxItems": 5000}]},
                    "examples": {**examples, **batch},
                },
            },
        }
    }


def create_app(plan: Plan, keys: KeyRing, signer: EntrySigner, publisher: EventPublisher) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        log.info("ingest.started", units=len(plan.unit_codes))
        yield
        await publisher.close()

    app = FastAPI(
        title="TTHC ingest",
        version="1.0",
        description="Accepts CloudEvents of case and feedback lifecycles (SPEC section 2).",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    units = plan.unit_codes

    @app.post(
        "/v1/events",
        status_code=202,
        openapi_extra=_openapi_body(),
        responses={
            400: {"description": "not JSON, or not an event or array of events"},
            401: {"description": "missing or unknown API key"},
            403: {"description": "an event's source or unit is not the key's"},
            413: {"description": "more than 5,000 events or 5 MiB"},
            422: {"description": "invalid events, each listed with index, id and errors"},
            503: {"description": "Redis unavailable: nothing was published"},
        },
    )
    async def post_events(request: Request) -> Response:
        try:
            credential = keys.authenticate(request.headers.get("authorization"))
            body = await read_limited(request, MAX_BYTES)
            objs = decode_body(body, request.headers.get("content-type"))
            checked = validate_all(objs, ValidationContext(units=units))
            authorize(checked, credential)
        except ApiError as exc:
            await publisher.count_refusal(exc.status)
            raise
        try:
            await publisher.publish(to_entries(checked, signer))
        except RedisUnavailable as exc:
            log.warning("ingest.redis_unavailable", error=str(exc), events=len(checked))
            return error_response(
                503,
                "redis_unavailable",
                "the event stream is unavailable; nothing was published, retry later",
            )
        return JSONResponse({"accepted": len(checked)}, status_code=202)

    @app.get("/health")
    async def health() -> Response:
        if await publisher.ping():
            return JSONResponse({"status": "ok", "redis": "ok"})
        return JSONResponse({"status": "unavailable", "redis": "unreachable"}, status_code=503)

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
    redis = connect(settings.redis_url)
    return create_app(plan, KeyRing(plan, settings.extra_keys()), signer, EventPublisher(redis))


def run(settings: Settings) -> None:
    """Run the service until SIGINT/SIGTERM (``tthc run ingest``).

    Validation is CPU-bound Python, so ingest scales with worker processes sharing the
    port (``TTHC_INGEST_WORKERS``); uvicorn supervises them and stops them on a signal.
    """
    load_plan(settings.plan)  # fail here, once, with the plan's problems
    uvicorn.run(
        "tthc_ingest.app:app_from_environment",
        factory=True,
        host=settings.ingest_host,
        port=settings.ingest_port,
        workers=settings.ingest_workers,
        log_config=None,
        access_log=False,
    )
