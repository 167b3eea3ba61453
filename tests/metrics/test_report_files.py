"""The reports through the API: the JSON of SPEC section 8, and the files as a commune uses
them, opened with openpyxl, printed to PDF by LibreOffice (read back with pdftotext), and the
.html rendered by headless Chromium (not blank, no console errors)."""

from __future__ import annotations

import asyncio
import io
import re
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

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
from tthc_metrics.reports.labels import BIEU06_COLUMNS, COLUMN_NUMBERS
from tthc_metrics.store import Store
from tthc_metrics.writer import Writer

from ..servers import free_port, installed
from .events import received, resolved, t
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


async def test_json_reports_in_the_spec_shape(api: httpx.AsyncClient) -> None:
    bieu = (await api.get("/v1/reports/bieu-06", params=MARCH)).json()
    assert set(bieu) == {"unit", "from", "to", "as_of", "rows", "total"} and set(bieu["total"]) == set(KEYS)
    assert set(bieu["rows"][0]) == {"field", *KEYS}
    plan_body = (await api.get("/v1/reports/plan", params=MARCH)).json()
    assert set(plan_body) == {"unit", "from", "to", "as_of", "units"}
    assert set(plan_body["units"][0]["indicators"][0]) == {
        "code",
        "numerator",
        "denominator",
        "value",
        "target",
        "met",
        "shortfall",
    }
    evaluation = (await api.get("/v1/reports/evaluation", params=MARCH)).json()
    assert set(evaluation["units"][0]) == {"rank", "unit", "name", "met", "judged", "score", "rating"}
    dates = (await api.get("/v1/reports/bieu-06", params={"from": "2026-03-01", "to": "2026-03-05"})).json()
    assert (dates["from"], dates["to"]) == ("2026-03-01", "2026-03-05")


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


async def test_the_workbook_matches_the_json(api: httpx.AsyncClient) -> None:
    bieu = (await api.get("/v1/reports/bieu-06", params=MARCH)).json()
    response = await api.get("/v1/reports/monthly.xlsx", params=MARCH)
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Chỉ tiêu kế hoạch", "Biểu 06", "Đánh giá, xếp loại"]
    sheet = book["Biểu 06"]
    cells = {(c.row, c.column): c.value for row in sheet.iter_rows() for c in row if c.value is not None}
    numbers_row = next(r for (r, col), v in cells.items() if v == "(1)" and col == 1)
    assert [cells[(numbers_row, col)] for col in range(1, 14)] == list(COLUMN_NUMBERS)
    assert [cells[(numbers_row - 1, col)] for col in range(3, 14)] == list(BIEU06_COLUMNS)
    merged = {str(r) for r in sheet.merged_cells.ranges}
    top = numbers_row - 2
    assert {
        f"A{top}:A{top + 1}",
        f"B{top}:B{top + 1}",
        f"C{top}:F{top}",
        f"G{top}:J{top}",
        f"K{top}:M{top}",
    } <= merged
    assert any("Từ ngày 15/02/2026 đến ngày 14/03/2026" in str(v) for v in cells.values())
    for offset, line in enumerate([*bieu["rows"], bieu["total"]], 1):
        row = numbers_row + offset
        values = [cells.get((row, col), 0) for col in range(3, 14)]
        assert values == [line[k] for k in KEYS] and all(isinstance(v, int) for v in values)
    assert cells[(numbers_row + len(bieu["rows"]) + 1, 2)] == "Tổng cộng"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    # One page wide (fitToWidth is 1 when absent: the OOXML default), as many long as needed.
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0


def pdf_text(path: Path) -> str:
    pdftotext = installed("pdftotext", package="poppler-utils")
    return subprocess.run(
        [pdftotext, "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def libreoffice_pdf(content: bytes, name: str, workdir: Path) -> Path:
    installed("soffice", "libreoffice", package="libreoffice-writer libreoffice-calc")
    source = workdir / name
    source.write_bytes(content)
    return report_command.to_pdf(source)


async def test_libreoffice_prints_the_documents_with_their_figures(
    api: httpx.AsyncClient, tmp_path: Path
) -> None:
    bieu = (await api.get("/v1/reports/bieu-06", params=MARCH)).json()
    docx = await api.get("/v1/reports/monthly.docx", params=MARCH)
    text = await asyncio.to_thread(
        pdf_text, await asyncio.to_thread(libreoffice_pdf, docx.content, "monthly.docx", tmp_path)
    )
    for phrase in ("UBND XÃ ĐỒNG PHÚ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Đồng Phú, ngày",
                   "BÁO CÁO", "Biểu số 06/VPCP/KSTT", "Từ ngày 15/02/2026 đến ngày 14/03/2026", "Tổng cộng", "Lĩnh vực khác",
                   "Nơi nhận:", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Xếp loại", "Tỷ lệ hồ sơ trực tuyến"):  # fmt: skip
        assert phrase in text, phrase
    total = bieu["total"]
    assert f"{total['received_total']}" in text and f"{total['pending_late']}" in text
    xlsx = await api.get("/v1/reports/bieu-06.xlsx", params=MARCH)
    sheet_pdf = await asyncio.to_thread(libreoffice_pdf, xlsx.content, "bieu-06.xlsx", tmp_path)
    sheet_text = await asyncio.to_thread(pdf_text, sheet_pdf)
    first_page = sheet_text.split("\f")[0]
    assert all(n in first_page for n in COLUMN_NUMBERS), "all thirteen columns on the first page's width"
    assert "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in first_page and "bưu chính" in first_page
    info = await asyncio.to_thread(page_info, sheet_pdf)
    width, height = (float(v) for v in re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())  # type: ignore[union-attr]
    assert (round(width), round(height)) == (842, 595), "A4 landscape"


def page_info(pdf: Path) -> str:
    return subprocess.run(
        [installed("pdfinfo", package="poppler-utils"), str(pdf)], capture_output=True, text=True, check=True
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
    server = uvicorn.Server(server_config(create_api(state(store, redis, plan, writer)), "127.0.0.1", port))
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
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == [f"monthly_dong-phu_2026-03-ky.{ext}" for ext in ("docx", "html", "pdf", "png", "xlsx")]
    assert ink(tmp_path / "out" / "monthly_dong-phu_2026-03-ky.png") > 0.03
    assert "Biểu số 06/VPCP/KSTT" in pdf_text(tmp_path / "out" / "monthly_dong-phu_2026-03-ky.pdf")


async def test_the_current_period_for_links_that_roll_over(api: httpx.AsyncClient) -> None:
    from tthc_contract.periods import period_of

    from ..clock import local_now

    before = period_of(local_now(), "quarter")
    body = (await api.get("/v1/reports/evaluation", params={"period": "current", "kind": "quarter"})).json()
    after = period_of(local_now(), "quarter")
    assert body["from"] in (before.first_day.isoformat(), after.first_day.isoformat())
    bad = await api.get("/v1/reports/plan", params={"period": "current", "kind": "week"})
    assert bad.status_code == 400
