"""The figures of Biểu 06 in SQL, from the same per-case facts as the indicators.

For a unit U (its subtree) and a report period [S, E), at A = min(E, now): H is the set of
cases of U received before A that were not ended before S (SPEC section 8). Due and end
times are those of section 2 (the latest reschedule, the earliest resolution); early means
a local end date before the local due date, late an end (or A) after the due instant.
"""

from __future__ import annotations

from datetime import datetime

from tthc_contract.report_bodies import BIEU06_KEYS

from ..reads import sql_instant
from ..store import Store

KEYS = BIEU06_KEYS
"""The eleven counts of Biểu 06, columns (3) to (13) of the official form."""

_ENDED = "(ended AND assumeNotNull(ended_at) < {a:DateTime64(6, 'UTC')})"
_TZ = "'Asia/Ho_Chi_Minh'"
_COUNTS = {
    "received_total": "count()",
    "received_online": "countIf(received_at >= {s:DateTime64(6, 'UTC')} AND is_online)",
    "received_offline": "countIf(received_at >= {s:DateTime64(6, 'UTC')} AND NOT is_online)",
    "carried_over": "countIf(received_at < {s:DateTime64(6, 'UTC')})",
    "resolved_total": f"countIf({_ENDED})",
    "resolved_early": f"countIf({_ENDED} AND ended_at <= due_at AND toDate(ended_at, {_TZ}) < toDate(due_at, {_TZ}))",
    "resolved_on_time": f"countIf({_ENDED} AND ended_at <= due_at AND toDate(ended_at, {_TZ}) >= toDate(due_at, {_TZ}))",
    "resolved_late": f"countIf({_ENDED} AND ended_at > due_at)",
    "pending_total": f"countIf(NOT {_ENDED})",
    "pending_on_time": f"countIf(NOT {_ENDED} AND due_at >= {{a:DateTime64(6, 'UTC')}})",
    "pending_late": f"countIf(NOT {_ENDED} AND due_at < {{a:DateTime64(6, 'UTC')}})",
}
assert tuple(_COUNTS) == KEYS

BIEU_06 = (
    "SELECT field, "
    + ", ".join(f"{sql} AS {key}" for key, sql in _COUNTS.items())
    + " FROM case_status(at = {a:DateTime64(6, 'UTC')}) "
    "WHERE unit IN {units:Array(String)} AND received_at < {a:DateTime64(6, 'UTC')} "
    "AND NOT (ended AND assumeNotNull(ended_at) < {s:DateTime64(6, 'UTC')}) "
    "GROUP BY field"
)


def bieu06_rows(store: Store, units: list[str], start: datetime, at: datetime) -> list[dict[str, int | str]]:
    """One row per lĩnh vực (``field``; "" for cases without one), unsorted."""
    params = {"units": units, "s": sql_instant(start), "a": sql_instant(at)}
    rows = store.call("read", lambda c: c.query(BIEU_06, parameters=params).result_rows)
    return [{"field": row[0], **{k: int(v) for k, v in zip(KEYS, row[1:], strict=True)}} for row in rows]
