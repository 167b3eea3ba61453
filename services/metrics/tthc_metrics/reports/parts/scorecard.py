"""The part «Ước tính điểm Bộ chỉ số 766» (SPEC section 10): the unit's six groups, its five
items losing the most points and the ranking of the units directly below it, said to be an
estimate, with the items that cannot be known. Its sheets and html are also the files
``/v1/scorecard.{xlsx,html}`` and ``/v1/scorecard/ranking.{xlsx,html}``.

The scorecard is scored on calendar periods. A report period that is one is used as it is;
a kỳ báo cáo (``2026-03/ky``, ``2026-Q1/ky``, ``2026/ky``) is scored on the calendar period
it is named after, which is the month (quarter, year) it ends in; any other span of dates
on the smallest calendar month, quarter or year that holds it, else on the year it ends in.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from xlsxwriter.workbook import Workbook

from tthc_contract.periods import Period, parse_period
from tthc_contract.report_bodies import ScorecardPart
from tthc_contract.report_periods import STATUTORY, ReportPeriod
from tthc_contract.scorecard_bodies import Ranking, Scorecard, ScoredItem
from tthc_contract.vietnamese import moment, number, percent

from ...scorecard.service import ranking, scorecard
from .. import docx_kit, xlsx_kit
from ..docx_kit import Cell, CellLike
from ..labels import TOTAL_ROW, points_text
from .base import Context, Facts, Part

TITLE = "Ước tính điểm Bộ chỉ số 766"
RANKING_TITLE = "Xếp hạng ước tính Bộ chỉ số 766"
SHEET, RANKING_SHEET = "Ước tính điểm 766", "Xếp hạng 766"
ESTIMATE = (
    "Đây là điểm ước tính (không phải điểm do Cổng Dịch vụ công quốc gia công bố), chấm theo "
    "Bộ chỉ số theo Quyết định số 766/QĐ-TTg từ số liệu của hệ thống theo dõi chỉ tiêu."
)
WHY_UNKNOWN = {
    "published": "chưa có số liệu Cổng Dịch vụ công quốc gia công bố",
    "catalogue": "chưa khai báo danh mục thủ tục hành chính của đơn vị",
}
GROUP_COLUMNS = ("STT", "Nhóm chỉ tiêu", "Điểm tối đa", "Điểm tối đa xác định được", "Điểm ước tính")
COSTLIEST_COLUMNS = ("STT", "Chỉ tiêu", "Kết quả", "Điểm ước tính", "Điểm tối đa", "Điểm bị mất")
ITEM_COLUMNS = (
    "STT",
    "Nhóm",
    "Chỉ tiêu",
    "Cách tính",
    "Nguồn số liệu",
    "Đạt",
    "Tổng",
    "Tỷ lệ",
    "Điểm ước tính",
    "Điểm tối đa",
)
RANKING_COLUMNS = ("Hạng", "Đơn vị", "Tổng điểm ước tính", "Điểm tối đa xác định được")
BASIS = {"events": "Dữ liệu hệ thống", "catalogue": "Danh mục TTHC", "published": "Cổng DVCQG công bố"}
INFERRED = "* Cách chấm suy ra từ kết quả Cổng Dịch vụ công quốc gia đã công bố, chưa có văn bản hướng dẫn."


def calendar_of(report: ReportPeriod) -> Period:
    """The calendar period a report period is scored on (see the module's docstring)."""
    if report.calendar is not None:
        return report.calendar
    if report.code.endswith(STATUTORY):
        return parse_period(report.code.removesuffix(STATUTORY))
    last = report.last
    for first_month, months in ((last.month, 1), ((last.month - 1) // 3 * 3 + 1, 3), (1, 12)):
        period = Period(last.year, first_month, months)
        if period.first_day <= report.first:
            return period
    return Period(last.year, 1, 12)


def build(facts: Facts, unit: str, report: ReportPeriod, now: datetime) -> ScorecardPart:
    period = calendar_of(report)
    return ScorecardPart(
        period=period.code,
        label=period.label_vi,
        scorecard=scorecard(facts.store, facts.plan, unit, period, now),
        ranking=ranking(facts.store, facts.plan, unit, period, now),
    )


# --- words


def when(body: Scorecard | Ranking) -> str:
    label = parse_period(body.period).label_vi
    return f"Kỳ chấm điểm: {label}; số liệu tính đến {moment(datetime.fromisoformat(body.as_of))}."


def total_line(sc: Scorecard) -> str:
    total = f"Tổng điểm ước tính: {points_text(sc.total)}/{sc.known_max} điểm xác định được"
    if not sc.unknown_max:
        return total + " (thang điểm 100)."
    return (
        total
        + f" (thang điểm 100; {sc.unknown_max} điểm của các chỉ tiêu chưa xác định được không được tính)."
    )


def unknown_line(sc: Scorecard) -> str:
    unknown = [i for i in sc.items() if i.points is None]
    if not unknown:
        return "Mọi chỉ tiêu đều xác định được."
    listed = "; ".join(
        f"{i.name} ({i.max} điểm; {WHY_UNKNOWN.get(i.basis, 'chưa có số liệu')})" for i in unknown
    )
    return f"Các chỉ tiêu chưa xác định được, chưa tính điểm: {listed}."


def result_text(item: ScoredItem) -> str:
    if item.denominator is None or item.numerator is None:
        return "Cổng DVCQG công bố" if item.points is not None else "—"
    rate = f" ({percent(item.rate)})" if item.rate is not None else ""
    return f"{number(item.numerator)}/{number(item.denominator)}{rate}"


def item_name(item: ScoredItem) -> str:
    return item.name + (" *" if item.inferred else "")


def group_rows(sc: Scorecard) -> list[list[str]]:
    rows = [
        [str(n), g.name, str(g.max), str(g.known_max), points_text(g.points)]
        for n, g in enumerate(sc.groups, 1)
    ]
    return [*rows, ["", TOTAL_ROW, "100", str(sc.known_max), points_text(sc.total)]]


def costliest_rows(sc: Scorecard) -> list[list[str]]:
    return [
        [str(n), item_name(i), result_text(i), points_text(i.points), str(i.max), points_text(i.lost)]
        for n, i in enumerate(sc.costliest(), 1)
    ]


def ranking_header(rk: Ranking) -> list[str]:
    codes = list(rk.units[0].groups) if rk.units else []
    return [*RANKING_COLUMNS, *codes]


# --- docx


def docx(doc: Any, body: ScorecardPart, c: Context) -> None:
    sc, rk = body.scorecard, body.ranking
    docx_kit.layout(doc, landscape=False)
    docx_kit.heading(doc, c.heading(TITLE))
    docx_kit.paragraph(doc, ESTIMATE, italic=True, indent=True)
    docx_kit.paragraph(doc, when(sc) + " " + total_line(sc), indent=True)
    docx_kit.heading(doc, "1. Điểm theo nhóm chỉ tiêu")
    *groups, total = group_rows(sc)
    rows: list[list[CellLike]] = [list(row) for row in groups]
    rows.append([Cell(v, bold=True, left=n == 1) for n, v in enumerate(total)])
    docx_kit.table(doc, [GROUP_COLUMNS], rows, (1.2, 6.3, 2.4, 3.6, 3.0), size=12)
    docx_kit.note(doc, unknown_line(sc))
    docx_kit.heading(doc, "2. Các chỉ tiêu mất nhiều điểm nhất")
    docx_kit.table(doc, [COSTLIEST_COLUMNS], costliest_rows(sc), (1.2, 6.2, 3.3, 2.0, 1.8, 2.0), size=11)
    if any(i.inferred for i in sc.costliest()):
        docx_kit.note(doc, INFERRED)
    if rk.units:
        started = docx_kit.layout(doc, landscape=True)
        docx_kit.heading(doc, "3. Xếp hạng ước tính các đơn vị trực thuộc", page_break=not started)
        head = ranking_header(rk)
        widths = (1.2, 5.6, 2.2, 2.4, *([14.8 / (len(head) - 4)] * (len(head) - 4)))
        docx_kit.table(doc, [head], ranking_rows(rk), widths, size=10)
        docx_kit.note(doc, "Điểm theo nhóm: " + "; ".join(f"{g.code}: {g.name}" for g in sc.groups) + ".")


def ranking_rows(rk: Ranking) -> list[list[Any]]:
    return [
        [str(u.rank), Cell(u.name, left=True), points_text(u.total), str(u.known_max),
         *(points_text(p) for p in u.groups.values())]
        for u in rk.units
    ]  # fmt: skip


# --- xlsx


def xlsx(book: Workbook, styles: xlsx_kit.Styles, body: ScorecardPart, c: Context) -> None:
    scorecard_sheet(book, styles, c.lines, body.scorecard)
    if body.ranking.units:
        ranking_sheet(book, styles, c.lines, body.ranking)


def scorecard_sheet(book: Workbook, styles: xlsx_kit.Styles, lines: Sequence[str], sc: Scorecard) -> None:
    sheet = book.add_worksheet(SHEET)
    width = len(ITEM_COLUMNS)
    top = xlsx_kit.heading(sheet, styles, [*lines, when(sc)], TITLE.upper(), width)
    sheet.merge_range(top, 0, top, width - 1, ESTIMATE, styles.note)
    sheet.merge_range(top + 1, 0, top + 1, width - 1, total_line(sc), styles.bold)
    row = top + 3
    xlsx_kit.header_row(sheet, styles, row, ITEM_COLUMNS)
    header = row
    number_ = 0
    for group in sc.groups:
        row += 1
        sheet.merge_range(row, 0, row, 7, f"{group.code}. {group.name}", styles.group)
        xlsx_kit.points(sheet, row, 8, group.points, styles)
        sheet.write_number(row, 9, group.max, styles.count)
        for item in group.items:
            row, number_ = row + 1, number_ + 1
            _item_row(sheet, styles, row, n=number_, group=group.code, item=item)
    sheet.merge_range(row + 2, 0, row + 2, width - 1, unknown_line(sc), styles.note)
    sheet.write(row + 3, 0, INFERRED, styles.note)
    xlsx_kit.widths(sheet, (5, 8, 48, 14, 18, 8, 8, 9, 10, 9))
    xlsx_kit.print_setup(sheet, (header, header))


def _item_row(sheet: Any, styles: xlsx_kit.Styles, row: int, *, n: int, group: str, item: ScoredItem) -> None:
    sheet.write_number(row, 0, n, styles.count)
    sheet.write_string(row, 1, group, styles.text)
    sheet.write_string(row, 2, item_name(item), styles.text)
    sheet.write_string(row, 3, item.rule, styles.text)
    sheet.write_string(row, 4, BASIS.get(item.basis, item.basis), styles.text)
    for column, value in ((5, item.numerator), (6, item.denominator)):
        if value is None:
            sheet.write_blank(row, column, None, styles.count)
        else:
            sheet.write_number(row, column, value, styles.count)
    xlsx_kit.rate(sheet, row, 7, item.rate, styles)
    xlsx_kit.points(sheet, row, 8, item.points, styles)
    sheet.write_number(row, 9, item.max, styles.count)


def ranking_sheet(book: Workbook, styles: xlsx_kit.Styles, lines: Sequence[str], rk: Ranking) -> None:
    sheet = book.add_worksheet(RANKING_SHEET)
    head = ranking_header(rk)
    top = xlsx_kit.heading(sheet, styles, [*lines, when(rk)], RANKING_TITLE.upper(), len(head))
    sheet.merge_range(top, 0, top, len(head) - 1, ESTIMATE, styles.note)
    xlsx_kit.header_row(sheet, styles, top + 1, head)
    for offset, unit in enumerate(rk.units, top + 2):
        sheet.write_number(offset, 0, unit.rank, styles.count)
        sheet.write_string(offset, 1, unit.name, styles.text)
        xlsx_kit.points(sheet, offset, 2, unit.total, styles)
        sheet.write_number(offset, 3, unit.known_max, styles.count)
        for column, value in enumerate(unit.groups.values(), 4):
            xlsx_kit.points(sheet, offset, column, value, styles)
    xlsx_kit.widths(sheet, (7, 40, 12, 12, *([10] * (len(head) - 4))))
    xlsx_kit.print_setup(sheet, (top + 1, top + 1))


PART = Part(
    name="scorecard",
    stem="scorecard",
    title=TITLE,
    body=ScorecardPart,
    build=build,
    docx=docx,
    xlsx=xlsx,
    template="parts/scorecard.html.j2",
    helpers=sys.modules[__name__],
)
