"""Filling the state and the cells again from all the facts, with the same SQL as the refresh
after each batch, a slice or a month at a time: on a schema rebuild (``schema.migrate``) and
by ``tthc store rebuild`` or ``import``.

The rows written carry a version like a refresh's (the state ``version``, the cells twice that
plus one), so they replace every row written before. Beside a running metrics service (a
server: the embedded engine hosts one process per data directory) the rebuild holds the
rollups' lease (``rebuild_under_lease``), which serializes it with the refreshes and gives it a
version larger than theirs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import redis.asyncio as aredis

from tthc_contract.logs import get_logger

from ..schema.current import SCHEMA
from ..schema.table_engines import Topology
from ..store import Store
from . import cells_sql
from .cells_sql import CASES, FEEDBACK, CellKind
from .lease import RefreshLease
from .state_sql import CASE_FOLD, FEEDBACK_FOLD, fold

log = get_logger("tthc.metrics.rollups")
SLICES = 16
STATES = (
    (CASE_FOLD, "case_state", "case_code"),
    (FEEDBACK_FOLD, "feedback_state", "feedback_code"),
)
Progress = Callable[[int, int], None]
"""Called after each statement with the steps done and the steps known so far."""


def _quiet(done: int, total: int) -> None:
    pass


def rebuild_all(
    client: Any, topology: Topology, events: int, *, version: int | None = None, progress: Progress = _quiet
) -> None:
    """The state of every item, then every cell of every month the state holds (blocking)."""
    version = version or time.time_ns() // 1000  # a refresh's versions follow the same clock
    done, total = 0, len(STATES) * SLICES
    for template, table, code in STATES:
        target = SCHEMA.insert_name(table, topology)
        for k in range(SLICES):
            sql = f"INSERT INTO {target} " + fold(template, f"cityHash64({code}) % {SLICES} = {k}")
            client.command(sql, parameters={"version": version})
            done += 1
            progress(done, total)
        log.info("rollups.state_rebuilt", table=table, events=events)
    months = [(kind, _months(client, kind)) for kind in (CASES, FEEDBACK)]
    total += 2 * sum(len(m) for _, m in months)
    for kind, kind_months in months:
        for month in kind_months:
            _cells_of_month(client, kind, month, version)
            done += 2
            progress(done, total)
        log.info("rollups.cells_rebuilt", kind=kind.status, months=len(kind_months))


def _months(client: Any, kind: CellKind) -> list[int]:
    """The months with items in the state, or with cells (which may hold nothing any more)."""
    sql = f"SELECT DISTINCT month FROM (SELECT month FROM {kind.state} UNION ALL SELECT month FROM {kind.day_table})"
    return sorted(int(r[0]) for r in client.query(sql).result_rows)


def _cells_of_month(client: Any, kind: CellKind, month: int, version: int) -> None:
    """Zeros over every cell the month holds, then its cells recomputed (the versions of a
    refresh: twice its own for zeros, one more for counts)."""
    zeros = {"month": month, "version": 2 * version}
    client.command(cells_sql.zeros_of_month(kind.day_table, "unit, day, month"), parameters=zeros)
    client.command(cells_sql.zeros_of_month(kind.month_table, "unit, month"), parameters=zeros)
    params = {"month": month, "version": 2 * version + 1}
    client.command(cells_sql.day_cells_of_month(kind, kind.day_table), parameters=params)
    client.command(cells_sql.month_cells_of_month(kind, kind.month_table), parameters=params)


async def rebuild_under_lease(
    store: Store, redis: aredis.Redis, events: int, progress: Progress = _quiet
) -> int:
    """``rebuild_all`` while holding the rollups' lease, again if the lease was lost meanwhile
    (a refresh may then have written after it with a smaller version); returns the version."""
    lease = RefreshLease(redis)
    while True:
        async with lease.held() as held:
            await asyncio.to_thread(
                store.call,
                "write",
                lambda c: rebuild_all(c, store.topology, events, version=held.version, progress=progress),
            )
        if held.kept:
            return held.version
        log.warning("rollups.rebuild_lease_lost", action="rebuilding again")
