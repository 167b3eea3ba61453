"""The part Biểu 06 «Tình hình, kết quả giải quyết thủ tục hành chính» (SPEC section 8), in the
layout of Biểu số 06/VPCP/KSTT: the merged two-row header, the row of column numbers
(1)…(13), a row per lĩnh vực and the total, on a landscape page of its own."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

from xlsxwriter.workbook import Workbook

from tthc_contract.report_bodies import BIEU06_KEYS, Bieu06
from tthc_contract.report_periods import ReportPeriod
from tthc_contract.vietnamese import day, number

from .. import docx_kit, labels, model, xlsx_kit
from ..docx_kit import Cell, CellLike
from ..figures import bieu06_rows
from .base import Context, Facts, Part

TITLE = "Tình hình, kết quả giải quyết thủ tục hành chính"
FORM = "Biểu số 06/VPCP/KSTT"
UNIT = "Đơn vị tính: Số hồ sơ TTHC"
SHEET = "Biểu 06"
GROUPS = (
    ("STT", 1),
    ("Lĩnh vực, công việc giải quyết theo cấp", 1),
    ("Số hồ sơ nhận giải quyết", 4),
    ("Số hồ sơ đã giải quyết", 4),
    ("Số hồ sơ đang giải quyết", 3),
)
"""The first header row: each group and the columns it spans (STT and Lĩnh vực span two rows)."""
COLUMNS = (
    "Tổng số",
    "Trong kỳ: Trực tuyến",
    "Trong kỳ: Trực tiếp, dịch vụ bưu chính",
    "Từ kỳ trước",
    "Tổng số",
    "Trước hạn",
    "Đúng hạn",
    "Quá hạn",
    "Tổng số",
    "Trong hạn",
    "Quá hạn",
)
"""The second header row, columns (3) to (13), in the order of ``BIEU06_KEYS``."""
COLUMN_NUMBERS = tuple(f"({n})" for n in range(1, 14))
KEYS = BIEU06_KEYS


def build(facts: Facts, unit: str, report: ReportPeriod, now: datetime) -> Bieu06:
    start, end = report.bounds()
    at = min(end, now)
    return model.bieu06(unit, report, at, bieu06_rows(facts.store, facts.plan.descendants(unit), start, at))


def field_name(field: str) -> str:
    return field or model.OTHER_FIELD


def as_of_line(body: Bieu06) -> str:
    at = datetime.fromisoformat(body.as_of)
    return f"Số liệu tính đến {at:%H:%M} ngày {day(at)}."


def docx(doc: Any, body: Bieu06, c: Context) -> None:
    started = docx_kit.layout(doc, landscape=True)
    docx_kit.heading(doc, f"{c.heading(TITLE)} ({FORM})", page_break=not started)
    docx_kit.paragraph(doc, f"{c.document.report.dates_vi}. {UNIT}.", italic=True)
    first: list[CellLike] = [
        Cell(text, bold=True, span=span, merge=None if span > 1 else "restart") for text, span in GROUPS
    ]
    second: list[CellLike] = [Cell("", merge="continue"), Cell("", merge="continue"), *COLUMNS]
    numbers: list[CellLike] = [Cell(n, italic=True) for n in COLUMN_NUMBERS]
    rows: list[list[CellLike]] = [
        [str(n), _field_cell(r.field), *(number(r.count(k)) for k in KEYS)]
        for n, r in enumerate(body.rows, 1)
    ]
    rows.append(
        [
            "",
            Cell(labels.TOTAL_ROW, bold=True, left=True),
            *(Cell(number(body.total.count(k)), bold=True) for k in KEYS),
        ]
    )
    docx_kit.table(doc, [first, second, numbers], rows, (1.2, 5.0, *([1.8] * 11)), size=11)
    docx_kit.note(doc, as_of_line(body))


def _field_cell(field: str) -> Cell:
    return Cell(field_name(field), left=True)


def xlsx(book: Workbook, styles: xlsx_kit.Styles, body: Bieu06, c: Context) -> None:
    sheet = book.add_worksheet(SHEET)
    sheet.write(0, 11, FORM, styles.plain)
    top = xlsx_kit.heading(sheet, styles, c.lines, TITLE.upper(), 13)
    sheet.write(top - 1, 10, UNIT, styles.plain)
    column = 0
    for text, span in GROUPS:
        if span == 1:
            sheet.merge_range(top, column, top + 1, column, text, styles.head)
        else:
            sheet.merge_range(top, column, top, column + span - 1, text, styles.head)
        column += span
    for offset, text in enumerate(COLUMNS):
        sheet.write(top + 1, 2 + offset, text, styles.head)
    for offset, text in enumerate(COLUMN_NUMBERS):
        sheet.write(top + 2, offset, text, styles.numbers)
    row = top + 3
    for n, line in enumerate(body.rows, 1):
        sheet.write_number(row, 0, n, styles.count)
        sheet.write_string(row, 1, field_name(line.field), styles.text)
        for offset, key in enumerate(KEYS):
            sheet.write_number(row, 2 + offset, line.count(key), styles.count)
        row += 1
    sheet.write_blank(row, 0, None, styles.total_text)
    sheet.write_string(row, 1, labels.TOTAL_ROW, styles.total_text)
    for offset, key in enumerate(KEYS):
        sheet.write_number(row, 2 + offset, body.total.count(key), styles.total_count)
    sheet.write(row + 2, 0, as_of_line(body), styles.plain)
    sheet.set_column(0, 0, 5)
    sheet.set_column(1, 1, 34)
    sheet.set_column(2, 12, 11)
    sheet.set_row(top + 1, 64)
    xlsx_kit.print_setup(sheet, (top, top + 2))


PART = Part(
    name="bieu06",
    stem="bieu-06",
    title=TITLE,
    body=Bieu06,
    build=build,
    docx=docx,
    xlsx=xlsx,
    template="parts/bieu06.html.j2",
    helpers=sys.modules[__name__],
)
