"""Filling the state and the cells again from all the facts (a schema rebuild, ``schema.migrate``),
with the same SQL as the refresh after each batch, a slice or a month at a time."""

from __future__ import annotations

import time
from typing import Any

from tthc_contract.logs import get_logger

from ..schema.current import SCHEMA
from ..schema.table_engines import Topology
from . import cells_sql
from .cells_sql import CASES, FEEDBACK
from .state_sql import CASE_FOLD, FEEDBACK_FOLD, fold

log = get_logger("tthc.metrics.rollups")
SLICES = 16


def rebuild_all(client: Any, topology: Topology, events: int) -> None:
    version = time.time_ns() // 1000
    for template, table, code in (
        (CASE_FOLD, "case_state", "case_code"),
        (FEEDBACK_FOLD, "feedback_state", "feedback_code"),
    ):
        target = SCHEMA.insert_name(table, topology)
        for k in range(SLICES):
            sql = f"INSERT INTO {target} " + fold(template, f"cityHash64({code}) % {SLICES} = {k}")
            client.command(sql, parameters={"version": version})
        log.info("rollups.state_rebuilt", table=table, events=events)
    for kind, state in ((CASES, "case_state"), (FEEDBACK, "feedback_state")):
        months = [
            r[0] for r in client.query(f"SELECT DISTINCT month FROM {state} ORDER BY month").result_rows
        ]
        for month in months:
            params = {"month": month, "version": 2 * version + 1}  # the cells' versions (refresh)
            client.command(cells_sql.day_cells_of_month(kind, kind.day_table), parameters=params)
            client.command(cells_sql.month_cells_of_month(kind, kind.month_table), parameters=params)
        log.info("rollups.cells_rebuilt", kind=kind.status, months=len(months))
