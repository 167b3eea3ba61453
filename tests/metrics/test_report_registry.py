"""A part of the monthly report is one module and its template: listed in the registry, it is
built into the document, answered as JSON at its own route and in the monthly report's, and
rendered into each format in its place, numbered after the parts before it; nothing else
changes. The part below counts the units of the report's subtree."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import openpyxl
import pytest
import redis.asyncio as aredis
from docx import Document
from jinja2 import ChoiceLoader, DictLoader
from xlsxwriter.workbook import Workbook

from tthc_contract.plan import Plan
from tthc_contract.report_bodies import ReportBody
from tthc_contract.report_periods import ReportPeriod, parse_report_period
from tthc_metrics.api import create_api
from tthc_metrics.reports import docx_kit, html, parts
from tthc_metrics.reports.parts import Context, Facts, Part
from tthc_metrics.reports.render import render_file
from tthc_metrics.reports.service import ReportBuilder
from tthc_metrics.reports.xlsx_kit import Styles
from tthc_metrics.store import Store
from tthc_metrics.writer import Writer

from .test_api import state

TITLE = "Số đơn vị"
APRIL = datetime(2026, 4, 2, tzinfo=UTC)


class UnitCount(ReportBody):
    unit: str
    units: int


def build(facts: Facts, unit: str, report: ReportPeriod, now: datetime) -> UnitCount:
    return UnitCount(unit=unit, units=len(facts.plan.descendants(unit)))


def write_docx(doc: Any, body: UnitCount, c: Context) -> None:
    docx_kit.heading(doc, c.heading(TITLE))
    docx_kit.paragraph(doc, f"Báo cáo gồm {body.units} đơn vị.")


def write_xlsx(book: Workbook, styles: Styles, body: UnitCount, c: Context) -> None:
    book.add_worksheet(TITLE).write_number(0, 0, body.units, styles.count)


COUNT = Part(
    name="unit_count",
    stem="so-don-vi",
    title=TITLE,
    body=UnitCount,
    build=build,
    docx=write_docx,
    xlsx=write_xlsx,
    template="parts/unit_count.html.j2",
)
TEMPLATE = "<h2>{{ c.heading('Số đơn vị') }}</h2><p>Báo cáo gồm {{ body.units }} đơn vị.</p>"


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """The new module's part in the registry, and its template among the templates."""
    monkeypatch.setattr(parts, "PARTS", (*parts.PARTS, COUNT))
    monkeypatch.setattr(
        html.ENV, "loader", ChoiceLoader([DictLoader({COUNT.template: TEMPLATE}), html.ENV.loader])
    )


@pytest.fixture
async def api(
    registered: None, store: Store, redis: aredis.Redis, plan: Plan, writer: Writer
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_api(state(store, redis, plan, writer))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://metrics") as client:
        yield client
    app.state.render_pool.close()
    app.state.report_store.close()


async def test_a_registered_part_is_answered_at_its_route_and_in_the_monthly_report(
    api: httpx.AsyncClient,
) -> None:
    alone = (await api.get("/v1/reports/so-don-vi", params={"period": "2026-03"})).json()
    assert alone == {"unit": "dong-phu", "units": 8}
    monthly = (await api.get("/v1/reports/monthly", params={"period": "2026-03"})).json()
    assert list(monthly)[-2:] == ["unit_count", "narrative"] and monthly["unit_count"] == alone


def test_a_registered_part_renders_in_every_format_after_the_others(
    registered: None, store: Store, plan: Plan
) -> None:
    document = ReportBuilder(store, plan).document("kt", parse_report_period("2026-03", 14), None, APRIL)
    assert list(document.parts) == ["plan", "bieu06", "evaluation", "scorecard", "unit_count"]
    page = render_file(document, "html", "Đồng Phú").decode()
    assert "<h2>V. SỐ ĐƠN VỊ</h2><p>Báo cáo gồm 1 đơn vị.</p>" in page and "VI. NHẬN XÉT" in page
    text = "\n".join(
        p.text for p in Document(io.BytesIO(render_file(document, "docx", "Đồng Phú"))).paragraphs
    )
    assert (
        re.search(r"^V\. SỐ ĐƠN VỊ\nBáo cáo gồm 1 đơn vị\.$", text, re.MULTILINE) and "VI. NHẬN XÉT" in text
    )
    book = openpyxl.load_workbook(io.BytesIO(render_file(document, "xlsx", "Đồng Phú")))
    assert book.sheetnames[-1] == TITLE and book[TITLE]["A1"].value == 1
