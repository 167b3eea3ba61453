"""Reading the report workbooks back (openpyxl cells): where a table starts, and the checks
of the sheets that several tests read (the plan report, the QĐ 766 estimate, its ranking)."""

from __future__ import annotations

from typing import Any

from tthc_contract.indicators import BY_CODE

Cells = dict[tuple[int, int], Any]
"""A sheet's non-empty cells by (row, column), both from 1."""


def header_row(cells: Cells, first: str) -> int:
    return next(r for (r, col), v in cells.items() if v == first and col == 1)


def plan_rows(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Every unit's every indicator, from the JSON (a unit without deeper units below it)."""
    return [
        {**i, "unit": u["name"], "name": BY_CODE[i["code"]].name_vi}
        for u in body["units"]
        for i in u["indicators"]
    ]


def check_scorecard_sheet(cells: Cells, body: dict[str, Any]) -> None:
    top = header_row(cells, "STT")
    card = body["scorecard"]
    assert any("ước tính" in str(v) for v in cells.values()), "it says it is an estimate"
    row = top
    for group in card["groups"]:
        row += 1
        assert (cells[(row, 1)], cells.get((row, 9)), cells[(row, 10)]) == (
            f"{group['code']}. {group['name']}",
            group["points"],
            group["max"],
        )
        for item in group["items"]:
            row += 1
            assert cells[(row, 3)].removesuffix(" *") == item["name"]
            assert cells.get((row, 9)) == (item["points"] if item["points"] is not None else "—"), item
            assert (cells.get((row, 6)), cells.get((row, 7))) == (item["numerator"], item["denominator"])


def check_ranking_sheet(cells: Cells, body: dict[str, Any]) -> None:
    top = header_row(cells, "Hạng")
    for offset, unit in enumerate(body["ranking"]["units"], 1):
        line = [cells.get((top + offset, col)) for col in range(1, 11)]
        assert line[:4] == [unit["rank"], unit["name"], unit["total"], unit["known_max"]]
        assert line[4:] == list(unit["groups"].values())
    assert (top + len(body["ranking"]["units"]) + 1, 1) not in cells
