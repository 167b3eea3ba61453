"""Building blocks of the ``.docx`` files (python-docx): pages, paragraphs and tables.

Tables are written as WordprocessingML in one piece: python-docx's cell API looks every cell
up again on each access, which takes minutes for the thousands of rows of a province's
annex. Every table has the «Table Grid» borders, fixed column widths (which Word and
LibreOffice both read), its header rows repeated on every page, and rows that never break
across pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt

FONT = "Times New Roman"
TWIPS_PER_CM = 567


@dataclass(frozen=True, slots=True)
class Cell:
    """A table cell with more than text: bold, a colour, spanning columns, merged rows."""

    text: str
    bold: bool = False
    italic: bool = False
    left: bool | None = None
    """Left-aligned (True), centred (False), or as the column is (None)."""
    span: int = 1
    merge: str | None = None
    """Vertical merge: ``"restart"`` on the first row, ``"continue"`` below it."""
    color: str | None = None
    """Hex RGB of the text, e.g. ``B3261E``."""
    fill: str | None = None
    """Hex RGB of the background."""


CellLike = str | Cell


def page(section: Any, *, landscape: bool, narrow: bool = False) -> None:
    """A4; the margins of administrative documents (a landscape page: 20/15 mm, or 15 mm all
    round when ``narrow``, for the one-page tables)."""
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
    section.top_margin = section.bottom_margin = Mm(15 if narrow else 20)
    section.left_margin = Mm(30 if not landscape else 15 if narrow else 20)
    section.right_margin = Mm(15)


def layout(doc: Any, *, landscape: bool, narrow: bool = False) -> bool:
    """What follows is laid out so: a new section, on a new page, when the current one is laid
    out otherwise (True), else nothing (False: the caller may want a page break)."""
    current = doc.sections[-1]
    if (current.orientation == WD_ORIENT.LANDSCAPE, current.top_margin == Mm(15)) == (landscape, narrow):
        return False
    page(doc.add_section(), landscape=landscape, narrow=narrow)
    return True


def paragraph(
    doc: Any,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    indent: bool = False,
    centered: bool = False,
    size: float | None = None,
    space_before: float | None = None,
    page_break: bool = False,
) -> Any:
    """A justified paragraph (or centred), optionally with a first-line indent of 10 mm."""
    para = doc.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER if centered else WD_ALIGN_PARAGRAPH.JUSTIFY
    if indent:
        para.paragraph_format.first_line_indent = Mm(10)
    if space_before is not None:
        para.paragraph_format.space_before = Pt(space_before)
    para.paragraph_format.page_break_before = page_break or None
    run = para.add_run(text)
    run.bold, run.italic = bold, italic
    if size is not None:
        run.font.size = Pt(size)
    return para


def heading(doc: Any, text: str, *, page_break: bool = False) -> None:
    """A part's heading (``I. TITLE``), or a numbered heading inside a part: kept with what follows."""
    para = paragraph(doc, text, bold=True, space_before=9, page_break=page_break)
    para.alignment = WD_ALIGN_PARAGRAPH.LEFT
    para.paragraph_format.keep_with_next = True


def note(doc: Any, text: str, *, size: float = 11) -> None:
    """A small italic line under a table (a legend, what the figures describe)."""
    para = paragraph(doc, text, italic=True, size=size)
    para.paragraph_format.space_after = Pt(4)


def table(
    doc: Any,
    head: Sequence[Sequence[CellLike]],
    rows: Sequence[Sequence[CellLike]],
    widths_cm: Sequence[float],
    *,
    size: float = 12,
    left: Sequence[int] = (1,),
    compact: bool = False,
) -> Any:
    """A bordered table at the end of ``doc``: ``head`` rows (bold, repeated on every page),
    then ``rows``. Columns in ``left`` are left-aligned, the others centred. ``compact``:
    narrow cell margins, for the tables that must fit one page."""
    widths = [round(w * TWIPS_PER_CM) for w in widths_cm]
    margins = (
        '<w:tblCellMar><w:left w:w="45" w:type="dxa"/><w:right w:w="45" w:type="dxa"/></w:tblCellMar>'
        if compact
        else ""
    )
    parts = [
        f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="TableGrid"/>'
        f'<w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="center"/>'
        f'<w:tblLayout w:type="fixed"/>{margins}</w:tblPr><w:tblGrid>',
        *(f'<w:gridCol w:w="{w}"/>' for w in widths),
        "</w:tblGrid>",
    ]
    half_points = round(size * 2)
    for values in head:
        parts.append(_row(values, widths, half_points, header=True, left=()))
    for values in rows:
        parts.append(_row(values, widths, half_points, header=False, left=left))
    parts.append("</w:tbl>")
    element = parse_xml("".join(parts))
    doc.element.body._insert_tbl(element)
    return element


def _row(
    values: Sequence[CellLike], widths: list[int], size: int, *, header: bool, left: Sequence[int]
) -> str:
    properties = "<w:cantSplit/>" + ("<w:tblHeader/>" if header else "")
    cells, column = [], 0
    for value in values:
        cell = value if isinstance(value, Cell) else Cell(value, bold=header)
        width = sum(widths[column : column + cell.span])
        cells.append(_cell(cell, width, size, column in left))
        column += cell.span
    return f"<w:tr><w:trPr>{properties}</w:trPr>{''.join(cells)}</w:tr>"


def _cell(cell: Cell, width: int, size: int, left: bool) -> str:
    properties = f'<w:tcW w:w="{width}" w:type="dxa"/>'
    if cell.span > 1:
        properties += f'<w:gridSpan w:val="{cell.span}"/>'
    if cell.merge:
        properties += f'<w:vMerge w:val="{cell.merge}"/>' if cell.merge == "restart" else "<w:vMerge/>"
    if cell.fill:
        properties += f'<w:shd w:val="clear" w:color="auto" w:fill="{cell.fill}"/>'
    properties += '<w:vAlign w:val="center"/>'
    align = "left" if (cell.left if cell.left is not None else left) else "center"
    run = f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>'
    run = ("<w:b/>" if cell.bold else "") + ("<w:i/>" if cell.italic else "") + run
    if cell.color:
        run = run.replace("<w:sz ", f'<w:color w:val="{cell.color}"/><w:sz ', 1)
    text = (
        f'<w:r><w:rPr>{run}</w:rPr><w:t xml:space="preserve">{escape(cell.text)}</w:t></w:r>'
        if cell.text
        else ""
    )
    return (
        f'<w:tc><w:tcPr>{properties}</w:tcPr><w:p><w:pPr><w:jc w:val="{align}"/></w:pPr>{text}</w:p></w:tc>'
    )


def cell_text(
    cell: Any,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
    size: float = 13,
    left: bool = False,
) -> None:
    """Add ``text`` to a python-docx ``cell``: into its first paragraph while empty, else as a new one."""
    first = cell.paragraphs[0]
    para = first if not first.runs else cell.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.LEFT if left else WD_ALIGN_PARAGRAPH.CENTER
    run = para.add_run(text)
    run.bold, run.italic, run.underline = bold, italic, underline
    run.font.size = Pt(size)


def set_fonts(doc: Any) -> None:
    """Times New Roman 13 for the whole document (and for East Asian text, which Word may pick)."""
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(13)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
