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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..query_params import Formatted
from ..store import Store
from . import cells_sql
from .cells_sql import CASES, FEEDBACK, CellKind
from .state_sql import CASE_FOLD, CASE_HOMES, FEEDBACK_FOLD, FEEDBACK_HOMES, fold

CHUNK = 5_000
"""Codes per query: a batch of 10,000 events touches a few thousand items."""
SMALL = 2_000
_MONTHS = ThreadPoolExecutor(1, thread_name_prefix="refresh-months")
"""The month cells are computed here while the refresh's own thread computes the day cells."""


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
            params = {"codes": Formatted(chunk), "version": version}
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
    """Rows of zeros for cells a correction may have emptied, day and month (the recompute,
    with a larger version, replaces those that still hold items)."""
    if cells:
        days = [[unit, day, _month(day), version] for unit, day in sorted(cells)]
        months = [[unit, month, version] for unit, month in sorted({(u, _month(d)) for u, d in cells})]
        for table, rows, columns in (
            (kind.day_table, days, ["unit", "day", "month", "version"]),
            (kind.month_table, months, ["unit", "month", "version"]),
        ):
            store.call("refresh", lambda c, t=table, r=rows, n=columns: c.insert(t, r, column_names=n))


def _code_column(table: str) -> str:
    return "case_code" if table == "case_state" else "feedback_code"


def recompute_cells(
    store: Store, kind: CellKind, days: set[tuple[str, date]], version: int, settings: str
) -> None:
    """The day cells given and the month cells they are part of, both from the state and at
    once, on two connections (``version``: the cells' own, twice the refresh's plus one;
    twice the refresh's is the zeros')."""
    if not days:
        return
    ordered, months = sorted(days), sorted({(unit, _month(day)) for unit, day in days})
    month_sql = cells_sql.month_cells(kind, kind.month_table) + settings
    by_month = _MONTHS.submit(_run_all, store, "refresh_months", month_sql, months, version=version)
    _run_all(store, "refresh", cells_sql.day_cells(kind, kind.day_table) + settings, ordered, version=version)
    by_month.result()


def _run_all(store: Store, role: str, sql: str, cells: list[tuple[str, Any]], *, version: int) -> None:
    """``sql`` for ``cells`` (pairs of unit and day, or of unit and month), in chunks."""
    for start in range(0, len(cells), CHUNK):
        chunk = cells[start : start + CHUNK]
        params = {
            "cells": Formatted(chunk),
            "units": Formatted(sorted({u for u, _ in chunk})),
            "months": Formatted(sorted({_month(c) if isinstance(c, date) else c for _, c in chunk})),
            "version": version,
        }
        store.call(role, lambda c, p=params: c.command(sql, parameters=p))


def _month(day: date) -> int:
    return day.year * 100 + day.month
