"""What every service's HTTP app has (plumbing): offline API docs, the error conventions,
Prometheus ``/metrics`` and a count of requests by route and status.

- ``/docs`` and ``/redoc`` load Swagger UI and ReDoc from the service itself
  (fastapi-offline ships the assets): a commune's offline network shows them too.
- ``/metrics`` is the Prometheus text format. Ingest runs several worker processes, so it
  sets ``PROMETHEUS_MULTIPROC_DIR`` and every worker's counts are added up at each scrape.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.responses import Response
from starlette.routing import Match

from .http import install_error_handlers

REQUESTS = Counter(
    "tthc_http_requests_total", "HTTP requests answered, by route and status", ["service", "route", "status"]
)
LATENCY = Histogram(
    "tthc_http_request_duration_seconds",
    "Time to answer an HTTP request, by route",
    ["service", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


def service_app(service: str, title: str, description: str, **kwargs: Any) -> FastAPI:
    app = FastAPIOffline(
        title=title,
        version="1.0",
        description=description,
        static_url="/docs-assets",
        favicon_url="/docs-assets/favicon.png",
        **kwargs,
    )
    install_error_handlers(app)
    app.add_middleware(RequestMetrics, service=service)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(scrape(), media_type=CONTENT_TYPE_LATEST)

    return app


def scrape() -> bytes:
    """The Prometheus text of this process, or of every worker process in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest()


class RequestMetrics:
    """Pure ASGI middleware: counts each answer by the route that served it (its template,
    so that ids in paths never become labels) and times it."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = _route(scope)
            REQUESTS.labels(self.service, route, str(status[0])).inc()
            LATENCY.labels(self.service, route).observe(time.perf_counter() - started)


def _route(scope: Scope) -> str:
    app = scope.get("app")
    for route in getattr(getattr(app, "router", None), "routes", ()):
        match, _ = route.matches({**scope, "type": "http"})
        if match == Match.FULL:
            return str(getattr(route, "path", "other"))
    return "other"
