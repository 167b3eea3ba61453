"""The reports as an ``.xlsx`` workbook (XlsxWriter): a sheet per part.

Biểu 06 in the layout of Biểu số 06/VPCP/KSTT: the title, the "Từ ngày … đến ngày …" line,
the merged two-row header, the row of column numbers (1)…(13), a row per lĩnh vực and the
total. Numbers are numbers (rates are numbers formatted as percentages); every sheet prints
on A4 landscape, one page wide, with its header rows repeated on each page.
"""

from __future__ import annotations

import io
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from tthc_contract.vietnamese import day

from . import labels
from .figures import KEYS
from .service import ReportDocument

FONT = "Times New Roman"


class _Styles:
    def __init__(self, book: Any) -> None:
        base = {"font_name": FONT, "font_size": 12, "valign": "vcenter"}
        cell = {**base, "border": 1}
        self.title = book.add_format({**base, "bold": True, "font_size": 14, "align": "center"})
        self.centered = book.add_format({**base, "align": "center", "italic": True})
        self.plain = book.add_format(base)
        self.head = book.add_format({**cell, "bold": True, "align": "center", "text_wrap": True})
        self.numbers = book.add_format({**cell, "align": "center", "italic": True})
        self.text = book.add_format({**cell, "text_wrap": True})
        self.count = book.add_format({**cell, "num_format": "#,##0"})
        self.rate = book.add_format({**cell, "num_format": "0.0%"})
        self.total_text = book.add_format({**cell, "bold": True})
        self.total_count = book.add_format({**cell, "bold": True, "num_format": "#,##0"})


def render(document: ReportDocument) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.set_properties({"title": f"Báo cáo {document.report.label_vi}", "author": document.org_name})
    styles = _Styles(book)
    if document.plan is not None:
        _plan(book.add_worksheet("Chỉ tiêu kế hoạch"), styles, document)
    if document.bieu06 is not None:
        _bieu06(book.add_worksheet("Biểu 06"), styles, document)
    if document.evaluation is not None:
        _evaluation(book.add_worksheet("Đánh giá, xếp loại"), styles, document)
    book.close()
    return out.getvalue()


def _print_setup(sheet: Worksheet, header_rows: tuple[int, int]) -> None:
    sheet.set_paper(9)  # A4
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)  # one page wide, as many pages long as needed
    sheet.set_margins(left=0.6, right=0.4, top=0.6, bottom=0.6)
    sheet.repeat_rows(*header_rows)
    sheet.center_horizontally()


def _heading(sheet: Worksheet, styles: _Styles, document: ReportDocument, title: str, width: int) -> int:
    sheet.merge_range(0, 0, 0, width - 1, document.org_name.upper(), styles.plain)
    sheet.merge_range(1, 0, 1, width - 1, title, styles.title)
    sheet.merge_range(
        2, 0, 2, width - 1, f"{document.unit_name} — {document.report.label_vi}", styles.centered
    )
    sheet.merge_range(3, 0, 3, width - 1, document.report.dates_vi, styles.centered)
    return 5


def _bieu06(sheet: Worksheet, styles: _Styles, document: ReportDocument) -> None:
    body = document.bieu06
    assert body is not None
    sheet.write(0, 11, labels.BIEU06_FORM, styles.plain)
    top = _heading(sheet, styles, document, labels.BIEU06_TITLE, 13)
    sheet.write(top - 1, 10, labels.BIEU06_UNIT, styles.plain)
    column = 0
    for text, span in labels.BIEU06_GROUPS:
        if span == 1:
            sheet.merge_range(top, column, top + 1, column, text, styles.head)
        else:
            sheet.merge_range(top, column, top, column + span - 1, text, styles.head)
        column += span
    for offset, text in enumerate(labels.BIEU06_COLUMNS):
        sheet.write(top + 1, 2 + offset, text, styles.head)
    for offset, text in enumerate(labels.COLUMN_NUMBERS):
        sheet.write(top + 2, offset, text, styles.numbers)
    row = top + 3
    for number, line in enumerate(body["rows"], 1):
        sheet.write_number(row, 0, number, styles.count)
        sheet.write_string(row, 1, labels.field_name(line["field"]), styles.text)
        for offset, key in enumerate(KEYS):
            sheet.write_number(row, 2 + offset, line[key], styles.count)
        row += 1
    sheet.write_blank(row, 0, None, styles.total_text)
    sheet.write_string(row, 1, labels.TOTAL_ROW, styles.total_text)
    for offset, key in enumerate(KEYS):
        sheet.write_number(row, 2 + offset, body["total"][key], styles.total_count)
    sheet.write(
        row + 2, 0, f"Số liệu tính đến {day(_as_of(body))} (lúc {body['as_of'][11:16]}).", styles.plain
    )
    sheet.set_column(0, 0, 5)
    sheet.set_column(1, 1, 34)
    sheet.set_column(2, 12, 11)
    sheet.set_row(top + 1, 64)
    _print_setup(sheet, (top, top + 2))


def _plan(sheet: Worksheet, styles: _Styles, document: ReportDocument) -> None:
    assert document.plan is not None
    top = _heading(sheet, styles, document, labels.PLAN_TITLE, len(labels.PLAN_COLUMNS))
    for offset, text in enumerate(labels.PLAN_COLUMNS):
        sheet.write(top, offset, text, styles.head)
    for number, item in enumerate(labels.plan_rows(document.plan), 1):
        row = top + number
        sheet.write_number(row, 0, number, styles.count)
        sheet.write_string(row, 1, item["unit"], styles.text)
        sheet.write_string(row, 2, item["name"], styles.text)
        _rate(sheet, row, 3, item["value"], styles)
        sheet.write_number(row, 4, item["numerator"], styles.count)
        sheet.write_number(row, 5, item["denominator"], styles.count)
        _rate(sheet, row, 6, item["target"], styles)
        sheet.write_string(row, 7, labels.verdict(item), styles.text)
        if item["met"] is False:
            sheet.write_number(row, 8, item["shortfall"], styles.count)
        else:
            sheet.write_blank(row, 8, None, styles.count)
    for column, width in enumerate((5, 30, 36, 10, 9, 9, 11, 16, 10)):
        sheet.set_column(column, column, width)
    _print_setup(sheet, (top, top))


def _evaluation(sheet: Worksheet, styles: _Styles, document: ReportDocument) -> None:
    assert document.evaluation is not None
    top = _heading(sheet, styles, document, labels.EVALUATION_TITLE, len(labels.EVALUATION_COLUMNS))
    for offset, text in enumerate(labels.EVALUATION_COLUMNS):
        sheet.write(top, offset, text, styles.head)
    for number, unit in enumerate(document.evaluation["units"], 1):
        row = top + number
        sheet.write_number(row, 0, unit["rank"], styles.count)
        sheet.write_string(row, 1, unit["name"], styles.text)
        sheet.write_number(row, 2, unit["met"], styles.count)
        sheet.write_number(row, 3, unit["judged"], styles.count)
        _rate(sheet, row, 4, unit["score"], styles)
        sheet.write_string(row, 5, unit["rating"], styles.text)
    for column, width in enumerate((9, 40, 12, 14, 11, 30)):
        sheet.set_column(column, column, width)
    _print_setup(sheet, (top, top))


def _rate(sheet: Worksheet, row: int, column: int, value: float | None, styles: _Styles) -> None:
    if value is None:
        sheet.write_string(row, column, "—", styles.text)
    else:
        sheet.write_number(row, column, value, styles.rate)


def _as_of(body: dict[str, Any]) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(body["as_of"])
