"""``GET /v1/reports/...`` (SPEC section 8): each part of the monthly report (``parts/``) as JSON,
and each of them, or the whole monthly report, as ``.xlsx``, ``.docx`` or ``.html``.

The period is ``period`` (``2026-03``, ``2026-Q1``, ``2026``, ``2026-03/ky``), or
``from``/``to`` dates (``YYYY-MM-DD``); without either, the current month. ``unit`` defaults
to the root. Reports are built and rendered off the event loop, bounded (``pool.py``): a
report beyond the bound answers 503 with ``Retry-After``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

import orjson
from fastapi import FastAPI, Query
from starlette.responses import Response

from tthc_contract.http import ApiError, JSONResponse
from tthc_contract.openapi import errors
from tthc_contract.periods import PERIOD_KINDS, PeriodError, period_of
from tthc_contract.plan import Plan
from tthc_contract.report_bodies import ReportDocument
from tthc_contract.report_periods import ReportPeriod, between, parse_report_period

from ..params import unit_or_404
from ..store import StoreUnavailable
from . import parts as registry
from .labels import place
from .pool import RenderFailed, RenderPool, ReportsBusy
from .render import DOCX, MEDIA, XLSX
from .service import ReportBuilder

__all__ = ["DOCX", "XLSX", "filename", "install", "report_period"]

MONTHLY = "monthly"
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


def busy(exc: ReportsBusy) -> ApiError:
    return ApiError(
        503,
        "reports_busy",
        f"Hệ thống đang tạo nhiều báo cáo, vui lòng thử lại sau {exc.retry_after} giây. "
        f"Too many reports are being made; retry in {exc.retry_after} s.",
        headers={"Retry-After": str(exc.retry_after)},
    )


class ReportRoutes:
    """The reports of a plan: the part each route stem gives, and the answers."""

    def __init__(self, plan: Plan, builder: ReportBuilder, pool: RenderPool) -> None:
        self.builder, self.pool = builder, pool
        self.signed_at = place(plan.names[plan.root], plan.spec.reports.place)
        self.stems: dict[str, str | None] = {**{p.stem: p.name for p in registry.PARTS}, MONTHLY: None}
        """Each route stem and the part it gives (``None``: the monthly report, every part)."""

    def parse(self, name: str) -> tuple[str, str]:
        """``bieu-06.xlsx`` → (``bieu-06``, ``xlsx``), or a 404 listing the reports."""
        stem, _, ext = name.partition(".")
        if stem not in self.stems or (ext and ext not in MEDIA):
            known = ", ".join(f"{n}[.{'|.'.join(MEDIA)}]" for n in self.stems)
            raise ApiError(404, "unknown_report", f"no report {name!r}; reports: {known}")
        return stem, ext

    def json(self, code: str, span: ReportPeriod, part: str | None, now: datetime) -> bytes:
        """The JSON of the monthly report (``part`` None) or of one part."""
        document = self.builder.document(code, span, part, now)
        return orjson.dumps(document.to_json() if part is None else document.parts[part].to_json())

    async def answer(self, stem: str, code: str, span: ReportPeriod, ext: str, now: datetime) -> Response:
        part = self.stems[stem]
        try:
            async with self.pool.place() as slot:
                if not ext:  # the JSON is written in the thread too: a province's is 1.4 MB
                    body = await slot.build(self.json, code, span, part, now)
                    return Response(body, media_type=JSONResponse.media_type)
                document: ReportDocument = await slot.build(self.builder.document, code, span, part, now)
                content = await slot.render(document, ext, self.signed_at)
        except ReportsBusy as exc:
            raise busy(exc) from None
        except StoreUnavailable as exc:
            raise ApiError(
                503, "clickhouse_unavailable", f"the indicator store is unavailable: {exc}"
            ) from None
        except RenderFailed as exc:
            raise ApiError(503, "render_failed", str(exc), headers={"Retry-After": "5"}) from None
        disposition = "inline" if ext == "html" else "attachment"
        fname = quote(filename(stem, code, span, ext))
        return Response(
            content,
            media_type=MEDIA[ext],
            headers={"Content-Disposition": f"{disposition}; filename*=UTF-8''{fname}"},
        )


def install(app: FastAPI, plan: Plan, builder: ReportBuilder, pool: RenderPool) -> None:
    routes = ReportRoutes(plan, builder, pool)

    @app.get(
        "/v1/reports/{name}",
        responses={
            **errors(
                e400="bad period or dates",
                e404="unknown report, format or unit",
                e503="ClickHouse unavailable, or too many reports at once (Retry-After)",
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
        """plan, bieu-06, evaluation, scorecard (JSON); each with .xlsx, .docx or .html; monthly too."""
        stem, ext = routes.parse(name)
        code = unit_or_404(plan, unit)
        now = datetime.now(UTC)
        return await routes.answer(
            stem, code, report_period(plan, period, first, last, now, kind=kind), ext, now
        )
