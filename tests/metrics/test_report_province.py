"""A province's report reads as a province office sends it (SPEC section 8): the province and
its communes in the body, each commune a row with every indicator and what it still misses;
the communes' departments in the annex after the signature (the workbook: a sheet of their
own); the evaluation ranks up to 150 communes on one page a leader reads.

The plan: the shipped one of Đồng Phú repeated as 150 communes (30 for the content test),
each with Đồng Phú's seven departments, under UBND tỉnh Đồng Nai. Printed by the real
LibreOffice and the real Chromium, read back with pdftotext."""

from __future__ import annotations

import asyncio
import io
import re
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from pathlib import Path

import httpx
import openpyxl
import pytest
import redis.asyncio as aredis

from tthc_cli import report_command
from tthc_contract.periods import LOCAL_TZ
from tthc_contract.plan import Plan
from tthc_contract.report_periods import parse_report_period
from tthc_metrics.api import create_api
from tthc_metrics.reports.labels import short_name
from tthc_metrics.reports.parts import evaluation
from tthc_metrics.reports.parts import plan as plan_part
from tthc_metrics.reports.parts.base import Facts
from tthc_metrics.reports.render import render_file
from tthc_metrics.store import Store
from tthc_metrics.writer import Writer

from ..servers import installed
from .conftest import make_writer
from .events import received, t
from .province import province_plan, synthetic_document
from .test_api import state
from .test_indicators import store_events
from .test_report_files import CHROMIUM_FLAGS, pdf_text

pytestmark = pytest.mark.asyncio
MARCH = {"unit": "dong-nai", "period": "2026-03/ky"}
DEPARTMENT = "Phòng Kinh tế"
PROVINCE_CODE = MARCH["unit"]
Client = Callable[[Plan], Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def client(store: Store, redis: aredis.Redis, writer: Writer) -> AsyncIterator[Client]:
    """``await client(plan)``: the metrics API of ``plan`` (its tables written to the store)."""
    apps, clients = [], []

    async def start(plan: Plan) -> httpx.AsyncClient:
        store.sync_plan(plan)
        apps.append(create_api(state(store, redis, plan, writer)))
        transport = httpx.ASGITransport(app=apps[-1])
        clients.append(httpx.AsyncClient(transport=transport, base_url="http://metrics", timeout=300))
        return clients[-1]

    yield start
    for open_client in clients:
        await open_client.aclose()
    for app in apps:
        app.state.render_pool.close()
        app.state.report_store.close()


def pages_of(text: str) -> list[str]:
    return text.split("\f")


def ranks_on(page: str) -> set[int]:
    """The ranks of the compact table on a printed page: a number before a commune's name."""
    return {int(n) for n in re.findall(r"(?:^|\s)(\d{1,3})\s+(?:Xã|Phường)\s", page, re.MULTILINE)}


def evaluation_page(text: str) -> str:
    [page] = [p for p in pages_of(text) if evaluation.TITLE.upper() in p]
    return page


def print_html(html: Path, workdir: Path) -> str:
    chromium = installed("chromium", "chromium-browser", package="chromium")
    pdf = html.with_suffix(".pdf")
    subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={workdir / 'chromium'}", "--no-pdf-header-footer",
         f"--print-to-pdf={pdf}", html.as_uri()],
        capture_output=True, timeout=180, check=True,
    )  # fmt: skip
    return pdf_text(pdf)


async def print_docx(content: bytes, path: Path) -> str:
    await asyncio.to_thread(path.write_bytes, content)
    [pdf] = await asyncio.to_thread(report_command.print_to_pdf, [path])
    return await asyncio.to_thread(pdf_text, pdf)


def has_line(text: str, pattern: str) -> bool:
    return re.search(pattern, text, re.MULTILINE) is not None


async def test_150_communes_are_ranked_on_one_page_with_their_legend(tmp_path: Path) -> None:
    installed("soffice", "libreoffice", package="libreoffice-writer")
    plan = province_plan(150)
    report = parse_report_period("2026-03/ky", 14)
    document = synthetic_document(plan, report, datetime(2026, 3, 20, 9, tzinfo=LOCAL_TZ))
    alone = document.model_copy(
        update={"parts": {"evaluation": document.parts["evaluation"]}, "narrative": None}
    )
    body = document.parts["evaluation"]
    assert isinstance(body, evaluation.Evaluation) and len({u.rating for u in body.units}) == 4, "every band"
    for printed in (
        await print_docx(render_file(alone, "docx", "Biên Hòa"), tmp_path / "evaluation.docx"),
        await print_docx(render_file(document, "docx", "Biên Hòa"), tmp_path / "monthly.docx"),
        await asyncio.to_thread(print_html, _write(tmp_path / "evaluation.html", render_file(alone, "html", "Biên Hòa")), tmp_path),
    ):  # fmt: skip
        page = evaluation_page(printed)
        assert ranks_on(page) == set(range(1, 151)), sorted(set(range(1, 151)) - ranks_on(page))
        assert "Tổng hợp 150 đơn vị" in page and "HTXSNV: Hoàn thành xuất sắc nhiệm vụ" in page
        for unit in body.units:  # each rank beside its commune, its targets met and its rating
            short = evaluation.abbreviations(body)[unit.rating]
            pattern = rf"(^|\s){unit.rank}\s+{re.escape(short_name(unit.name))}\s+{unit.met}/{unit.judged}\s+{short}(\s|$)"
            assert has_line(page, pattern), unit


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


async def test_the_communes_are_in_the_body_and_their_departments_in_the_annex(
    client: Client, tmp_path: Path
) -> None:
    plan = province_plan(150)
    api = await client(plan)
    communes = plan.children[plan.root]
    response = await api.get("/v1/reports/monthly.docx", params=MARCH)
    assert response.status_code == 200, response.text
    text = await print_docx(response.content, tmp_path / "monthly.docx")
    annex_at = re.search(r"^\s*PHỤ LỤC\s*$", text, re.MULTILINE)
    assert annex_at and text.index("CHỦ TỊCH") < annex_at.start(), "the annex follows the signature"
    body, annex = text[: annex_at.start()], text[annex_at.start() :]
    assert plan_part.ANNEX_TITLE.upper() in annex and DEPARTMENT not in body
    for number, commune in enumerate(communes, 1):  # no events: no data, «—» in every column
        assert has_line(body, rf"^\s*{number}\s+{re.escape(short_name(plan.names[commune]))}(\s+—){{9}}\s*$")
        assert has_line(annex, rf"^\s*{re.escape(plan.names[commune])}\s*$"), (
            "a commune heads its departments"
        )
    assert len(re.findall(rf"^\s*3\s+{DEPARTMENT}(\s+—){{9}}\s*$", annex, re.MULTILINE)) == 150
    assert ranks_on(evaluation_page(text)) == set(range(1, 151))

    book = openpyxl.load_workbook(
        io.BytesIO((await api.get("/v1/reports/monthly.xlsx", params=MARCH)).content)
    )
    assert book.sheetnames == [
        "Chỉ tiêu kế hoạch", "Phụ lục - đơn vị cấp dưới", "Biểu 06", "Đánh giá, xếp loại", "Ước tính điểm 766", "Xếp hạng 766",
    ]  # fmt: skip
    in_body = [row[1] for row in book["Chỉ tiêu kế hoạch"].iter_rows(min_row=7, values_only=True)]
    assert in_body == [plan.names[u] for u in [plan.root, *communes] for _ in range(9)]
    annexed = [row[1:3] for row in book["Phụ lục - đơn vị cấp dưới"].iter_rows(min_row=7, values_only=True)]
    departments = [(plan.names[c], plan.names[d]) for c in communes for d in plan.children[c]]
    assert annexed == [pair for pair in departments for _ in range(9)] and len(departments) == 1050

    page = (await api.get("/v1/reports/monthly.html", params=MARCH)).text
    signature = page.index("CHỦ TỊCH")
    assert page.count('<tr class="group">') == 150 and page.index('<tr class="group">') > signature
    assert page.count(f"<td>{DEPARTMENT}</td>") == 150 and page.index(f"<td>{DEPARTMENT}</td>") > signature


@pytest.fixture
async def thirty(client: Client, store: Store, redis: aredis.Redis) -> tuple[Plan, httpx.AsyncClient]:
    """30 communes; Phòng Kinh tế of x001: 15 of 20 cases online, 3 short of the 90% target;
    Trung tâm Phục vụ hành chính công of x002: 12 of 12 online."""
    plan = province_plan(30)
    api = await client(plan)
    events = [
        received(
            f"A{i}", t("2026-03-02 08:00"), unit="x001-kt", channel="online_full" if i < 15 else "in_person"
        )
        for i in range(20)
    ]
    events += [received(f"B{i}", t("2026-03-03 08:00"), unit="x002-hcc") for i in range(12)]
    await store_events(make_writer(store, redis, plan), events)
    return plan, api


async def test_the_figures_of_a_commune_add_up_its_departments(
    thirty: tuple[Plan, httpx.AsyncClient],
) -> None:
    _, api = thirty
    body = (await api.get("/v1/reports/plan", params=MARCH)).json()
    online = {u["unit"]: u["indicators"][0] for u in body["units"]}
    assert [(online[u]["numerator"], online[u]["denominator"]) for u in ("dong-nai", "x001", "x001-kt", "x002")] == [
        (27, 32), (15, 20), (15, 20), (12, 12),
    ]  # fmt: skip
    assert (online["x001-kt"]["shortfall"], online["x001"]["shortfall"], online["x002"]["shortfall"]) == (
        3,
        3,
        0,
    )
    ranked = (await api.get("/v1/reports/evaluation", params=MARCH)).json()["units"]
    assert [u["unit"] for u in ranked[:2]] == ["x002", "x001"] and ranked[2]["judged"] == 0


async def test_what_each_commune_and_department_misses_reads_in_every_format(
    thirty: tuple[Plan, httpx.AsyncClient], tmp_path: Path
) -> None:
    plan, api = thirty
    x001, x002 = plan.names["x001"], plan.names["x002"]
    text = await print_docx(
        (await api.get("/v1/reports/monthly.docx", params=MARCH)).content, tmp_path / "m.docx"
    )
    annex_at = re.search(r"^\s*PHỤ LỤC\s*$", text, re.MULTILINE)
    assert annex_at
    body_text, annex = text[: annex_at.start()], text[annex_at.start() :]
    assert has_line(body_text, rf"^\s*1\s+{re.escape(short_name(x001))}\s+75% \(3\)\s")
    assert has_line(body_text, rf"^\s*2\s+{re.escape(short_name(x002))}\s+100%\s")
    group = annex[annex.index(x001) : annex.index(x002)]
    assert has_line(group, rf"^\s*3\s+{DEPARTMENT}\s+75% \(3\)\s"), "x001's Phòng Kinh tế, in the annex"
    page = evaluation_page(text)
    assert has_line(page, rf"(^|\s)1\s+{re.escape(short_name(x002))}\s") and ranks_on(page) == set(
        range(1, 31)
    )

    book = openpyxl.load_workbook(
        io.BytesIO((await api.get("/v1/reports/monthly.xlsx", params=MARCH)).content)
    )
    [kt_online] = [
        row for row in book["Phụ lục - đơn vị cấp dưới"].iter_rows(min_row=7, values_only=True)
        if row[1:4] == (x001, DEPARTMENT, "Tỷ lệ hồ sơ trực tuyến")
    ]  # fmt: skip
    assert kt_online[4:7] == (0.75, 15, 20) and kt_online[9] == 3
    html = (await api.get("/v1/reports/monthly.html", params=MARCH)).text
    assert '<td class="n missed">75% (3)</td>' in html[html.index("CHỦ TỊCH") :]


async def test_the_evaluation_reads_the_communes_only_and_ranks_as_with_every_unit(
    thirty: tuple[Plan, httpx.AsyncClient], store: Store
) -> None:
    """Ranking a province needs its communes' counts, not its departments': read alone, the
    evaluation asks for the province and its 30 communes; it ranks exactly as from the
    counts of every unit, and after the plan part has read those, it reads nothing more."""
    plan, _ = thirty
    report, now = parse_report_period(MARCH["period"], 14), datetime(2026, 4, 20, tzinfo=LOCAL_TZ)
    alone = Facts(store, plan)
    near = alone.counts(PROVINCE_CODE, report, now, children_only=True)
    assert sorted(near) == sorted([PROVINCE_CODE, *plan.children[PROVINCE_CODE]])
    whole = Facts(store, plan)
    every = whole.counts(PROVINCE_CODE, report, now)
    assert len(every) == len(plan.descendants(PROVINCE_CODE)) > len(near)
    assert near == {code: every[code] for code in near}
    assert evaluation.build(alone, PROVINCE_CODE, report, now) == evaluation.build(
        whole, PROVINCE_CODE, report, now
    )
    assert whole.counts(PROVINCE_CODE, report, now, children_only=True) is every, "read once per document"
