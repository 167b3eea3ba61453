"""Building blocks of the ``.xlsx`` files (XlsxWriter): the formats, a sheet's heading and print setup.

Numbers are numbers (rates are numbers formatted as percentages, points with two decimals);
every sheet prints on A4 landscape, one page wide, with its header rows repeated on each page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from xlsxwriter.worksheet import Worksheet

FONT = "Times New Roman"


class Styles:
    """The cell formats of one workbook."""

    def __init__(self, book: Any) -> None:
        base = {"font_name": FONT, "font_size": 12, "valign": "vcenter"}
        cell = {**base, "border": 1}
        self.title = book.add_format({**base, "bold": True, "font_size": 14, "align": "center"})
        self.centered = book.add_format({**base, "align": "center", "italic": True})
        self.plain = book.add_format(base)
        self.note = book.add_format({**base, "italic": True, "font_size": 11})
        self.bold = book.add_format({**base, "bold": True})
        self.head = book.add_format({**cell, "bold": True, "align": "center", "text_wrap": True})
        self.numbers = book.add_format({**cell, "align": "center", "italic": True})
        self.text = book.add_format({**cell, "text_wrap": True})
        self.group = book.add_format({**cell, "bold": True, "bg_color": "#EEF2F7"})
        self.count = book.add_format({**cell, "num_format": "#,##0"})
        self.rate = book.add_format({**cell, "num_format": "0.0%"})
        self.points = book.add_format({**cell, "num_format": "0.00"})
        self.total_text = book.add_format({**cell, "bold": True})
        self.total_count = book.add_format({**cell, "bold": True, "num_format": "#,##0"})
        self.total_points = book.add_format({**cell, "bold": True, "num_format": "0.00"})


def print_setup(sheet: Worksheet, header_rows: tuple[int, int]) -> None:
    sheet.set_paper(9)  # A4
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)  # one page wide, as many pages long as needed
    sheet.set_margins(left=0.6, right=0.4, top=0.6, bottom=0.6)
    sheet.repeat_rows(*header_rows)
    sheet.center_horizontally()


def heading(sheet: Worksheet, styles: Styles, lines: Sequence[str], title: str, width: int) -> int:
    """The issuing body, the title, then ``lines`` (unit, period, dates), centred over
    ``width`` columns; returns the first free row (after a blank one)."""
    sheet.merge_range(0, 0, 0, width - 1, lines[0], styles.plain)
    sheet.merge_range(1, 0, 1, width - 1, title, styles.title)
    for offset, line in enumerate(lines[1:], 2):
        sheet.merge_range(offset, 0, offset, width - 1, line, styles.centered)
    return len(lines) + 2


def header_row(sheet: Worksheet, styles: Styles, row: int, names: Sequence[str]) -> None:
    for column, text in enumerate(names):
        sheet.write(row, column, text, styles.head)


def widths(sheet: Worksheet, characters: Sequence[float]) -> None:
    for column, width in enumerate(characters):
        sheet.set_column(column, column, width)


def rate(sheet: Worksheet, row: int, column: int, value: float | None, styles: Styles) -> None:
    """A rate as a percentage, or «—» when there is none."""
    if value is None:
        sheet.write_string(row, column, "—", styles.text)
    else:
        sheet.write_number(row, column, value, styles.rate)


def points(sheet: Worksheet, row: int, column: int, value: float | None, styles: Styles) -> None:
    """Points with two decimals, or «—» when unknown."""
    if value is None:
        sheet.write_string(row, column, "—", styles.text)
    else:
        sheet.write_number(row, column, value, styles.points)
