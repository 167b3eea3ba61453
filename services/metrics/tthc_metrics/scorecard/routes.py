"""``GET /v1/scorecard`` and ``GET /v1/scorecard/ranking`` (SPEC section 10): the QĐ 766 estimate
of a unit for a calendar period, and the ranking of the units directly below it. Every answer
says it is an estimate (``estimate: true``) and the instant open items are judged at."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI
from starlette.responses import Response

from tthc_contract.http import ApiError, JSONResponse
from tthc_contract.openapi import errors
from tthc_contract.plan import Plan
from tthc_contract.scorecard_bodies import Ranking, Scorecard

from ..params import calendar_period, read_store, unit_or_404
from ..store import Store
from .service import ranking, scorecard

RESPONSES = errors(e400="bad period", e404="unknown unit or format", e503="ClickHouse unavailable")
Renderer = Callable[[Any], tuple[bytes, str]]
FILE_STEMS = {"scorecard": "diem-766", "ranking": "xep-hang-766"}


def install(
    app: FastAPI, plan: Plan, store: Store, renderers: dict[str, dict[str, Renderer]] | None = None
) -> None:
    """The two routes; ``renderers`` (``{"scorecard": {"xlsx": render}, "ranking": {...}}``) add the
    files (``/v1/scorecard.xlsx``, ``/v1/scorecard/ranking.html``, ...)."""
    files = renderers or {}

    async def answer(kind: str, body: Scorecard | Ranking, ext: str) -> Response:
        """The body as JSON, or as a file named like the reports' (``diem-766_kt_2026-03.xlsx``)."""
        if not ext:
            return JSONResponse(body.model_dump(mode="json"))
        render = files.get(kind, {}).get(ext)
        if render is None:
            raise ApiError(
                404,
                "unknown_format",
                f"no .{ext} for the {kind}; formats: {', '.join(files.get(kind, {})) or 'JSON only'}",
            )
        content, media = await read_store(render, body)
        disposition = "inline" if ext == "html" else "attachment"
        name = quote(f"{FILE_STEMS[kind]}_{body.unit}_{body.period}.{ext}")
        return Response(
            content,
            media_type=media,
            headers={"Content-Disposition": f"{disposition}; filename*=UTF-8''{name}"},
        )

    async def the_scorecard(unit: str | None, period: str | None, ext: str) -> Response:
        code, now = unit_or_404(plan, unit), datetime.now(UTC)
        body = await read_store(scorecard, store, plan, code, calendar_period(period, now), now)
        return await answer("scorecard", body, ext)

    async def the_ranking(unit: str | None, period: str | None, ext: str) -> Response:
        code, now = unit_or_404(plan, unit), datetime.now(UTC)
        body = await read_store(ranking, store, plan, code, calendar_period(period, now), now)
        return await answer("ranking", body, ext)

    @app.get("/v1/scorecard/ranking", responses=RESPONSES)
    async def get_ranking(unit: str | None = None, period: str | None = None) -> Response:
        """The units directly below the unit, by estimated total (descending), then by code."""
        return await the_ranking(unit, period, "")

    @app.get("/v1/scorecard/ranking.{ext}", responses=RESPONSES)
    async def get_ranking_file(ext: str, unit: str | None = None, period: str | None = None) -> Response:
        return await the_ranking(unit, period, ext)

    @app.get("/v1/scorecard", responses=RESPONSES)
    async def get_scorecard(unit: str | None = None, period: str | None = None) -> Response:
        """The estimate of the unit's QĐ 766 score, item by item (calendar periods)."""
        return await the_scorecard(unit, period, "")

    @app.get("/v1/scorecard.{ext}", responses=RESPONSES)
    async def get_scorecard_file(ext: str, unit: str | None = None, period: str | None = None) -> Response:
        return await the_scorecard(unit, period, ext)
