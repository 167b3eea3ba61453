"""The alerts HTTP API (SPEC section 5): ``GET /v1/alerts`` and ``GET /health``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from fastapi import FastAPI
from starlette.responses import Response

from tthc_contract.http import ApiError, JSONResponse
from tthc_contract.openapi import errors, install_openapi
from tthc_contract.redis_client import REDIS_ERRORS
from tthc_contract.service_app import service_app

from .delivery import Deliverer
from .engine import AlertEngine

STATUSES = ("firing", "resolved", "all")


def create_api(
    engine: AlertEngine, deliverer: Deliverer, role: Callable[[], str] = lambda: "evaluator"
) -> FastAPI:
    """``role``: ``evaluator`` (holds the lease, evaluates and delivers) or ``standby``."""
    app = service_app("alerts", "TTHC alerts", "Units below their targets (SPEC section 6).")

    @app.get("/v1/alerts", responses=errors(e400="status is not firing, resolved or all"))
    async def alerts(status: str = "firing") -> Response:
        if status not in STATUSES:
            raise ApiError(400, "bad_status", f"status must be one of {', '.join(STATUSES)}, not {status!r}")
        return JSONResponse({"alerts": engine.listed(status)})

    @app.get(
        "/health",
        responses=errors(e503="Redis or every Alertmanager peer does not answer; the body says which"),
    )
    async def health() -> Response:
        """Both dependencies asked now: alerts that cannot reach Alertmanager reach nobody.
        With several peers, one that answers is enough to deliver; the others are named."""
        try:
            redis_ok = bool(await engine.store.redis.ping())
        except REDIS_ERRORS:
            redis_ok = False
        peers = deliverer.peers
        ready = await asyncio.gather(*(p.client.ready() for p in peers))
        down = [p.name for p, ok in zip(peers, ready, strict=True) if not ok]
        healthy = redis_ok and len(down) < len(peers)
        body = {
            "status": "ok" if healthy else "unavailable",
            "role": role(),
            "redis": "ok" if redis_ok else "unreachable",
            "alertmanager": f"unreachable at {', '.join(down)}" if down else "ok",
            "delivery": "ok" if deliverer.failing is None else f"failing: {deliverer.failing[:300]}",
            "alerts_firing": sum(1 for r in engine.records.values() if r.status == "firing"),
        }
        return JSONResponse(body, status_code=200 if healthy else 503)

    install_openapi(app)
    return app
