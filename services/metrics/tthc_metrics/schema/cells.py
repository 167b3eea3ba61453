"""The rollups: every count of a unit's own cases and feedback, per local day and per month.

A *cell* is (unit, day) or (unit, month). It holds the sums of the per-item flags of
``case_status`` and ``feedback_status`` (what the indicators and the scorecard count), exact,
recomputed whole from the state rows whenever an item of the cell changes (``rollups``). A
unit's numbers for a period are the sums of the cells of its subtree: whole months from the
month cells, and the days at either end of a report period from the day cells, so a question
costs the cells it asks about, never the history or the province.

What changes with time alone, whether an open item is late yet, is kept per cell as the due
times of its open items (``pending``: (due, content)), and judged when read: on time while
the instant asked about is not after the due time (SPEC section 4).
"""

from __future__ import annotations

from tthc_contract.indicators import CASE_COUNTS, FEEDBACK_COUNTS
from tthc_contract.qd766 import CASE_COUNTS_766, FEEDBACK_COUNTS_766, PROCEDURE_SETS

from .objects import Table
from .pipeline import T64
from .table_engines import replacing

TIMED_CASE = {"on_time": ("is_on_time", False), "satisfied": ("is_satisfied", True)}
TIMED_FEEDBACK = {"feedback_on_time": ("is_on_time", False), "feedback_satisfied": ("is_satisfied", True)}
"""Counts that depend on the instant, with their flag and whether it also asks the item to be
content (``is_content``: no unsatisfied rating, for a case no feedback about it). An ended
item's flag is fixed (``<count>_ended``); an open one counts when the instant is not after its
due time (and it is content, where asked)."""

CASE_SUMS = {k: v for k, v in (CASE_COUNTS | CASE_COUNTS_766).items() if k not in TIMED_CASE}
FEEDBACK_SUMS = {k: v for k, v in (FEEDBACK_COUNTS | FEEDBACK_COUNTS_766).items() if k not in TIMED_FEEDBACK}
PENDING = f"pending Array(Tuple(due {T64}, content UInt8))"


def _columns(
    sums: dict[str, str], timed: dict[str, tuple[str, bool]], sets: tuple[str, ...]
) -> tuple[str, ...]:
    return (
        *(f"{name} UInt64" for name in sums),
        *(f"{name}_ended UInt64" for name in timed),
        PENDING,
        *(f"{name} Array(String)" for name in sets),
        "version UInt64",
    )


def _cells(name: str, period: str, columns: tuple[str, ...], monthly: bool) -> Table:
    key = ("unit String", "month UInt32") if monthly else ("unit String", "day Date", "month UInt32")
    engine = replacing(f"(unit, {period})", "version", partition_by="" if monthly else "month")
    return Table(name, (*key, *columns), engine)


_CASE_COLUMNS = _columns(CASE_SUMS, TIMED_CASE, tuple(PROCEDURE_SETS))
_FEEDBACK_COLUMNS = _columns(FEEDBACK_SUMS, TIMED_FEEDBACK, ())

CASE_CELLS_DAY = _cells("case_cells_day", "day", _CASE_COLUMNS, monthly=False)
CASE_CELLS_MONTH = _cells("case_cells_month", "month", _CASE_COLUMNS, monthly=True)
FEEDBACK_CELLS_DAY = _cells("feedback_cells_day", "day", _FEEDBACK_COLUMNS, monthly=False)
FEEDBACK_CELLS_MONTH = _cells("feedback_cells_month", "month", _FEEDBACK_COLUMNS, monthly=True)

CELLS = (CASE_CELLS_DAY, CASE_CELLS_MONTH, FEEDBACK_CELLS_DAY, FEEDBACK_CELLS_MONTH)
