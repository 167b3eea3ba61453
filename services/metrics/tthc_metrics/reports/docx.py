"""The reports as a ``.docx`` (python-docx), in the layout of Nghị định 30/2020/NĐ-CP.

A4, margins top/bottom 20 mm, left 30 mm, right 15 mm; Times New Roman 13 (tables 12, the
13-column Biểu 06 11, on a landscape page of its own). At the top the issuing body and the
national motto, the number and the place-and-date line; then the title, the opening
paragraph, the parts, the narrative, the "Nơi nhận" block and the signature block left for
the Chairman to sign.
"""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from tthc_contract.periods import LOCAL_TZ
from tthc_contract.vietnamese import number

from . import labels
from .figures import KEYS
from .service import ReportDocument

FONT = "Times New Roman"


def render(document: ReportDocument, place: str) -> bytes:
    doc = Document()
    _page(doc.sections[0], landscape=False)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(13)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    _masthead(doc, document, place)
    _title(doc, document)
    _text(doc, labels.opening(document.org_name, document.unit_name, document.report.label_vi), indent=True)
    numbering = iter(("I", "II", "III", "IV"))
    if document.plan is not None:
        _heading(doc, f"{next(numbering)}. {labels.PLAN_TITLE}")
        _plan_table(doc, document.plan)
    if document.bieu06 is not None:
        landscape = doc.add_section()
        _page(landscape, landscape=True)
        _heading(doc, f"{next(numbering)}. {labels.BIEU06_TITLE} ({labels.BIEU06_FORM})")
        _text(doc, f"{document.report.dates_vi}. {labels.BIEU06_UNIT}.", italic=True)
        _bieu06_table(doc, document.bieu06)
        _page(doc.add_section(), landscape=False)
    if document.evaluation is not None:
        _heading(doc, f"{next(numbering)}. {labels.EVALUATION_TITLE}")
        _evaluation_table(doc, document.evaluation)
    if document.narrative:
        _heading(doc, f"{next(numbering)}. NHẬN XÉT")
        for paragraph in document.narrative:
            _text(doc, paragraph, indent=True)
    _signature(doc)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _page(section: Any, *, landscape: bool) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30) if not landscape else Mm(20), Mm(15)


def _masthead(doc: Any, document: ReportDocument, place: str) -> None:
    table = doc.add_table(rows=2, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _widths(table, (6.0, 10.5))
    left, right = table.rows[0].cells
    _cell(left, document.org_name.upper(), bold=True, size=13)
    _cell(left, "———", size=11)
    _cell(right, labels.MOTTO[0], bold=True, size=12)
    _cell(right, labels.MOTTO[1], bold=True, size=13, underline=True)
    number_cell, date_cell = table.rows[1].cells
    _cell(number_cell, "Số:        /BC-UBND", size=13)
    when = document.generated_at.astimezone(LOCAL_TZ)
    _cell(date_cell, f"{place}, ngày {when:%d} tháng {when:%m} năm {when:%Y}", italic=True, size=13)


def _title(doc: Any, document: ReportDocument) -> None:
    for text, bold in (
        ("BÁO CÁO", True),
        (
            f"Kết quả thực hiện nhiệm vụ, chỉ tiêu cải cách thủ tục hành chính {document.report.label_vi}",
            True,
        ),
    ):
        paragraph = doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(text)
        run.bold = bold
        run.font.size = Pt(14)
    _text(doc, f"Đơn vị: {document.unit_name}. {document.report.dates_vi}.", italic=True, centered=True)


def _plan_table(doc: Any, body: dict[str, Any]) -> None:
    """The unit's own indicators; then, unit by unit, only the targets still missed."""
    own = body["units"][0]
    rows = [
        [
            str(n),
            labels.indicator_name(i["code"]),
            labels.value_text(i["value"]),
            _ratio(i),
            labels.target_text(i["target"]),
            labels.verdict(i),
            labels.shortfall_text(i),
        ]
        for n, i in enumerate(own["indicators"], 1)
    ]
    head = ["STT", "Chỉ tiêu", "Kết quả", "Đạt/Tổng", "Chỉ tiêu giao", "Đánh giá", "Còn thiếu"]
    # «12.345/12.500» needs about 3 cm at 12 pt: counts never wrap in the middle of a number
    _widths(_table(doc, [head], rows, size=12, names=(1,)), (1.2, 5.0, 1.7, 3.0, 1.7, 2.5, 1.4))
    missed = labels.missed_rows(body)
    if len(body["units"]) > 1:
        _text(doc, labels.MISSED_BY_UNIT if missed else labels.NONE_MISSED, italic=True)
    if missed:
        rows = [
            [
                str(n),
                r["unit"],
                r["name"],
                labels.value_text(r["value"]),
                _ratio(r),
                labels.target_text(r["target"]),
                labels.shortfall_text(r),
            ]
            for n, r in enumerate(missed, 1)
        ]
        head = ["STT", "Đơn vị", "Chỉ tiêu", "Kết quả", "Đạt/Tổng", "Chỉ tiêu giao", "Còn thiếu"]
        _widths(_table(doc, [head], rows, size=12), (1.2, 3.6, 4.2, 1.7, 2.8, 1.6, 1.4))


def _ratio(item: dict[str, Any]) -> str:
    return f"{number(item['numerator'])}/{number(item['denominator'])}"


def _bieu06_table(doc: Any, body: dict[str, Any]) -> None:
    groups: list[str] = []
    for text, span in labels.BIEU06_GROUPS:
        groups += [text] + [""] * (span - 1)  # merged below: one text per group
    second = ["", "", *labels.BIEU06_COLUMNS]
    rows = [
        [str(n), labels.field_name(r["field"]), *(number(r[k]) for k in KEYS)]
        for n, r in enumerate(body["rows"], 1)
    ]
    rows.append(["", labels.TOTAL_ROW, *(number(body["total"][k]) for k in KEYS)])
    table = _table(doc, [groups, second, list(labels.COLUMN_NUMBERS)], rows, size=11, names=(1,))
    _widths(table, (1.2, 5.0, *([1.8] * 11)))
    for start, span in _spans():
        if span > 1:
            table.cell(0, start).merge(table.cell(0, start + span - 1))
        else:
            table.cell(0, start).merge(table.cell(1, start))


def _spans() -> list[tuple[int, int]]:
    out, column = [], 0
    for _, span in labels.BIEU06_GROUPS:
        out.append((column, span))
        column += span
    return out


def _evaluation_table(doc: Any, body: dict[str, Any]) -> None:
    rows = [
        [
            str(u["rank"]),
            u["name"],
            str(u["met"]),
            str(u["judged"]),
            labels.value_text(u["score"]) if u["score"] is not None else "—",
            u["rating"],
        ]
        for u in body["units"]
    ]
    _widths(
        _table(doc, [list(labels.EVALUATION_COLUMNS)], rows, size=12, names=(1, 5)),
        (1.6, 5.4, 1.8, 2.2, 1.8, 4.2),
    )


def _table(
    doc: Any, head: list[list[str]], rows: list[list[str]], size: int, names: tuple[int, ...] = (1, 2)
) -> Any:
    """A bordered table; the header rows repeat on every page; name columns left-aligned."""
    table = doc.add_table(rows=len(head) + len(rows), cols=len(head[0]))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for r, values in enumerate([*head, *rows]):
        for c, value in enumerate(values):
            _cell(table.cell(r, c), value, bold=r < len(head), size=size, left=r >= len(head) and c in names)
    for row in table.rows[: len(head)]:
        _repeat_header(row)
    return table


def _widths(table: Any, centimetres: tuple[float, ...]) -> None:
    """Column widths as printed (Word and LibreOffice read them per cell)."""
    table.autofit = False
    for column, width in zip(table.columns, centimetres, strict=True):
        column.width = Cm(width)  # the table grid, which LibreOffice reads
    for row in table.rows:
        for cell, width in zip(row.cells, centimetres, strict=True):
            cell.width = Cm(width)


def _repeat_header(row: Any) -> None:
    properties = row._tr.get_or_add_trPr()
    element = properties.makeelement(qn("w:tblHeader"), {qn("w:val"): "true"})
    properties.append(element)


def _cell(
    cell: Any,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
    size: int = 13,
    left: bool = False,
) -> None:
    """Add ``text`` to ``cell``: into its first paragraph while empty, else as a new one."""
    first = cell.paragraphs[0]
    paragraph = first if not first.runs else cell.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if left else WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.bold, run.italic, run.underline = bold, italic, underline
    run.font.size = Pt(size)
    run.font.name = FONT


def _heading(doc: Any, text: str) -> None:
    paragraph = doc.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(9)
    run = paragraph.add_run(text)
    run.bold = True


def _text(doc: Any, text: str, *, indent: bool = False, italic: bool = False, centered: bool = False) -> None:
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if centered else WD_ALIGN_PARAGRAPH.JUSTIFY
    if indent:
        paragraph.paragraph_format.first_line_indent = Mm(10)
    run = paragraph.add_run(text)
    run.italic = italic


def _signature(doc: Any) -> None:
    """ "Nơi nhận" on the left; on the right the signature block, room left to sign."""
    table = doc.add_table(rows=1, cols=2)
    recipients, signer = table.rows[0].cells
    _cell(recipients, "Nơi nhận:", bold=True, italic=True, size=12, left=True)
    for line in labels.RECIPIENTS:
        _cell(recipients, line, size=11, left=True)
    _cell(signer, "TM. ỦY BAN NHÂN DÂN", bold=True)
    _cell(signer, "CHỦ TỊCH", bold=True)
    for _ in range(4):
        _cell(signer, "")
