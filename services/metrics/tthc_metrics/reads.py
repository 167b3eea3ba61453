"""The read queries: indicator counts, due-soon items, status. All sums happen in SQL.

Per-case flags come from the views ``case_status(at)`` and ``feedback_status(at)``;
their sums from ``CASE_COUNTS`` and ``FEEDBACK_COUNTS`` of the contract. A period is
the range [start, end) of its local months, in UTC; a unit is its subtree.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from tthc_contract.indicators import CASE_COUNTS, COUNT_COLUMNS, FEEDBACK_COUNTS
from tthc_contract.plan import Plan

from .store import Store


class Span(Protocol):
    """A calendar period or a report period: a code and [start, end) in UTC."""

    @property
    def code(self) -> str: ...

    def bounds(self) -> tuple[datetime, datetime]: ...


_PARTS = (("case_status", CASE_COUNTS, "read"), ("feedback_status", FEEDBACK_COUNTS, "read-feedback"))
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="reads")


@dataclass(frozen=True, slots=True)
class DueItem:
    kind: str
    code: str
    unit: str
    due_at: datetime
    received_at: datetime
    procedure: str


def sql_instant(instant: datetime) -> str:
    """An aware instant as ClickHouse reads a ``DateTime64(6, 'UTC')`` parameter."""
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _sums(counts: dict[str, str]) -> str:
    return ", ".join(f"{sql} AS {name}" for name, sql in counts.items())


def counts(store: Store, units: list[str], period: Span, at: datetime) -> dict[str, int]:
    """The counts of the cases and feedback of ``units`` received in ``period``.

    The two parts run at once, on two clients: planning a query over these views takes
    longer than scanning them, so overlapping the two halves the wait.
    """
    start, end = period.bounds()
    params = {"at": sql_instant(at), "units": units, "start": sql_instant(start), "end": sql_instant(end)}

    def part(view: str, sums: dict[str, str], role: str) -> dict[str, int]:
        sql = (
            f"SELECT {_sums(sums)} FROM {view}(at = {{at:DateTime64(6, 'UTC')}}) "
            "WHERE unit IN {units:Array(String)} "
            "AND received_at >= {start:DateTime64(6, 'UTC')} AND received_at < {end:DateTime64(6, 'UTC')}"
        )
        row = store.call(role, lambda c: c.query(sql, parameters=params).first_row)
        return {name: int(value or 0) for name, value in zip(sums, row, strict=True)}

    futures = [_POOL.submit(part, *p) for p in _PARTS]
    return {name: value for f in futures for name, value in f.result().items()}


def counts_by_unit(
    store: Store, plan: Plan, periods: Sequence[Span], at: datetime
) -> dict[tuple[str, str], dict[str, int]]:
    """Counts of every unit (its subtree) for several periods: {(unit, period code): counts}."""
    codes = sorted(plan.unit_codes)
    spans = [(p.code, *(sql_instant(b) for b in p.bounds())) for p in periods]
    params = {
        "at": sql_instant(at),
        "codes": codes,
        "ancestors": [plan.ancestors(c) for c in codes],
        "spans": spans,
    }
    result = {(code, p.code): dict.fromkeys(COUNT_COLUMNS, 0) for code in codes for p in periods}
    for view, sums, role in _PARTS:
        sql = (
            "SELECT arrayJoin({ancestors:Array(Array(String))}[indexOf({codes:Array(String)}, unit)]) AS rollup_unit, "
            f"tupleElement(span, 1) AS period, {_sums(sums)} "
            f"FROM {view}(at = {{at:DateTime64(6, 'UTC')}}) "
            "ARRAY JOIN {spans:Array(Tuple(String, DateTime64(6, 'UTC'), DateTime64(6, 'UTC')))} AS span "
            "WHERE received_at >= tupleElement(span, 2) AND received_at < tupleElement(span, 3) "
            "GROUP BY rollup_unit, period"
        )
        rows = store.call(role, lambda c, q=sql: c.query(q, parameters=params).result_rows)
        for row in rows:
            result[(row[0], row[1])].update(
                {name: int(value) for name, value in zip(sums, row[2:], strict=True)}
            )
    return result


def due_soon(store: Store, units: list[str], at: datetime, until: datetime) -> list[DueItem]:
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
    rows = store.call("read", lambda c: c.query(sql, parameters=params).result_rows)
    return [DueItem(r[0], r[1], r[2], r[3].replace(tzinfo=UTC), r[4].replace(tzinfo=UTC), r[5]) for r in rows]


def events_stored(store: Store) -> int:
    """Distinct ``(source, id)`` stored (a raw row written twice after a crash counts once)."""
    return int(store.call("read", lambda c: c.command("SELECT uniqExact(source, id) FROM events")))


FACT_TABLES = ("case_facts", "feedback_facts")


def fact_parts(store: Store) -> dict[str, int]:
    """Active parts of each fact table: 1 means fully folded, the fastest reads."""
    sql = (
        "SELECT table, count() FROM system.parts WHERE active AND database = currentDatabase() "
        "AND table IN {tables:Array(String)} GROUP BY table"
    )
    rows = store.call("read", lambda c: c.query(sql, parameters={"tables": list(FACT_TABLES)}).result_rows)
    return dict.fromkeys(FACT_TABLES, 0) | {str(table): int(n) for table, n in rows}
