"""The alerts HTTP API (SPEC section 5): ``GET /v1/alerts`` and ``GET /health``."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.responses import Response

from tthc_contract.http import ApiError, JSONResponse, install_error_handlers
from tthc_contract.redis_client import REDIS_ERRORS

from .delivery import Deliverer
from .engine import AlertEngine

STATUSES = ("firing", "resolved", "all")


def create_api(engine: AlertEngine, deliverer: Deliverer) -> FastAPI:
    app = FastAPI(
        title="TTHC alerts", version="1.0", description="Units below their targets (SPEC section 6)."
    )
    install_error_handlers(app)

    @app.get("/v1/alerts")
    async def alerts(status: str = "firing") -> Response:
        if status not in STATUSES:
            raise ApiError(400, "bad_status", f"status must be one of {', '.join(STATUSES)}, not {status!r}")
        return JSONResponse({"alerts": engine.listed(status)})

    @app.get("/health")
    async def health() -> Response:
        try:
            redis_ok = bool(await engine.store.redis.ping())
        except REDIS_ERRORS:
            redis_ok = False
        body = {
            "status": "ok" if redis_ok else "unavailable",
            "redis": "ok" if redis_ok else "unreachable",
            "alertmanager": "ok" if deliverer.failing is None else f"unreachable: {deliverer.failing}",
            "alerts_firing": sum(1 for r in engine.records.values() if r.status == "firing"),
        }
        return JSONResponse(body, status_code=200 if redis_ok else 503)

    return app
