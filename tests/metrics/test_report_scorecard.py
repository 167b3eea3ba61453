"""The part «Ước tính điểm Bộ chỉ số 766» of the monthly report and the files
``/v1/scorecard.{xlsx,html}``, ``/v1/scorecard/ranking.{xlsx,html}`` (SPEC section 10): they
show the JSON's figures, say they are an estimate, and name the items that cannot be known;
a report period is scored on the calendar period it corresponds to."""

from __future__ import annotations

import html as html_text
import io
from typing import Any

import httpx
import openpyxl
import pytest

from tthc_contract.report_periods import between, parse_report_period
from tthc_metrics.reports.labels import points_text
from tthc_metrics.reports.parts.scorecard import ESTIMATE, WHY_UNKNOWN, calendar_of

from .report_sheets import check_ranking_sheet, check_scorecard_sheet
from .test_report_files import api  # noqa: F401 - api: the fixture

MARCH = {"period": "2026-03"}


@pytest.mark.parametrize(
    ("asked", "scored"),
    [
        ("2026-03", "2026-03"),
        ("2026-Q1", "2026-Q1"),
        ("2026", "2026"),
        ("2026-03/ky", "2026-03"),  # 15 Feb – 14 Mar: the month it ends in, named after
        ("2026-Q1/ky", "2026-Q1"),  # 15 Dec 2025 – 14 Mar 2026
        ("2026/ky", "2026"),  # 15 Dec 2025 – 14 Dec 2026
        ("2026-03-01..2026-03-05", "2026-03"),  # within a month: that month
        ("2026-02-20..2026-03-05", "2026-Q1"),  # across months of a quarter: the quarter
        ("2026-03-20..2026-04-05", "2026"),  # across quarters: the year
        ("2025-12-15..2026-01-14", "2026"),  # across years: the year it ends in
    ],
)
def test_a_report_period_is_scored_on_its_calendar_period(asked: str, scored: str) -> None:
    report = between(*asked.split("..")) if ".." in asked else parse_report_period(asked, 14)
    assert calendar_of(report).code == scored


def unknown_items(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [i for g in card["groups"] for i in g["items"] if i["points"] is None]


async def test_the_files_show_the_estimate_and_the_ranking_of_the_json(api: httpx.AsyncClient) -> None:  # noqa: F811
    card = (await api.get("/v1/scorecard", params=MARCH)).json()
    ranking = (await api.get("/v1/scorecard/ranking", params=MARCH)).json()
    assert unknown_items(card), "the shipped plan leaves published items unknown"

    workbook = await api.get("/v1/scorecard.xlsx", params=MARCH)
    assert workbook.headers["content-type"].startswith("application/vnd.openxmlformats")
    disposition = "attachment; filename*=UTF-8''diem-766_dong-phu_2026-03.xlsx"
    assert workbook.headers["content-disposition"] == disposition
    [sheet] = openpyxl.load_workbook(io.BytesIO(workbook.content)).worksheets
    check_scorecard_sheet(cells_of(sheet), {"scorecard": card})
    [sheet] = openpyxl.load_workbook(
        io.BytesIO((await api.get("/v1/scorecard/ranking.xlsx", params=MARCH)).content)
    ).worksheets
    check_ranking_sheet(cells_of(sheet), {"ranking": ranking})

    page = await api.get("/v1/scorecard.html", params=MARCH)
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    text = html_text.unescape(page.text)
    assert (
        ESTIMATE in text and f"Tổng điểm ước tính: {points_text(card['total'])}/{card['known_max']}" in text
    )
    for group in card["groups"]:
        assert f'<td>{group["name"]}</td><td class="n">{group["max"]}</td>' in text
    for item in unknown_items(card):
        assert f"{item['name']} ({item['max']} điểm; {WHY_UNKNOWN[item['basis']]})" in text
    ranked = html_text.unescape((await api.get("/v1/scorecard/ranking.html", params=MARCH)).text)
    assert ESTIMATE in ranked
    for unit in ranking["units"]:
        assert (
            f'<td class="c">{unit["rank"]}</td><td>{unit["name"]}</td><td class="n">{points_text(unit["total"])}</td>'
            in ranked
        )


async def test_the_monthly_report_has_the_part_in_every_format(api: httpx.AsyncClient) -> None:  # noqa: F811
    part = (await api.get("/v1/reports/scorecard", params={"period": "2026-03/ky"})).json()
    assert (part["period"], part["scorecard"]["estimate"]) == ("2026-03", True)
    page = html_text.unescape(
        (await api.get("/v1/reports/monthly.html", params={"period": "2026-03/ky"})).text
    )
    assert "IV. ƯỚC TÍNH ĐIỂM BỘ CHỈ SỐ 766" in page and ESTIMATE in page
    costliest = sorted(
        (i for g in part["scorecard"]["groups"] for i in g["items"] if i["lost"]), key=lambda i: -i["lost"]
    )[:5]
    section = page[page.index("2. Các chỉ tiêu mất nhiều điểm nhất") :]
    assert [section.index(i["name"]) for i in costliest] == sorted(
        section.index(i["name"]) for i in costliest
    )
    assert "3. Xếp hạng ước tính các đơn vị trực thuộc" in page
    book = openpyxl.load_workbook(
        io.BytesIO((await api.get("/v1/reports/scorecard.xlsx", params={"period": "2026-03/ky"})).content)
    )
    assert book.sheetnames == ["Ước tính điểm 766", "Xếp hạng 766"]
    check_scorecard_sheet(cells_of(book.worksheets[0]), part)


def cells_of(sheet: Any) -> dict[tuple[int, int], Any]:
    return {(c.row, c.column): c.value for row in sheet.iter_rows() for c in row if c.value is not None}
