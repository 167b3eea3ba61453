"""After each batch is stored, the state of the items it touched and their cells, refreshed.

The consumer calls ``refresh`` after the insert and before the acknowledgement, so whatever is
acknowledged is counted, and a crash at any moment is repaired by the batch delivered again
(everything here is recomputed from the facts: running it twice changes nothing).

Refreshes are serialized over the whole deployment by a lease in Redis (``rollups.lease``),
and each writes with a version larger than every earlier one. A refresh that lost its lease
while it ran (it stalled past the lease's time) does it all again under a new one, so a late
writer never leaves older numbers on top.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..store import Store
from . import cells_sql
from .cells_sql import CASES, FEEDBACK, CellKind
from .state_sql import CASE_FOLD, CASE_HOMES, FEEDBACK_FOLD, FEEDBACK_HOMES, fold

CHUNK = 5_000
"""Codes per query: a batch of 10,000 events touches a few thousand items."""
SMALL = 2_000


def threads_for(items: int) -> str:
    """A small refresh (live traffic) runs on one thread: its statements are short and a thread
    pool costs more than it saves. In the statement's text: per-call settings would cost the
    embedded engine three more calls each (the refresh client keeps the others)."""
    return f" SETTINGS max_threads = {1 if items < SMALL else 2}"


@dataclass
class Changed:
    """What a refresh changed: the (unit, day) cells of cases and of feedback."""

    case_cells: set[tuple[str, date]] = field(default_factory=set)
    feedback_cells: set[tuple[str, date]] = field(default_factory=set)
    left: dict[str, set[tuple[str, date]]] = field(default_factory=lambda: {"case": set(), "feedback": set()})
    """Cells of items a correction moved: maybe left empty."""

    @property
    def units(self) -> set[str]:
        return {unit for unit, _ in self.case_cells | self.feedback_cells}

    def __bool__(self) -> bool:
        return bool(self.case_cells or self.feedback_cells)


def _chunks(codes: Iterable[str]) -> Iterable[list[str]]:
    ordered = sorted(codes)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def refresh_items(store: Store, cases: set[str], feedback: set[str], version: int) -> Changed:
    """State rows of the items, then every cell they are or were counted in (blocking)."""
    changed = Changed()
    settings = threads_for(len(cases) + len(feedback))
    for codes, template, homes, table, found in (
        (cases, CASE_FOLD, CASE_HOMES, "case_state", changed.case_cells),
        (feedback, FEEDBACK_FOLD, FEEDBACK_HOMES, "feedback_state", changed.feedback_cells),
    ):
        for chunk in _chunks(codes):
            params = {"codes": chunk, "version": version}
            target = store.insert_name(table)
            where = f"{_code_column(table)} IN {{codes:Array(String)}}"
            sql = f"INSERT INTO {target} " + fold(template, where) + settings
            store.call("refresh", lambda c, s=sql, p=params: c.command(s, parameters=p))
            rows = store.call("refresh", lambda c, h=homes, p=params: c.query(h, parameters=p).result_rows)
            found.update((row[0], row[1]) for row in rows)
            changed.left[table.split("_")[0]].update((row[0], row[1]) for row in rows if row[2])
    for kind, cells, name in (
        (CASES, changed.case_cells, "case"),
        (FEEDBACK, changed.feedback_cells, "feedback"),
    ):
        empty_cells(store, kind, changed.left[name], 2 * version)
        recompute_cells(store, kind, cells, 2 * version + 1, settings)
    return changed


def empty_cells(store: Store, kind: CellKind, cells: set[tuple[str, date]], version: int) -> None:
    """Rows of zeros for cells a correction may have emptied (the recompute, with a larger
    version, replaces those that still hold items)."""
    if cells:
        rows = [[unit, day, _month(day), version] for unit, day in sorted(cells)]
        store.call(
            "refresh",
            lambda c: c.insert(kind.day_table, rows, column_names=["unit", "day", "month", "version"]),
        )


def _code_column(table: str) -> str:
    return "case_code" if table == "case_state" else "feedback_code"


def recompute_cells(
    store: Store, kind: CellKind, days: set[tuple[str, date]], version: int, settings: str
) -> None:
    """The day cells given, then the month cells they are part of (``version``: the cells' own,
    twice the refresh's plus one; twice the refresh's is the zeros')."""
    if not days:
        return
    ordered = sorted(days)
    day_sql, month_sql = (
        cells_sql.day_cells(kind, kind.day_table),
        cells_sql.month_cells(kind, kind.month_table),
    )
    for start in range(0, len(ordered), CHUNK):
        _run(store, day_sql, ordered[start : start + CHUNK], version, _month)
    months = sorted({(unit, _month(day)) for unit, day in days})
    for start in range(0, len(months), CHUNK):
        _run(store, month_sql, months[start : start + CHUNK], version, None)


def _month(day: date) -> int:
    return day.year * 100 + day.month


def _run(store: Store, sql: str, cells: list[tuple[str, Any]], version: int, month_of: Any) -> None:
    params = {
        "cells": cells,
        "units": sorted({u for u, _ in cells}),
        "months": sorted({month_of(c) if month_of else c for _, c in cells}),
        "version": version,
    }
    store.call("refresh", lambda c: c.command(sql, parameters=params))
