"""The read queries: indicator and scorecard counts, due-soon items, status. Sums happen in SQL.

Counts come from the cells (``schema.cells``): a period is whole local months, read from the
month cells, and the days at either end of a report period, read from the day cells; a unit
is its subtree. So a question reads as many rows as units times months it asks about, never
the history. What depends on the instant (whether an open item is late) is judged at ``at``.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from tthc_contract.periods import LOCAL_TZ
from tthc_contract.plan import Plan

from .query_params import Formatted, formatted
from .rollups.cells_sql import CASES, FEEDBACK, CellKind, read_sums
from .schema.current import FACT_TABLES, STATE_TABLES
from .store import Store

FINAL_SETTINGS = {"do_not_merge_across_partitions_select_final": 1}
"""What every reading client keeps (``store.role_settings``); for a client of one's own."""
_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="reads")


class Span(Protocol):
    """A calendar period or a report period: a code and [start, end) in UTC (local midnights)."""

    @property
    def code(self) -> str: ...

    def bounds(self) -> tuple[datetime, datetime]: ...


@dataclass(frozen=True, slots=True)
class DueItem:
    kind: str
    code: str
    unit: str
    due_at: datetime
    received_at: datetime
    procedure: str


@dataclass(frozen=True, slots=True)
class CellRange:
    """A span as cells: whole months (yyyymm) and ranges of days [first, end) outside them."""

    months: tuple[int, ...]
    days: tuple[tuple[date, date], ...]

    @classmethod
    def of(cls, span: Span) -> CellRange:
        start, end = (b.astimezone(LOCAL_TZ).date() for b in span.bounds())
        first_month = start if start.day == 1 else _next_month(start)
        months: list[int] = []
        cursor = first_month
        while _next_month(cursor) <= end:
            months.append(cursor.year * 100 + cursor.month)
            cursor = _next_month(cursor)
        if not months:
            return cls((), ((start, end),) if start < end else ())
        days = [(start, first_month)] if start < first_month else []
        days += [(cursor, end)] if cursor < end else []
        return cls(tuple(months), tuple(days))


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def sql_instant(instant: datetime) -> str:
    """An aware instant as ClickHouse reads a ``DateTime64(6, 'UTC')`` parameter."""
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def cells_from(kind: CellKind, cells: CellRange, extra: str = "") -> str:
    """The cells of ``{units}`` in ``cells``, month cells and day cells alike."""
    columns = ", ".join(["unit", *kind.columns()])
    parts = []
    if cells.months:
        months = ", ".join(str(m) for m in cells.months)
        parts.append(
            f"SELECT {columns}{extra} FROM {kind.month_table} FINAL WHERE unit IN {{units:Array(String)}} AND month IN ({months})"
        )
    for first, end in cells.days:
        parts.append(
            f"SELECT {columns}{extra} FROM {kind.day_table} FINAL WHERE unit IN {{units:Array(String)}} "
            f"AND day >= '{first.isoformat()}' AND day < '{end.isoformat()}'"
        )
    return " UNION ALL ".join(parts) or f"SELECT {columns}{extra} FROM {kind.month_table} WHERE 0"


def _counts(store: Store, kind: CellKind, units: Formatted, cells: CellRange, at: datetime) -> dict[str, Any]:
    sums = read_sums(kind)
    sql = f"SELECT {', '.join(sums)} FROM ({cells_from(kind, cells)})"
    params = {"units": units, "at": sql_instant(at)}
    role = f"read-{kind.status}"  # cases and feedback on clients of their own: they run at once
    row = store.call(role, lambda c: c.query(sql, parameters=params).first_row)
    names = [s.rsplit(" AS ", 1)[1] for s in sums]
    return {
        name: (sorted(v) if isinstance(v, list) else int(v or 0)) for name, v in zip(names, row, strict=True)
    }


def counts(store: Store, units: list[str], period: Span, at: datetime) -> dict[str, Any]:
    """Every count of the cases and feedback of ``units`` received in ``period``, at ``at``:
    the indicators' and the scorecard's (and the sets of procedures, sorted)."""
    cells = CellRange.of(period)
    listed = tuple(units)
    bound = formatted(("units", listed), lambda: list(listed))
    feedback = _POOL.submit(_counts, store, FEEDBACK, bound, cells, at)
    return _counts(store, CASES, bound, cells, at) | feedback.result()


def counts_by_unit(
    store: Store,
    plan: Plan,
    periods: Sequence[Span],
    at: datetime,
    units: Sequence[str] | None = None,
    *,
    role: str = "read",
) -> dict[tuple[str, str], dict[str, Any]]:
    """Counts of each unit (its subtree) for several periods: {(unit, period code): counts};
    every unit of the plan, or those given."""
    wanted = sorted(units if units is not None else plan.unit_codes)
    members, ancestors = _rollup(plan, tuple(wanted))
    params = {"units": members, "members": members, "ancestors": ancestors, "at": sql_instant(at)}
    result: dict[tuple[str, str], dict[str, Any]] = {}
    for period in periods:
        cells = CellRange.of(period)
        # cases and feedback at once, on clients of their own
        feedback = _POOL.submit(_by_unit, store, FEEDBACK, cells, params, f"{role}-feedback")
        cases = _by_unit(store, CASES, cells, params, role)
        for kind, found in ((CASES, cases), (FEEDBACK, feedback.result())):
            for unit in wanted:
                counted = found[unit] if unit in found else _no_counts(kind)
                result.setdefault((unit, period.code), {}).update(counted)
    return result


def _rollup(plan: Plan, wanted: tuple[str, ...]) -> tuple[Formatted, Formatted]:
    """The units whose cells the ``wanted`` units sum (sorted), and for each of those the
    wanted units it counts in, joined by commas (a plan's unit codes never hold one: parsing
    an ``Array(Array(String))`` parameter of 1,200 units cost the engine 5 ms, a flat array
    1.5); formatted once for the same lists (keyed by their content)."""
    members = sorted({d for u in wanted for d in plan.descendants(u)})
    chosen = set(wanted)
    ancestors = tuple(",".join(a for a in plan.ancestors(m) if a in chosen) for m in members)
    return (
        formatted(("units", tuple(members)), lambda: members),
        formatted(("ancestors", ancestors), lambda: list(ancestors)),
    )


def _no_counts(kind: CellKind) -> dict[str, Any]:
    """The counts of a unit with no cell: zeros and empty sets."""
    names = [s.rsplit(" AS ", 1)[1] for s in read_sums(kind)]
    return {name: ([] if name in kind.sets else 0) for name in names}


def _by_unit(
    store: Store, kind: CellKind, cells: CellRange, params: dict[str, Any], role: str
) -> dict[str, dict[str, Any]]:
    """{unit: its counts of ``kind``} for the units with any cell in ``cells``."""
    sums = read_sums(kind)
    sql = (
        # transform() looks the unit up in a hash table; indexOf() scanned the whole list per
        # row (20x slower at a province's 1,200 units)
        "SELECT arrayJoin(arrayFilter(u -> u != '', splitByChar(',', transform(unit, "
        "{members:Array(String)}, {ancestors:Array(String)}, '')))) AS rollup_unit, "
        f"{', '.join(sums)} FROM ({cells_from(kind, cells)}) GROUP BY rollup_unit"
    )
    rows = store.call(role, lambda c: c.query(sql, parameters=params).result_rows)
    names = [s.rsplit(" AS ", 1)[1] for s in sums]
    return {
        row[0]: {
            n: (sorted(v) if isinstance(v, list) else int(v)) for n, v in zip(names, row[1:], strict=True)
        }
        for row in rows
    }


def due_soon(
    store: Store, units: list[str], at: datetime, until: datetime, role: str = "read"
) -> list[DueItem]:
    """Unresolved cases and feedback items of ``units`` whose due time falls in (at, until]."""
    # ORDER BY after UNION ALL would sort the last SELECT only: sort the whole union.
    sql = """
        SELECT * FROM (
            SELECT 'case' AS kind, case_code AS code, unit, due_at, received_at, procedure
            FROM case_status(at = {at:DateTime64(6, 'UTC')})
            WHERE unit IN {units:Array(String)} AND NOT ended
              AND due_at > {at:DateTime64(6, 'UTC')} AND due_at <= {until:DateTime64(6, 'UTC')}
            UNION ALL
            SELECT 'feedback' AS kind, feedback_code AS code, unit, due_at, received_at, '' AS procedure
            FROM feedback_status(at = {at:DateTime64(6, 'UTC')})
            WHERE unit IN {units:Array(String)} AND NOT resolved
              AND due_at > {at:DateTime64(6, 'UTC')} AND due_at <= {until:DateTime64(6, 'UTC')}
        )
        ORDER BY due_at, kind, code
    """
    params = {"at": sql_instant(at), "until": sql_instant(until), "units": units}
    rows = store.call(role, lambda c: c.query(sql, parameters=params).result_rows)
    return [DueItem(r[0], r[1], r[2], r[3].replace(tzinfo=UTC), r[4].replace(tzinfo=UTC), r[5]) for r in rows]


def events_stored(store: Store) -> int:
    """Distinct ``(source, id)`` stored (a raw row written twice after a crash counts once)."""
    return int(store.call("read", lambda c: c.command("SELECT uniqExact(source, id) FROM events")))


def fact_parts(store: Store) -> dict[str, int]:
    """Active parts of each fact and state table: 1 per partition means fully folded."""
    tables = [*FACT_TABLES, *STATE_TABLES]
    sql = (
        "SELECT table, count() FROM system.parts WHERE active AND database LIKE concat(currentDatabase(), '%') "
        "AND table IN {tables:Array(String)} GROUP BY table"
    )
    rows = store.call("read", lambda c: c.query(sql, parameters={"tables": tables}).result_rows)
    return dict.fromkeys(tables, 0) | {str(table): int(n) for table, n in rows}


def cells_with_due_between(
    store: Store, since: datetime, at: datetime, due_soon: timedelta, role: str = "snapshots"
) -> set[tuple[str, date]]:
    """(unit, month) of the month cells holding an open item that became late in [since, at)
    (its due time passed), or entered its due-soon window then (its due time less ``due_soon``
    passed): their numbers or due-soon lists changed by time alone. The month is its first day."""
    if at <= since:
        return set()
    lo, hi = sql_instant(since), sql_instant(at)
    soon_lo, soon_hi = sql_instant(since + due_soon), sql_instant(at + due_soon)
    crossed = f"arrayExists(p -> (p.1 >= '{lo}' AND p.1 < '{hi}') OR (p.1 > '{soon_lo}' AND p.1 <= '{soon_hi}'), pending)"
    sql = " UNION DISTINCT ".join(
        f"SELECT DISTINCT unit, month FROM {kind.month_table} FINAL WHERE notEmpty(pending) AND {crossed}"
        for kind in (CASES, FEEDBACK)
    )
    rows = store.call(role, lambda c: c.query(sql).result_rows)
    return {(str(unit), date(int(month) // 100, int(month) % 100, 1)) for unit, month in rows}


def units_with_due_between(store: Store, since: datetime, at: datetime, due_soon: timedelta) -> set[str]:
    """The units of ``cells_with_due_between``."""
    return {unit for unit, _ in cells_with_due_between(store, since, at, due_soon)}
