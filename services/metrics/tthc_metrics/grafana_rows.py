"""The rows Grafana reads where computing in the panel costs too much: the QĐ 766 estimate
(``scorecard_points``) and the indicators of every unit (``unit_indicators``), for every unit
and period.

Grafana's «Ước tính điểm 766» and the overview's table of every unit read rows, not what they
show: computing it costs the embedded engine about 50 ms of planning per statement (the 766
dashboard has 16 of them; the table of units folds the period's cells over the whole tree).
The rows are written by the panels' own SQL (``tthc_dashboards.scorecard_sql.points_rows``
and ``indicator_rows_sql.indicator_rows``, which the display tests hold to ``/v1/scorecard``
and ``/v1/indicators``), for what changed:

- each cell a flush changed: its month, quarter and year, for its unit and every unit above;
- time alone: the month, quarter and year of each month cell holding an open item whose due
  time passed since the last round (its ``pending``, as the snapshot publisher checks), for
  its unit and every unit above (the indicators are judged at now, like the API's; the
  estimate at min(now, end of the period), so only its open periods move);
- every ``repair_s``, and when a period begins, the open periods of every unit (and the
  periods that just ended, written a last time);
- at start, every period of every unit since 2020 (the periods Grafana lists), the open ones
  first: the plan (its tree, targets, catalogue, published values) may have changed.

A round runs at most every ``interval_s`` and never sooner than twice what the last one took
(but the start's round of every period, a one-off, is followed after one interval), in a
worker thread, its statements on one thread of the engine at nice 10 (``store.BACKGROUND``),
and a stop ends it before its next statement; while metrics catches up on a backlog (a full batch within the last interval) rounds wait for it, at
most ``DEFER_ROUNDS`` intervals, so a backfill is not slowed by rows that the next batches
change again. Grafana's rows therefore lag the events by about one interval (30 s by default,
the dashboards' refresh), while the API computes per request. Each metrics instance writes
what its own flushes changed, with no lease: a row's version is the instant of its
computation, so the newest wins whatever the order of writes. What is owed is at most every
(unit, period) pair, held as sets of the plan's unit codes: about 145,000 pairs for a province
of 1,207 units over the periods since 2020 (about 10 MB, only until the first round after a
start).
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from datetime import UTC, date, datetime, timedelta

from tthc_contract.logs import get_logger
from tthc_contract.periods import Period, all_periods, period_of
from tthc_contract.plan import Plan
from tthc_dashboards.grafana_sql import expand
from tthc_dashboards.indicator_rows_sql import indicator_rows
from tthc_dashboards.scorecard_sql import LISTED, points_rows

from . import observability as om
from . import reads
from .query_params import Formatted
from .rollups.refresh import Changed
from .schema.plan_rows import FIRST_YEAR
from .store import Store, StoreUnavailable

log = get_logger("tthc.metrics.grafana_rows")
CHUNK = 2_000
"""Units per statement."""
DEFER_ROUNDS = 10
"""While metrics catches up on a backlog, a round waits at most this many intervals."""
STATEMENTS = (points_rows(LISTED), indicator_rows(LISTED))
"""What a round writes for each owed period and its units: the estimate, the indicators."""
Owed = dict[Period, set[str]]


def periods_of_day(day: date) -> list[Period]:
    """The month, quarter and year a local day belongs to."""
    return [
        Period(day.year, day.month, 1),
        Period(day.year, (day.month - 1) // 3 * 3 + 1, 3),
        Period(day.year, 1, 12),
    ]


def open_periods(at: datetime) -> list[Period]:
    return [period_of(at, kind) for kind in ("month", "quarter", "year")]


def every_period(at: datetime) -> list[Period]:
    """Every period begun by ``at`` since ``FIRST_YEAR``: the open ones, then newest first."""
    begun = [p for p in all_periods(FIRST_YEAR, at.year) if p.bounds()[0] <= at]
    now = open_periods(at)
    return now + sorted(
        (p for p in begun if p not in now), key=lambda p: (p.bounds()[0], -p.months), reverse=True
    )


def owe_months(owed: Owed, by_month: dict[date, set[str]]) -> None:
    """Owe the month, quarter and year of each month (its first day) for its units; months
    before ``FIRST_YEAR`` have no period Grafana lists."""
    for month, units in by_month.items():
        for period in periods_of_day(month) if month.year >= FIRST_YEAR else ():
            owed.setdefault(period, set()).update(units)


def statements(period: Period, at: datetime) -> list[str]:
    """``STATEMENTS`` for ``period``, judged (and versioned) at ``at``."""
    variables = {"period": period.code, "period_kind": period.kind}
    return [expand(s, at, at, variables, now=at) for s in STATEMENTS]


class RoundStopped(Exception):
    """The service is stopping: a round ends between two statements, not after all of them."""


def write(store: Store, plan: Plan, owed: Owed, at: datetime, stopping: threading.Event | None = None) -> int:
    """The rows of each owed period for its units and every unit above them (blocking);
    returns how many (unit, period) pairs were written. Raises ``RoundStopped`` before the next
    statement once ``stopping`` is set (a start's round runs for minutes on a busy machine)."""
    written = 0
    for period, units in owed.items():
        scored = sorted({up for unit in units if unit in plan.unit_codes for up in plan.ancestors(unit)})
        for sql in statements(period, at):
            for start in range(0, len(scored), CHUNK):
                if stopping is not None and stopping.is_set():
                    raise RoundStopped
                params = {"units": Formatted(scored[start : start + CHUNK])}
                store.call("grafana_rows", lambda c, s=sql, p=params: c.command(s, parameters=p))
        written += len(scored)
    return written


class GrafanaRows:
    def __init__(
        self, store: Store, plan: Plan, *, interval_s: float = 30.0, repair_s: float = 300.0
    ) -> None:
        self.store = store
        self.plan = plan
        self.interval_s = interval_s
        self.repair_s = repair_s
        self._owed: Owed = {}
        self._everything = True
        self._open: list[Period] = []
        self._checked_at: datetime | None = None
        self._backlog_at = -math.inf
        self._stopping = threading.Event()
        self.in_round = False
        """Whether a round's thread is writing (it outlives a cancelled task until its next
        statement)."""
        self.last_at: float | None = None
        """When the last round ended (``time.time()``)."""
        self.failed_rounds = 0
        """Rounds that failed (ClickHouse away): what they owed is owed to the next."""
        self.covers_since: float | None = None
        """When the last round that succeeded began (``time.time()``): the rows hold every flush
        this instance finished before it."""

    def status(self) -> dict[str, object]:
        """What ``/v1/status`` says of the rows: the start of the last round that succeeded,
        and the (unit, period) pairs owed now (``all`` before the first round)."""
        owed = "all" if self._everything else sum(len(units) for units in self._owed.values())
        return {"covers_since": self.covers_since, "written_at": self.last_at, "owed": owed}

    def cells_changed(self, changed: Changed, *, backlog: bool = False) -> None:
        """After a flush: the periods of the cells it changed, for their units (``backlog``:
        the batch was full, metrics is catching up). Days before ``FIRST_YEAR`` have no period
        Grafana lists."""
        if backlog:
            self._backlog_at = time.monotonic()
        by_month: dict[date, set[str]] = {}  # on the event loop: each month's periods made once
        for cells in (changed.case_cells, changed.feedback_cells):
            for unit, day in cells:
                by_month.setdefault(day.replace(day=1), set()).add(unit)
        owe_months(self._owed, by_month)

    def _take(self, at: datetime, repair: bool) -> Owed:
        """What this round writes (on the event loop: flushes add to ``_owed`` there)."""
        if self._everything:
            owed: Owed = {p: set(self.plan.unit_codes) for p in every_period(at)}
        else:
            owed = self._owed
            now_open = open_periods(at)
            turned = now_open != self._open
            for period in (*now_open, *(self._open if turned else ())):
                if repair or turned:
                    owed[period] = set(self.plan.unit_codes)
        self._owed, self._everything, self._open = {}, False, open_periods(at)
        return owed

    def _give_back(self, owed: Owed, everything: bool) -> None:
        self._everything = self._everything or everything
        for period, units in owed.items():
            self._owed.setdefault(period, set()).update(units)

    def _round(self, owed: Owed, at: datetime) -> int:
        """The cells whose open items fell late since the last round, then the writes (blocking)."""
        self.in_round = True
        try:
            if self._checked_at is not None:
                crossed = reads.cells_with_due_between(
                    self.store, self._checked_at, at, timedelta(0), "grafana_rows"
                )
                by_month: dict[date, set[str]] = {}
                for unit, month in crossed:
                    by_month.setdefault(month, set()).add(unit)
                owe_months(owed, by_month)
            written = write(self.store, self.plan, owed, at, self._stopping)
            self._checked_at = at
            return written
        finally:
            self.in_round = False

    def _deferred(self, since: float) -> bool:
        """Whether this round waits: while metrics catches up on a backlog (a full batch within
        the last interval), the rows wait for it, at most ``DEFER_ROUNDS`` intervals."""
        now = time.monotonic()
        return now - self._backlog_at < self.interval_s and now - since < DEFER_ROUNDS * self.interval_s

    async def run(self) -> None:
        next_repair = time.monotonic() + self.repair_s
        last = time.monotonic()
        # The first round waits an interval: a backlog waiting at start shows by then.
        await asyncio.sleep(self.interval_s)
        while True:
            if self._deferred(last):
                await asyncio.sleep(self.interval_s)
                continue
            started, began = time.monotonic(), time.time()
            repair = started >= next_repair
            everything = self._everything
            at = datetime.now(UTC)
            owed = self._take(at, repair)
            om.GRAFANA_ROWS_OWED.set(sum(len(u) for u in owed.values()))
            try:
                written = await asyncio.to_thread(self._round, owed, at)
            except asyncio.CancelledError:
                self._stopping.set()  # the thread ends at its next statement: the stop waits for it
                self._give_back(owed, everything)  # stopped: owed still, as status says
                raise
            except StoreUnavailable as exc:
                self._give_back(owed, everything)
                self.failed_rounds += 1
                log.warning("metrics.grafana_rows_failed", error=str(exc)[:300])
            else:
                self.last_at, self.covers_since = time.time(), began
                next_repair = next_repair + self.repair_s if repair else next_repair
                if everything:
                    log.info("metrics.grafana_rows_written", pairs=written, periods=len(owed))
            took = time.monotonic() - started
            om.GRAFANA_ROWS_SECONDS.observe(took)
            last = time.monotonic()
            # the rows' work takes at most a third of a core; the start's round is a one-off
            await asyncio.sleep(self.interval_s if everything else max(self.interval_s, 2 * took))
