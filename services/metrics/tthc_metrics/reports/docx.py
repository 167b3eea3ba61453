"""The reports as a ``.docx`` (python-docx), in the layout of Nghị định 30/2020/NĐ-CP.

A4, margins top/bottom 20 mm, left 30 mm, right 15 mm; Times New Roman 13 (tables 12 or
smaller; wide tables on landscape pages). At the top the issuing body and the national
motto, the number and the place-and-date line; then the title, the opening paragraph, each
part of the report (``parts/``) numbered I, II, ..., the narrative, the "Nơi nhận" block and
the signature block left for the Chairman to sign; then the annexes of the parts that have
one (a province's deeper units), each on a new page.
"""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from tthc_contract.periods import LOCAL_TZ
from tthc_contract.report_bodies import ReportDocument

from . import docx_kit, labels
from . import parts as registry
from .docx_kit import cell_text
from .parts import Context

ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


def render(document: ReportDocument, place: str) -> bytes:
    doc = Document()
    docx_kit.page(doc.sections[0], landscape=False)
    docx_kit.set_fonts(doc)
    _masthead(doc, document, place)
    _title(doc, document)
    opening = labels.opening(document.org_name, document.unit_name, document.report.label_vi)
    docx_kit.paragraph(doc, opening, indent=True)
    present = [(part, body) for part in registry.PARTS if (body := part.body_of(document)) is not None]
    numerals = iter(ROMAN)
    for part, body in present:
        part.docx(doc, body, Context(document, place, next(numerals)))
    docx_kit.layout(doc, landscape=False)
    if document.narrative:
        docx_kit.heading(doc, f"{next(numerals)}. {labels.NARRATIVE_TITLE.upper()}")
        for paragraph in document.narrative:
            docx_kit.paragraph(doc, paragraph, indent=True)
    _signature(doc)
    annexes = [(part.annex, body) for part, body in present if part.annex and part.annex.present(body)]
    for number, (annex, body) in enumerate(annexes, 1):
        started = docx_kit.layout(doc, landscape=annex.landscape)
        suffix = f" {ROMAN[number - 1]}" if len(annexes) > 1 else ""
        docx_kit.paragraph(doc, labels.ANNEX + suffix, bold=True, centered=True, page_break=not started)
        docx_kit.paragraph(doc, annex.title.upper(), bold=True, centered=True)
        docx_kit.paragraph(
            doc, labels.annex_reference(document.org_name), italic=True, centered=True, size=12
        )
        annex.docx(doc, body, Context(document, place))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _masthead(doc: Any, document: ReportDocument, place: str) -> None:
    table = doc.add_table(rows=2, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _widths(table, (6.0, 10.5))
    left, right = table.rows[0].cells
    cell_text(left, document.org_name.upper(), bold=True, size=13)
    cell_text(left, "———", size=11)
    cell_text(right, labels.MOTTO[0], bold=True, size=12)
    cell_text(right, labels.MOTTO[1], bold=True, size=13, underline=True)
    number_cell, date_cell = table.rows[1].cells
    cell_text(number_cell, "Số:        /BC-UBND", size=13)
    when = document.generated_at.astimezone(LOCAL_TZ)
    cell_text(date_cell, f"{place}, ngày {when:%d} tháng {when:%m} năm {when:%Y}", italic=True, size=13)


def _title(doc: Any, document: ReportDocument) -> None:
    for text in (
        "BÁO CÁO",
        f"Kết quả thực hiện nhiệm vụ, chỉ tiêu cải cách thủ tục hành chính {document.report.label_vi}",
    ):
        paragraph = doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(text)
        run.bold = True
        run.font.size = Pt(14)
    docx_kit.paragraph(
        doc, f"Đơn vị: {document.unit_name}. {document.report.dates_vi}.", italic=True, centered=True
    )


def _widths(table: Any, centimetres: tuple[float, ...]) -> None:
    """Column widths as printed (Word and LibreOffice read them per cell)."""
    table.autofit = False
    for column, width in zip(table.columns, centimetres, strict=True):
        column.width = Cm(width)  # the table grid, which LibreOffice reads
    for row in table.rows:
        for cell, width in zip(row.cells, centimetres, strict=True):
            cell.width = Cm(width)


def _signature(doc: Any) -> None:
    """ "Nơi nhận" on the left; on the right the signature block, room left to sign (after a
    paragraph: LibreOffice lets a table right after a section break start on the page before)."""
    doc.add_paragraph()
    table = doc.add_table(rows=1, cols=2)
    recipients, signer = table.rows[0].cells
    cell_text(recipients, "Nơi nhận:", bold=True, italic=True, size=12, left=True)
    for line in labels.RECIPIENTS:
        cell_text(recipients, line, size=11, left=True)
    cell_text(signer, "TM. ỦY BAN NHÂN DÂN", bold=True)
    cell_text(signer, "CHỦ TỊCH", bold=True)
    for _ in range(4):
        cell_text(signer, "")
