"""The part «Đánh giá, xếp loại các đơn vị» (SPEC section 8): the units directly below, ranked
and rated.

A few units get a full table. Many (a province's communes, up to 150 and more) are ranked
on one landscape page that a leader reads at a glance: a line of totals by rating, then a
compact table of four column groups (rank, unit, targets met of those judged, the rating's
abbreviation, «HTXSNV» for «Hoàn thành xuất sắc nhiệm vụ»), read down each group in turn,
and the legend.
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from datetime import datetime
from typing import Any

from docx.shared import Pt
from xlsxwriter.workbook import Workbook

from tthc_contract.plan import NOT_RATED
from tthc_contract.report_bodies import EvaluatedUnit, Evaluation
from tthc_contract.report_periods import ReportPeriod

from .. import docx_kit, labels, model, xlsx_kit
from ..docx_kit import Cell, CellLike
from .base import Context, Facts, Part

TITLE = "Đánh giá, xếp loại các đơn vị"
SHEET = "Đánh giá, xếp loại"
COLUMNS = ("Xếp hạng", "Đơn vị", "Chỉ tiêu đạt", "Chỉ tiêu được đánh giá", "Tỷ lệ đạt", "Xếp loại")
FULL_TABLE_MAX = 20
"""More units than this are ranked in the compact table, on one page."""
GROUPS = 4
"""Column groups of the compact table (38 rows each for 150 units: one A4 landscape page)."""
COMPACT_COLUMNS = ("Hạng", "Đơn vị", "Đạt/ĐG", "Xếp loại")
COMPACT_WIDTHS = (0.9, 3.45, 0.9, 1.4)
NONE = "Chưa có đơn vị trực thuộc để đánh giá."


def build(facts: Facts, unit: str, report: ReportPeriod, now: datetime) -> Evaluation:
    return model.evaluation(
        facts.plan, unit, report, now, facts.counts(unit, report, now, children_only=True)
    )


def compact(body: Evaluation) -> bool:
    return len(body.units) > FULL_TABLE_MAX


def abbreviations(body: Evaluation) -> dict[str, str]:
    """Each rating's initials («Hoàn thành tốt nhiệm vụ» → «HTTNV»), «—» for no rating;
    «L1», «L2», ... when two ratings share their initials."""
    ratings = list(dict.fromkeys(u.rating for u in body.units if u.rating != NOT_RATED))
    initials = {r: "".join(w[0] for w in r.split()).upper() for r in ratings}
    if len(set(initials.values())) < len(initials):
        initials = {r: f"L{n}" for n, r in enumerate(ratings, 1)}
    return {**initials, NOT_RATED: "—"}


def totals(body: Evaluation) -> str:
    """«Tổng hợp: 12 đơn vị hoàn thành xuất sắc nhiệm vụ; ...» in the order of the ranking."""
    counted = Counter(u.rating for u in body.units)
    parts = [f"{n} đơn vị {rating[0].lower() + rating[1:]}" for rating, n in counted.items()]
    return f"Tổng hợp {len(body.units)} đơn vị: " + "; ".join(parts) + "."


def legend(body: Evaluation) -> str:
    names = "; ".join(f"{short}: {rating}" for rating, short in abbreviations(body).items())
    return f"Đạt/ĐG: số chỉ tiêu đạt/số chỉ tiêu được đánh giá. Xếp loại: {names}."


def columns_of(body: Evaluation) -> list[list[EvaluatedUnit | None]]:
    """The units in rank order, split into the compact table's groups, read down each group."""
    height = math.ceil(len(body.units) / GROUPS) or 1
    groups = [body.units[i : i + height] for i in range(0, len(body.units), height)]
    return [[g[row] if row < len(g) else None for g in groups] for row in range(height)]


def score_text(unit: EvaluatedUnit) -> str:
    return labels.value_text(unit.score) if unit.score is not None else "—"


def docx(doc: Any, body: Evaluation, c: Context) -> None:
    if compact(body):
        _compact_docx(doc, body, c)
        return
    docx_kit.layout(doc, landscape=False)
    docx_kit.heading(doc, c.heading(TITLE))
    rows: list[list[CellLike]] = [
        [
            str(u.rank),
            Cell(u.name, left=True),
            str(u.met),
            str(u.judged),
            score_text(u),
            Cell(u.rating, left=True),
        ]
        for u in body.units
    ]
    docx_kit.table(doc, [COLUMNS], rows, (1.6, 5.4, 1.8, 2.2, 1.8, 4.2), size=12)
    if not body.units:
        docx_kit.note(doc, NONE)


def _compact_docx(doc: Any, body: Evaluation, c: Context) -> None:
    """On a landscape page of its own, with narrow margins: one page for up to 160 units."""
    docx_kit.layout(doc, landscape=True, narrow=True)
    docx_kit.heading(doc, c.heading(TITLE))
    docx_kit.paragraph(doc, totals(body), size=11).paragraph_format.space_after = Pt(3)
    short = abbreviations(body)
    rows: list[list[CellLike]] = []
    for line in columns_of(body):
        cells: list[CellLike] = []
        for unit in line:
            if unit is None:
                cells += ["", "", "", ""]
            else:
                name = Cell(labels.short_name(unit.name), left=True)
                cells += [str(unit.rank), name, f"{unit.met}/{unit.judged}", short[unit.rating]]
        rows.append(cells)
    head = [COMPACT_COLUMNS * GROUPS]
    docx_kit.table(doc, head, rows, COMPACT_WIDTHS * GROUPS, size=8, left=(), compact=True)
    docx_kit.note(doc, legend(body), size=10)


def xlsx(book: Workbook, styles: xlsx_kit.Styles, body: Evaluation, c: Context) -> None:
    sheet = book.add_worksheet(SHEET)
    top = xlsx_kit.heading(sheet, styles, c.lines, TITLE.upper(), len(COLUMNS))
    xlsx_kit.header_row(sheet, styles, top, COLUMNS)
    for offset, unit in enumerate(body.units, 1):
        row = top + offset
        sheet.write_number(row, 0, unit.rank, styles.count)
        sheet.write_string(row, 1, unit.name, styles.text)
        sheet.write_number(row, 2, unit.met, styles.count)
        sheet.write_number(row, 3, unit.judged, styles.count)
        xlsx_kit.rate(sheet, row, 4, unit.score, styles)
        sheet.write_string(row, 5, unit.rating, styles.text)
    xlsx_kit.widths(sheet, (9, 40, 12, 14, 11, 30))
    xlsx_kit.print_setup(sheet, (top, top))


PART = Part(
    name="evaluation",
    stem="evaluation",
    title=TITLE,
    body=Evaluation,
    build=build,
    docx=docx,
    xlsx=xlsx,
    template="parts/evaluation.html.j2",
    helpers=sys.modules[__name__],
)
