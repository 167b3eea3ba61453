"""``GET /v1/reports/...`` (SPEC section 8): Biểu 06, the plan report and the evaluation as
JSON, and each of them, or the whole monthly report, as ``.xlsx``, ``.docx`` or ``.html``.

The period is ``period`` (``2026-03``, ``2026-Q1``, ``2026``, ``2026-03/ky``), or
``from``/``to`` dates (``YYYY-MM-DD``); without either, the current month. ``unit`` defaults
to the root.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Query
from starlette.responses import Response

from tthc_contract.http import ApiError, JSONResponse
from tthc_contract.openapi import errors
from tthc_contract.periods import PERIOD_KINDS, PeriodError, period_of
from tthc_contract.plan import Plan
from tthc_contract.report_periods import ReportPeriod, between, parse_report_period

from ..params import read_store, unit_or_404
from . import docx, html, xlsx
from .labels import place
from .service import ReportBuilder, ReportDocument

PARTS = {"bieu-06": "bieu06", "plan": "plan", "evaluation": "evaluation", "monthly": None}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
Renderer = Callable[[ReportDocument, str], bytes]
FORMATS: dict[str, tuple[Renderer, str]] = {
    "xlsx": (lambda d, _place: xlsx.render(d), XLSX),
    "docx": (docx.render, DOCX),
    "html": (html.render, "text/html; charset=utf-8"),
}


CURRENT = "current"
"""``period=current`` (with ``kind`` month, quarter or year): the period of now, for links
that must roll over by themselves (a dashboard left open on a wall screen)."""


def report_period(
    plan: Plan,
    period: str | None,
    first: str | None,
    last: str | None,
    now: datetime,
    *,
    kind: str | None = None,
) -> ReportPeriod:
    """The period asked for, or a 400 saying what to send."""
    try:
        if period == CURRENT:
            if kind not in (None, *PERIOD_KINDS):
                raise PeriodError(f"kind={kind!r}: month, quarter or year")
            period = period_of(now, kind or "month").code
        if first or last:
            if not (first and last) or period:
                raise PeriodError("send either period, or both from and to (YYYY-MM-DD)")
            return between(first, last)
        return parse_report_period(period or period_of(now, "month").code, plan.spec.reports.period_end_day)
    except PeriodError as exc:
        raise ApiError(
            400,
            "bad_period",
            f"{exc}; e.g. period=2026-03, 2026-Q1, 2026, 2026-03/ky, current&kind=month, or from=2026-03-01&to=2026-03-31",
        ) from None


def filename(name: str, unit: str, report: ReportPeriod, ext: str) -> str:
    safe = report.code.replace("/", "-").replace("..", "_")
    return f"{name}_{unit}_{safe}.{ext}"


def install(app: FastAPI, plan: Plan, builder: ReportBuilder) -> None:
    signed_at = place(plan.names[plan.root], plan.spec.reports.place)

    @app.get(
        "/v1/reports/{name}",
        responses={
            **errors(
                e400="bad period or dates",
                e404="unknown report, format or unit",
                e503="ClickHouse unavailable",
            )
        },
    )
    async def reports(  # noqa: PLR0917 - FastAPI query parameters
        name: str,
        unit: str | None = None,
        period: str | None = None,
        first: str | None = Query(None, alias="from", description="YYYY-MM-DD"),
        last: str | None = Query(None, alias="to", description="YYYY-MM-DD"),
        kind: str | None = Query(None, description="with period=current: month, quarter or year"),
    ) -> Response:
        """bieu-06, plan, evaluation (JSON); each with .xlsx, .docx or .html; monthly.{xlsx,docx,html}."""
        stem, _, ext = name.partition(".")
        if stem not in PARTS or (ext and ext not in FORMATS):
            known = ", ".join(f"{n}[.{'|.'.join(FORMATS)}]" for n in PARTS)
            raise ApiError(404, "unknown_report", f"no report {name!r}; reports: {known}")
        code = unit_or_404(plan, unit)
        now = datetime.now(UTC)
        span = report_period(plan, period, first, last, now, kind=kind)
        document: ReportDocument = await read_store(builder.document, code, span, PARTS[stem], now)
        if not ext:
            body: Any = document.body() if PARTS[stem] is None else getattr(document, str(PARTS[stem]))
            return JSONResponse(body)
        render, media = FORMATS[ext]
        content = render(document, signed_at)
        disposition = "inline" if ext == "html" else "attachment"
        fname = filename(stem, code, span, ext)
        return Response(
            content,
            media_type=media,
            headers={"Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(fname)}"},
        )
