"""The reports as an ``.xlsx`` workbook (XlsxWriter): the sheets of each part (``parts/``), in
the order of the report. Numbers are numbers (rates are numbers formatted as percentages);
every sheet prints on A4 landscape, one page wide, with its header rows repeated on each page.
"""

from __future__ import annotations

import io

import xlsxwriter

from tthc_contract.report_bodies import ReportDocument

from . import parts as registry
from .parts import Context
from .xlsx_kit import Styles


def render(document: ReportDocument, place: str) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.set_properties({"title": f"Báo cáo {document.report.label_vi}", "author": document.org_name})
    styles = Styles(book)
    for part in registry.PARTS:
        body = part.body_of(document)
        if body is not None:
            part.xlsx(book, styles, body, Context(document, place))
    book.close()
    return out.getvalue()
