"""The reports through the API: the JSON of SPEC section 8, and the files as a commune uses
them, opened with openpyxl, printed to PDF by LibreOffice (read back with pdftotext), and the
.html rendered by headless Chromium (not blank, no console errors)."""

from __future__ import annotations

import asyncio
import io
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
import redis.asyncio as aredis
import uvicorn
from PIL import Image

from tthc_cli import report_command
from tthc_contract.http_server import server_config
from tthc_contract.plan import Plan
from tthc_metrics.api import create_api
from tthc_metrics.reports.figures import KEYS
from tthc_metrics.reports.parts.bieu06 import COLUMN_NUMBERS
from tthc_metrics.reports.parts.bieu06 import COLUMNS as BIEU06_COLUMNS
from tthc_metrics.store import Store
from tthc_metrics.writer import Writer

from ..servers import free_port, installed
from .events import received, resolved, t
from .report_sheets import Cells, check_ranking_sheet, check_scorecard_sheet, header_row, plan_rows
from .test_api import state
from .test_bieu06 import march_history
from .test_indicators import store_events

pytestmark = pytest.mark.asyncio
MARCH = {"unit": "dong-phu", "period": "2026-03/ky"}
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--enable-logging=stderr", "--v=0",
]  # fmt: skip


async def seed(writer: Writer) -> None:
    events = march_history()
    events += [
        received(f"KT-{i}", t("2026-03-03 08:00"), channel="online_full" if i < 8 else "in_person")
        for i in range(10)
    ]
    events += [resolved(f"KT-{i}", t("2026-03-05 08:00")) for i in range(10)]
    await store_events(writer, events)


@pytest.fixture
async def api(
    store: Store, redis: aredis.Redis, plan: Plan, writer: Writer
) -> AsyncIterator[httpx.AsyncClient]:
    await seed(writer)
    app = create_api(state(store, redis, plan, writer))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://metrics", timeout=60
    ) as client:
        yield client
    app.state.render_pool.close()
    app.state.report_store.close()


async def test_the_plan_report_of_a_calendar_period_is_what_indicators_answer(
    api: httpx.AsyncClient, plan: Plan
) -> None:
    body = (await api.get("/v1/reports/plan", params={"unit": "dong-phu", "period": "2026-03"})).json()
    for unit in body["units"]:
        indicators = (
            await api.get("/v1/indicators", params={"unit": unit["unit"], "period": "2026-03"})
        ).json()["indicators"]
        assert [{k: v for k, v in i.items() if k != "shortfall"} for i in unit["indicators"]] == indicators
    kt = next(u for u in body["units"] if u["unit"] == "kt")["indicators"][0]
    assert (kt["numerator"], kt["denominator"], kt["met"]) == (11, 17, False) and kt[
        "shortfall"
    ] == 5  # ⌈0.9 × 17⌉ − 11


@pytest.mark.parametrize(
    ("params", "status", "error"),
    [
        ({"period": "2026-13"}, 400, "bad_period"),
        ({"period": "2026-03/kx"}, 400, "bad_period"),
        ({"from": "2026-03-05"}, 400, "bad_period"),
        ({"from": "2026-03-05", "to": "2026-03-01"}, 400, "bad_period"),
        ({"unit": "nowhere"}, 404, "unknown_unit"),
    ],
)
async def test_bad_periods_and_units(
    api: httpx.AsyncClient, params: dict[str, str], status: int, error: str
) -> None:
    response = await api.get("/v1/reports/bieu-06", params=params)
    assert response.status_code == status and response.json()["error"] == error
    assert (await api.get("/v1/reports/monthly.pdf")).status_code == 404
    assert (await api.get("/v1/reports/nothing")).json()["error"] == "unknown_report"


SHEETS = {
    "bieu-06": ["Biểu 06"],
    "plan": ["Chỉ tiêu kế hoạch"],
    "evaluation": ["Đánh giá, xếp loại"],
    "scorecard": ["Ước tính điểm 766", "Xếp hạng 766"],
    "monthly": ["Chỉ tiêu kế hoạch", "Biểu 06", "Đánh giá, xếp loại", "Ước tính điểm 766", "Xếp hạng 766"],
}


@pytest.mark.parametrize("name", list(SHEETS))
async def test_every_workbook_matches_the_json(api: httpx.AsyncClient, name: str) -> None:
    response = await api.get(f"/v1/reports/{name}.xlsx", params=MARCH)
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == SHEETS[name]
    checks = {
        "Biểu 06": check_bieu06_sheet,
        "Chỉ tiêu kế hoạch": check_plan_sheet,
        "Đánh giá, xếp loại": check_evaluation_sheet,
        "Ước tính điểm 766": check_scorecard_sheet,
        "Xếp hạng 766": check_ranking_sheet,
    }
    parts = {"Biểu 06": "bieu-06", "Chỉ tiêu kế hoạch": "plan", "Đánh giá, xếp loại": "evaluation"}
    for sheet in book.worksheets:
        body = (await api.get(f"/v1/reports/{parts.get(sheet.title, 'scorecard')}", params=MARCH)).json()
        cells = {(c.row, c.column): c.value for row in sheet.iter_rows() for c in row if c.value is not None}
        assert any("Từ ngày 15/02/2026 đến ngày 14/03/2026" in str(v) for v in cells.values())
        checks[sheet.title](cells, body)
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
        # One page wide (fitToWidth is 1 when absent: the OOXML default), as many long as needed.
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0
        if sheet.title == "Biểu 06":
            check_bieu06_header(sheet, cells)


def check_bieu06_header(sheet: Any, cells: Cells) -> None:
    numbers_row = header_row(cells, "(1)")
    assert [cells[(numbers_row, col)] for col in range(1, 14)] == list(COLUMN_NUMBERS)
    assert [cells[(numbers_row - 1, col)] for col in range(3, 14)] == list(BIEU06_COLUMNS)
    top = numbers_row - 2
    merged = {str(r) for r in sheet.merged_cells.ranges}
    spans = {f"A{top}:A{top + 1}", f"B{top}:B{top + 1}", f"C{top}:F{top}", f"G{top}:J{top}", f"K{top}:M{top}"}
    assert spans <= merged


def check_bieu06_sheet(cells: Cells, bieu: dict[str, Any]) -> None:
    numbers_row = header_row(cells, "(1)")
    for offset, line in enumerate([*bieu["rows"], bieu["total"]], 1):
        values = [cells.get((numbers_row + offset, col), 0) for col in range(3, 14)]
        assert values == [line[k] for k in KEYS] and all(isinstance(v, int) for v in values)
    assert cells[(numbers_row + len(bieu["rows"]) + 1, 2)] == "Tổng cộng"


def check_plan_sheet(cells: Cells, body: dict[str, Any]) -> None:
    top = header_row(cells, "STT")
    rows = plan_rows(body)
    for number, item in enumerate(rows, 1):
        line = [cells.get((top + number, col)) for col in range(1, 10)]
        assert line[:3] == [number, item["unit"], item["name"]]
        assert line[4:6] == [item["numerator"], item["denominator"]]
        assert line[6] == (item["target"] if item["target"] is not None else "—")
        assert line[8] == (item["shortfall"] if item["met"] is False else None), item
    assert (top + len(rows) + 1, 1) not in cells


def check_evaluation_sheet(cells: Cells, body: dict[str, Any]) -> None:
    top = header_row(cells, "Xếp hạng")
    for offset, unit in enumerate(body["units"], 1):
        line = [cells.get((top + offset, col)) for col in range(1, 7)]
        assert line[:4] == [unit["rank"], unit["name"], unit["met"], unit["judged"]]
        assert line[4] == (unit["score"] if unit["score"] is not None else "—") and line[5] == unit["rating"]
    assert (top + len(body["units"]) + 1, 1) not in cells


def pdf_text(path: Path) -> str:
    pdftotext = installed("pdftotext", package="poppler-utils")
    return subprocess.run(
        [pdftotext, "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def screenshot(html: Path, png: Path, workdir: Path) -> str:
    chromium = installed("chromium", "chromium-browser", package="chromium")
    result = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={workdir / 'chromium'}", "--window-size=1200,1600", f"--screenshot={png}", html.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return result.stderr


def console_errors(log: str) -> list[str]:
    return [line for line in log.splitlines() if ":CONSOLE" in line]


def ink(png: Path) -> float:
    """The share of pixels that are not background white."""
    image = Image.open(png).convert("L")
    histogram = image.histogram()
    return 1 - sum(histogram[245:]) / sum(histogram)


async def test_chromium_renders_the_page_without_console_errors(
    api: httpx.AsyncClient, tmp_path: Path
) -> None:
    page = await api.get("/v1/reports/monthly.html", params=MARCH)
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    html = tmp_path / "monthly.html"
    html.write_bytes(page.content)
    log = await asyncio.to_thread(screenshot, html, tmp_path / "page.png", tmp_path)
    assert console_errors(log) == []
    assert ink(tmp_path / "page.png") > 0.03, "the page is not blank"
    # The checks can fail: a blank page and a page with an error are told apart.
    blank = tmp_path / "blank.html"
    blank.write_text("<html><body><script>nosuchfunction()</script></body></html>")
    log = await asyncio.to_thread(screenshot, blank, tmp_path / "blank.png", tmp_path)
    assert console_errors(log) and ink(tmp_path / "blank.png") < 0.01


async def test_tthc_report_writes_the_files_and_a_png_of_the_first_page(
    store: Store, redis: aredis.Redis, plan: Plan, writer: Writer, tmp_path: Path
) -> None:
    await seed(writer)
    port = free_port()
    app = create_api(state(store, redis, plan, writer))
    server = uvicorn.Server(server_config(app, "127.0.0.1", port))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.02)
    try:
        parser = __import__("tthc_cli.main", fromlist=["build_parser"]).build_parser()
        args = parser.parse_args(
            [
                "report",
                "--url",
                f"http://127.0.0.1:{port}",
                "--period",
                "2026-03/ky",
                "--out",
                str(tmp_path / "out"),
                "--png",
                "--no-progress",
            ]
        )
        assert await asyncio.to_thread(report_command.run, args) == 0
    finally:
        server.should_exit = True
        await task
        app.state.render_pool.close()
        app.state.report_store.close()
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == [f"monthly_dong-phu_2026-03-ky.{ext}" for ext in ("docx", "html", "pdf", "png", "xlsx")]
    assert ink(tmp_path / "out" / "monthly_dong-phu_2026-03-ky.png") > 0.03
    assert "Biểu số 06/VPCP/KSTT" in pdf_text(tmp_path / "out" / "monthly_dong-phu_2026-03-ky.pdf")


@pytest.mark.clock
async def test_the_current_period_for_links_that_roll_over(api: httpx.AsyncClient) -> None:
    from tthc_contract.periods import period_of

    from ..clock import local_now

    before = period_of(local_now(), "quarter")
    body = (await api.get("/v1/reports/evaluation", params={"period": "current", "kind": "quarter"})).json()
    after = period_of(local_now(), "quarter")
    assert body["from"] in (before.first_day.isoformat(), after.first_day.isoformat())
    bad = await api.get("/v1/reports/plan", params={"period": "current", "kind": "week"})
    assert bad.status_code == 400
