"""The part «Kết quả thực hiện các chỉ tiêu của kế hoạch» (SPEC section 8, the plan report).

The JSON lists every unit of the subtree. The documents put in the body the report's unit
(each indicator with its counts, its target and what is still missing) and the units
directly below it (a row each: every indicator and, for a target missed, the cases still
needed); the deeper units go to an annex, grouped under the unit directly below they belong
to. The workbook gives the deeper units a sheet of their own. A province's report then reads
as a province office sends it: its communes in the body, their departments in the annex.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from xlsxwriter.workbook import Workbook

from tthc_contract.indicators import INDICATORS
from tthc_contract.report_bodies import IndicatorResult, PlanReport, PlanUnit
from tthc_contract.report_periods import ReportPeriod
from tthc_contract.vietnamese import number, percent

from .. import docx_kit, labels, model, xlsx_kit
from ..docx_kit import Cell, CellLike
from .base import Annex, Context, Facts, Part

TITLE = "Kết quả thực hiện các chỉ tiêu của kế hoạch"
BELOW = "Kết quả của các đơn vị trực thuộc"
ANNEX_TITLE = "Kết quả thực hiện các chỉ tiêu của các đơn vị cấp dưới"
SHEET, ANNEX_SHEET = "Chỉ tiêu kế hoạch", "Phụ lục - đơn vị cấp dưới"
COLUMNS = ("STT", "Đơn vị", "Chỉ tiêu", "Kết quả", "Đạt", "Tổng", "Chỉ tiêu giao", "Đánh giá", "Còn thiếu")
OWN_COLUMNS = ("STT", "Chỉ tiêu", "Kết quả", "Đạt/Tổng", "Chỉ tiêu giao", "Đánh giá", "Còn thiếu")
MATRIX_COLUMNS = ("STT", "Đơn vị", *(i.name_vi for i in INDICATORS))
LEGEND = (
    "Ô in đậm màu đỏ: chưa đạt chỉ tiêu giao; số trong ngoặc: số hồ sơ (giao dịch thanh toán, "
    "phản ánh, kiến nghị) còn thiếu để đạt chỉ tiêu; «—»: chưa có số liệu."
)
MISSED = "B3261E"


@dataclass(frozen=True, slots=True)
class Row:
    """A row of the workbook: a unit's indicator."""

    unit: str
    name: str
    item: IndicatorResult
    within: str = ""
    """The unit directly below the report's unit that this one belongs to (the annex)."""


def build(facts: Facts, unit: str, report: ReportPeriod, now: datetime) -> PlanReport:
    return model.plan_report(facts.plan, unit, report, now, facts.counts(unit, report, now))


def rows(units: list[PlanUnit], within: str = "") -> list[Row]:
    return [Row(u.name, labels.indicator_name(i.code), i, within) for u in units for i in u.indicators]


def below(body: PlanReport) -> list[PlanUnit]:
    """The units directly below the report's unit (the body of the documents)."""
    return [u for u in body.units if u.depth == 1]


def deeper(body: PlanReport) -> list[tuple[PlanUnit, list[PlanUnit]]]:
    """Each unit directly below with the units below it (the annex), when it has any."""
    groups: list[tuple[PlanUnit, list[PlanUnit]]] = []
    for unit in body.units[1:]:
        if unit.depth == 1:
            groups.append((unit, []))
        elif groups:
            groups[-1][1].append(unit)
    return [(head, units) for head, units in groups if units]


def deeper_named(body: PlanReport) -> list[tuple[str, list[PlanUnit]]]:
    return [(head.name, units) for head, units in deeper(body)]


def has_deeper(body: PlanReport) -> bool:
    return any(u.depth > 1 for u in body.units)


def cell_text(item: IndicatorResult) -> str:
    """«79,7%», «79,7% (13)» for a target missed by 13 cases, «—» without data."""
    if item.value is None:
        return "—"
    return (
        f"{percent(item.value)} ({number(item.shortfall or 0)})" if item.met is False else percent(item.value)
    )


def matrix_name(unit: PlanUnit) -> str:
    """«Xã Tân Lập» for «UBND xã Tân Lập»; a unit deeper than a department indented with dashes."""
    return "– " * max(0, unit.depth - 2) + labels.short_name(unit.name)


# --- docx


def docx(doc: Any, body: PlanReport, c: Context) -> None:
    docx_kit.layout(doc, landscape=False)
    docx_kit.heading(doc, c.heading(TITLE))
    units = below(body)
    if units:
        docx_kit.heading(doc, f"1. Kết quả chung của {body.units[0].name}")
    own = [
        [str(n), labels.indicator_name(i.code), labels.value_text(i.value), labels.ratio_text(i),
         labels.target_text(i.target), labels.verdict(i), labels.shortfall_text(i)]
        for n, i in enumerate(body.units[0].indicators, 1)
    ]  # fmt: skip
    # «12.345/12.500» needs about 3 cm at 12 pt: counts never wrap in the middle of a number
    docx_kit.table(doc, [OWN_COLUMNS], own, (1.2, 5.0, 1.7, 3.0, 1.7, 2.5, 1.4), size=12)
    if units:
        started = docx_kit.layout(doc, landscape=True)
        docx_kit.heading(doc, f"2. {BELOW}", page_break=not started)
        _matrix(doc, [[str(n), Cell(matrix_name(u), left=True), *_cells(u)] for n, u in enumerate(units, 1)])
        docx_kit.note(doc, LEGEND)
    if has_deeper(body):
        count = sum(len(group) for _, group in deeper(body))
        docx_kit.note(
            doc, f"Kết quả của {number(count)} đơn vị cấp dưới của các đơn vị trực thuộc: xem Phụ lục."
        )


def _cells(unit: PlanUnit) -> list[CellLike]:
    return [
        Cell(cell_text(i), bold=True, color=MISSED) if i.met is False else cell_text(i)
        for i in unit.indicators
    ]


def _matrix(doc: Any, rows: list[list[CellLike]]) -> None:
    widths = (1.0, 4.5, *([20.7 / len(INDICATORS)] * len(INDICATORS)))
    docx_kit.table(doc, [MATRIX_COLUMNS], rows, widths, size=10)


def docx_annex(doc: Any, body: PlanReport, c: Context) -> None:
    rows: list[list[CellLike]] = []
    for head, units in deeper(body):
        rows.append([Cell(head.name, bold=True, left=True, span=len(MATRIX_COLUMNS), fill="EEF2F7")])
        rows += [[str(n), Cell(matrix_name(u), left=True), *_cells(u)] for n, u in enumerate(units, 1)]
    _matrix(doc, rows)
    docx_kit.note(doc, LEGEND)


# --- xlsx


def xlsx(book: Workbook, styles: xlsx_kit.Styles, body: PlanReport, c: Context) -> None:
    _sheet(book, styles, c, name=SHEET, title=TITLE.upper(), lines=rows(body.units[:1] + below(body)))
    if has_deeper(body):
        annex = [r for head, units in deeper(body) for r in rows(units, head.name)]
        _sheet(book, styles, c, name=ANNEX_SHEET, title=ANNEX_TITLE.upper(), lines=annex, within=True)


def _sheet(
    book: Workbook,
    styles: xlsx_kit.Styles,
    c: Context,
    *,
    name: str,
    title: str,
    lines: list[Row],
    within: bool = False,
) -> None:
    sheet = book.add_worksheet(name)
    columns = ("STT", "Đơn vị trực thuộc", *COLUMNS[1:]) if within else COLUMNS
    top = xlsx_kit.heading(sheet, styles, c.lines, title, len(columns))
    xlsx_kit.header_row(sheet, styles, top, columns)
    shift = 1 if within else 0
    for number_, line in enumerate(lines, 1):
        row, item = top + number_, line.item
        sheet.write_number(row, 0, number_, styles.count)
        if within:
            sheet.write_string(row, 1, line.within, styles.text)
        sheet.write_string(row, 1 + shift, line.unit, styles.text)
        sheet.write_string(row, 2 + shift, line.name, styles.text)
        xlsx_kit.rate(sheet, row, 3 + shift, item.value, styles)
        sheet.write_number(row, 4 + shift, item.numerator, styles.count)
        sheet.write_number(row, 5 + shift, item.denominator, styles.count)
        xlsx_kit.rate(sheet, row, 6 + shift, item.target, styles)
        sheet.write_string(row, 7 + shift, labels.verdict(item), styles.text)
        if item.met is False:
            sheet.write_number(row, 8 + shift, item.shortfall or 0, styles.count)
        else:
            sheet.write_blank(row, 8 + shift, None, styles.count)
    xlsx_kit.widths(sheet, ((5, 30) if within else (5,)) + (30, 36, 10, 9, 9, 11, 16, 10))
    xlsx_kit.print_setup(sheet, (top, top))


PART = Part(
    name="plan",
    stem="plan",
    title=TITLE,
    body=PlanReport,
    build=build,
    docx=docx,
    xlsx=xlsx,
    template="parts/plan.html.j2",
    annex=Annex(ANNEX_TITLE, has_deeper, docx_annex, "parts/plan_annex.html.j2"),
    helpers=sys.modules[__name__],
)
