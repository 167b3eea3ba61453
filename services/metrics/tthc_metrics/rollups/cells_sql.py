"""Cells in SQL: recomputed whole from the state (day cells) or from the day cells (month cells),
and read for a subtree and a period, judged at an instant.

Cells are built from the items' flags as ``case_status``/``feedback_status`` define them
(``schema.state.status_select``, inlined with the cells' filter). A cell a correction emptied
gets a row of zeros from the refresh, so it never keeps counts it no longer has.
"""

from __future__ import annotations

from dataclasses import dataclass

from tthc_contract.qd766 import PROCEDURE_SETS

from ..schema.cells import CASE_SUMS, FEEDBACK_SUMS, TIMED_CASE, TIMED_FEEDBACK
from ..schema.pipeline import NONE_BEFORE
from ..schema.state import status_select

ANY_INSTANT = NONE_BEFORE
"""Cells hold only what does not depend on the instant: any instant will do when building them."""


@dataclass(frozen=True)
class CellKind:
    """Cases or feedback: their status view, sums, counts that depend on the instant, sets."""

    status: str
    state: str
    sums: dict[str, str]
    timed: dict[str, tuple[str, bool]]
    sets: dict[str, str]
    day_table: str
    month_table: str

    def columns(self) -> list[str]:
        return [*self.sums, *(f"{c}_ended" for c in self.timed), "pending", *self.sets]


CASES = CellKind(
    "case_status", "case_state", CASE_SUMS, TIMED_CASE, PROCEDURE_SETS, "case_cells_day", "case_cells_month"
)
FEEDBACK = CellKind(
    "feedback_status",
    "feedback_state",
    FEEDBACK_SUMS,
    TIMED_FEEDBACK,
    {},
    "feedback_cells_day",
    "feedback_cells_month",
)

ENDED = {"case_status": "ended", "feedback_status": "resolved"}


def _from_status(kind: CellKind) -> str:
    ended = ENDED[kind.status]
    parts = [f"{sql} AS {name}" for name, sql in kind.sums.items()]
    parts += [f"sumIf({flag}, {ended}) AS {name}_ended" for name, (flag, _) in kind.timed.items()]
    parts.append(f"groupArrayIf((due_at, is_content), NOT {ended}) AS pending")
    parts += [f"groupUniqArrayIf(procedure, {flag}) AS {name}" for name, flag in kind.sets.items()]
    return ", ".join(parts)


DIRTY_DAYS = (
    "unit IN {units:Array(String)} AND month IN {months:Array(UInt32)} "
    "AND (unit, day) IN {cells:Array(Tuple(String, Date))}"
)


def day_cells(kind: CellKind, target: str) -> str:
    """Recompute the day cells ``{cells}`` (pairs of unit and day) of ``{units}`` in ``{months}``
    that still hold items; ``{version}``. (A cell left with none is emptied by the refresh.)"""
    columns = kind.columns()
    return (
        f"INSERT INTO {target} (unit, day, month, version, {', '.join(columns)}) "
        f"SELECT unit, day, toYYYYMM(day), {{version:UInt64}}, {_from_status(kind)} "
        f"FROM ({status_select(kind.state, ANY_INSTANT, DIRTY_DAYS)}) GROUP BY unit, day"
    )


def _from_days(kind: CellKind) -> str:
    parts = [f"sum({name}) AS {name}" for name in kind.sums]
    parts += [f"sum({name}_ended) AS {name}_ended" for name in kind.timed]
    parts.append("arrayFlatten(groupArray(pending)) AS pending")
    parts += [f"groupUniqArrayArray({name}) AS {name}" for name in kind.sets]
    return ", ".join(parts)


DIRTY_MONTHS = (
    "unit IN {units:Array(String)} AND month IN {months:Array(UInt32)} "
    "AND (unit, month) IN {cells:Array(Tuple(String, UInt32))}"
)


def month_cells(kind: CellKind, target: str) -> str:
    """Recompute the month cells ``{cells}`` (pairs of unit and month) that still hold items,
    from the state as the day cells are (not from them: both run at once, on two connections).
    A month left with none is emptied by the refresh."""
    columns = kind.columns()
    return (
        f"INSERT INTO {target} (unit, month, version, {', '.join(columns)}) "
        f"SELECT unit, month, {{version:UInt64}}, {_from_status(kind)} "
        f"FROM ({status_select(kind.state, ANY_INSTANT, DIRTY_MONTHS)}) GROUP BY unit, month"
    )


def read_sums(kind: CellKind, at: str = "{at:DateTime64(6, 'UTC')}") -> list[str]:
    """The counts, summed over the cells read, with the instant-dependent ones judged at ``at``."""
    parts = [f"sum({name}) AS {name}" for name in kind.sums]
    for name, (_, needs_content) in kind.timed.items():
        content = " AND p.2" if needs_content else ""
        parts.append(f"sum({name}_ended) + sum(arrayCount(p -> p.1 >= {at}{content}, pending)) AS {name}")
    parts += [f"groupUniqArrayArray({name}) AS {name}" for name in kind.sets]
    return parts


def zeros_of_month(table: str, keys: str) -> str:
    """A row of zeros (``{version:UInt64}``) for every cell ``table`` holds in month
    ``{month}`` (a rebuild: the recompute, with a larger version, replaces those that still
    hold items; the others, left by items moved away, are emptied)."""
    return (
        f"INSERT INTO {table} ({keys}, version) "
        f"SELECT {keys}, {{version:UInt64}} FROM {table} FINAL WHERE month = {{month:UInt32}}"
    )


def day_cells_of_month(kind: CellKind, target: str) -> str:
    """Every day cell of month ``{month}`` that holds items, from the state (a rebuild; the
    others were emptied by ``zeros_of_month``)."""
    return (
        f"INSERT INTO {target} (unit, day, month, version, {', '.join(kind.columns())}) "
        f"SELECT unit, day, any(month), {{version:UInt64}}, {_from_status(kind)} "
        f"FROM ({status_select(kind.state, ANY_INSTANT, 'month = {month:UInt32}')}) GROUP BY unit, day"
    )


def month_cells_of_month(kind: CellKind, target: str) -> str:
    """Every month cell of month ``{month}``, from its day cells (a rebuild)."""
    return (
        f"INSERT INTO {target} (unit, month, version, {', '.join(kind.columns())}) "
        f"SELECT unit, month, {{version:UInt64}}, {_from_days(kind)} "
        f"FROM {kind.day_table} FINAL WHERE month = {{month:UInt32}} GROUP BY unit, month"
    )
