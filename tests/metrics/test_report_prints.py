"""Every report file printed to PDF by the real LibreOffice, read back with pdftotext.

Each .docx and each .xlsx of SPEC section 8 is printed; its text must hold its titles with
their diacritics and the figures of the JSON, each table row on one printed line (pdftotext
``-layout`` keeps lines; long names may wrap onto the next line, numbers do not).
"""

from __future__ import annotations

import asyncio
import re
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from tthc_cli import report_command
from tthc_contract.vietnamese import number, percent
from tthc_metrics.reports.figures import KEYS
from tthc_metrics.reports.labels import short_name
from tthc_metrics.reports.parts import bieu06, evaluation, plan, scorecard

from ..servers import installed
from .report_sheets import plan_rows
from .test_report_files import MARCH, api, pdf_text  # noqa: F401 - api: the fixture

BIEU06_TITLE, COLUMN_NUMBERS = bieu06.TITLE.upper(), bieu06.COLUMN_NUMBERS
PLAN_TITLE, EVALUATION_TITLE, SCORECARD_TITLE = (p.TITLE.upper() for p in (plan, evaluation, scorecard))
PARTS = ("bieu-06", "plan", "evaluation", "scorecard")
PERIOD_LINE = "Từ ngày 15/02/2026 đến ngày 14/03/2026"
MONTHLY_PHRASES = (
    "UBND XÃ ĐỒNG PHÚ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Đồng Phú, ngày",
    "BÁO CÁO", "Biểu số 06/VPCP/KSTT", "Tổng cộng", "Lĩnh vực khác", "Nơi nhận:", "TM. ỦY BAN NHÂN DÂN",
    "CHỦ TỊCH", "Xếp loại", "Tỷ lệ hồ sơ trực tuyến", "ƯỚC TÍNH ĐIỂM BỘ CHỈ SỐ 766", "điểm ước tính",
)  # fmt: skip


def page_size(pdf: Path) -> tuple[int, int]:
    info = subprocess.run(
        [installed("pdfinfo", package="poppler-utils"), str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    found = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert found, info
    return round(float(found[1])), round(float(found[2]))


def has_line(text: str, pattern: str) -> bool:
    return re.search(pattern, text, re.MULTILINE) is not None


def check_bieu06(text: str, body: dict[str, Any]) -> None:
    assert BIEU06_TITLE in text and "Tổng cộng" in text
    for line in [*body["rows"], body["total"]]:
        numbers = r"\s+".join(str(line[k]) for k in KEYS)
        assert has_line(text, rf"\s{numbers}\s*$"), f"a printed row reads {numbers}"


def check_plan(text: str, body: dict[str, Any], ext: str) -> None:
    assert PLAN_TITLE in text
    if ext == "xlsx":  # every unit and indicator, counts in their own columns
        for number_, row in enumerate(plan_rows(body), 1):
            assert has_line(text, rf"^\s*{number_}\s.*\s{row['numerator']}\s+{row['denominator']}(\s|—|$)"), (
                row
            )
        return
    # The document: the unit's own results, then a row per unit below: every indicator, a
    # target missed with the cases still needed in brackets.
    own, *below = body["units"]
    for number_, row in enumerate(own["indicators"], 1):
        fraction = f"{number(row['numerator'])}/{number(row['denominator'])}"
        assert has_line(text, rf"^\s*{number_}\s.*\s{re.escape(fraction)}(\s|—|$)"), row
    for number_, unit in enumerate(below, 1):
        cells = [re.escape(cell_text(i)) for i in unit["indicators"]]
        assert has_line(text, rf"^\s*{number_}\s.*" + r"\s+".join(cells) + r"\s*$"), unit
        assert set(short_name(unit["name"]).split()) <= set(text.split()), unit["name"]


def cell_text(item: dict[str, Any]) -> str:
    """A cell of the table of the units below, as the SPEC's figures say it must read."""
    if item["value"] is None:
        return "—"
    shown = percent(item["value"])
    return f"{shown} ({number(item['shortfall'])})" if item["met"] is False else shown


def check_scorecard(text: str, body: dict[str, Any], ext: str) -> None:
    assert SCORECARD_TITLE in text and "ước tính" in text
    for unit in body["ranking"]["units"]:
        assert has_line(text, rf"^\s*{unit['rank']}\s.*\s{unit['known_max']}\s"), unit
    if ext == "xlsx":
        return
    card = body["scorecard"]
    words = set(text.split())
    for group in card["groups"]:
        points = f"{group['points']:.2f}".rstrip("0").rstrip(".").replace(".", ",")
        assert has_line(
            text,
            rf"^\s*\d\s+{re.escape(group['name'])}\s+{group['max']}\s+{group['known_max']}\s+{points}\s*$",
        ), group
    for item in card["groups"][0]["items"]:
        if item["points"] is None:  # named among the items that cannot be known
            assert set(item["name"].split()) <= words, item["name"]


def check_evaluation(text: str, body: dict[str, Any]) -> None:
    assert EVALUATION_TITLE in text
    words = set(text.split())
    for unit in body["units"]:
        assert has_line(text, rf"^\s*{unit['rank']}\s.*?\s{unit['met']}\s+{unit['judged']}(\s|—|$)"), unit
        assert set(unit["name"].split()) <= words and set(unit["rating"].split()) <= words, unit


def check(text: str, stem: str, ext: str, bodies: dict[str, dict[str, Any]]) -> None:
    assert PERIOD_LINE in text
    for part in PARTS if stem == "monthly" else (stem,):
        if part == "bieu-06":
            check_bieu06(text, bodies[part])
        elif part == "plan":
            check_plan(text, bodies[part], ext)
        elif part == "scorecard":
            check_scorecard(text, bodies[part], ext)
        else:
            check_evaluation(text, bodies[part])


async def test_libreoffice_prints_every_document_with_its_figures(
    api: httpx.AsyncClient,  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    installed("soffice", "libreoffice", package="libreoffice-writer libreoffice-calc")
    bodies = {part: (await api.get(f"/v1/reports/{part}", params=MARCH)).json() for part in PARTS}
    for ext in ("docx", "xlsx"):  # a folder each: monthly.docx and monthly.xlsx print to monthly.pdf
        folder = tmp_path / ext
        folder.mkdir()
        sources = []
        for stem in ("monthly", *PARTS):
            response = await api.get(f"/v1/reports/{stem}.{ext}", params=MARCH)
            assert response.status_code == 200, response.text
            sources.append(folder / f"{stem}.{ext}")
            sources[-1].write_bytes(response.content)
        pdfs = await asyncio.to_thread(report_command.print_to_pdf, sources)
        for source, pdf in zip(sources, pdfs, strict=True):
            text = await asyncio.to_thread(pdf_text, pdf)
            check(text, source.stem, ext, bodies)
            if ext == "xlsx":
                assert page_size(pdf) == (842, 595), f"{source.name}: A4 landscape"
            if source.name == "bieu-06.xlsx":
                first_page = text.split("\f")[0]
                assert all(n in first_page for n in COLUMN_NUMBERS), (
                    "all thirteen columns on one page's width"
                )
                assert "bưu chính" in first_page
        monthly = await asyncio.to_thread(pdf_text, folder / "monthly.pdf")
        if ext == "docx":
            for phrase in MONTHLY_PHRASES:
                assert phrase in monthly, phrase
            assert page_size(folder / "monthly.pdf") == (595, 842), "monthly.docx: A4 portrait first"


def test_the_checks_fail_on_a_wrong_figure() -> None:
    body = {"rows": [], "total": dict.fromkeys(KEYS, 1)}
    printed = f"{BIEU06_TITLE}\nTổng cộng  " + "  ".join("1" for _ in KEYS) + "\n"
    check_bieu06(printed, body)
    with pytest.raises(AssertionError):
        check_bieu06(printed.replace("  1\n", "  2\n"), body)


def test_the_checks_fail_on_a_wrong_shortfall() -> None:
    item = {"code": "online_rate", "numerator": 15, "denominator": 20, "value": 0.75, "target": 0.9}
    item |= {"met": False, "shortfall": 3}
    body = {
        "units": [
            {"name": "UBND tỉnh", "indicators": [item]},
            {"name": "UBND xã Tân Lập", "indicators": [item]},
        ]
    }
    printed = (
        f"{PLAN_TITLE}\n 1  Tỷ lệ hồ sơ trực tuyến  75%  15/20  90%  Chưa đạt  3\n 1  Xã Tân Lập  75% (3)\n"
    )
    check_plan(printed, body, "docx")
    with pytest.raises(AssertionError):
        check_plan(printed.replace("(3)", "(4)"), body, "docx")
