"""Publishing indicator snapshots and due-soon lists to ``tthc:indicators``.

The work follows what changed, not the size of the plan:

- after a flush (coalesced: at most one computation per ``min_gap``, and never sooner than
  the last one took), the units whose cells the flush changed are computed again and
  published when their numbers changed; the units above them (a district, the province,
  whose sums read the most cells) are gathered and computed after three times what their
  last computation took, so a province's totals cannot hold back a department's alert;
- as time alone passes, an open item becomes late when its due time passes, and enters a
  unit's due-soon list ``due_soon`` before it: every ``check`` the publisher asks the cells
  which units hold an open item whose due time (or due time less ``due_soon``) fell since
  the last check, and computes those units again;
- every ``interval`` (and when a new month begins) all units are published, so that a
  consumer that starts, or a snapshot lost, is repaired.

With several metrics instances, one publishes: the holder of the lease
``tthc:lease:snapshots`` (``tthc_contract.lease``), each of its writes fenced by the lease's
token. The others hand it the units their own flushes changed (``tthc:snapshots:dirty``,
taken at its next check) and take over within 15 s when it dies, with a full publish.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime
from typing import Any

import orjson
import redis.asyncio as aredis

from tthc_contract.lease import Lease, Unfenced, Writes
from tthc_contract.logs import get_logger
from tthc_contract.periods import Period
from tthc_contract.plan import Plan
from tthc_contract.redis_client import REDIS_ERRORS
from tthc_contract.streams import (
    BODY_FIELD,
    INDICATORS,
    INDICATORS_MAXLEN,
    KIND_DUE_SOON,
    KIND_FIELD,
    KIND_SNAPSHOT,
    entry_seconds,
)

from . import observability as om
from . import reads
from .indicators import due_soon_body, snapshot, watched_periods
from .results import RecentResults
from .store import Store, StoreUnavailable

log = get_logger("tthc.metrics.snapshots")
HANDED_OVER = "tthc:snapshots:dirty"
"""Units changed by the flushes of instances that do not publish (``*``: all of them)."""
ENTRIES_PER_WRITE = 500
Entry = tuple[bytes, bytes]
"""A stream entry to write: its kind and its body (JSON)."""


class SnapshotPublisher:
    def __init__(
        self,
        store: Store,
        redis: aredis.Redis,
        plan: Plan,
        *,
        interval_s: float,
        min_gap_s: float,
        results: RecentResults | None = None,
        check_s: float = 5.0,
        lease: Lease | None = None,
    ) -> None:
        self.check_s = check_s
        self.lease = lease
        """With a lease, only its holder publishes (several metrics instances)."""
        self._fence = lease or Unfenced(redis)
        self._periods: set[str] = set()
        self.results = results or RecentResults(0)
        self.store = store
        self.redis = redis
        self.plan = plan
        self.interval_s = interval_s
        self.min_gap_s = min_gap_s
        self._dirty = asyncio.Event()
        self._units: set[str] = set()
        self._above: set[str] = set()
        """Units above changed ones, not computed again yet (``_publish_changed``)."""
        self._above_at = 0.0
        self._everything = False
        self._checked_at: datetime | None = None
        self._published: dict[tuple[str, str], Any] = {}
        self.last_at: float | None = None

    def mark_dirty(self, units: set[str] | None = None) -> None:
        """After a flush: the units whose cells changed (``None``: any of them)."""
        if units is None:
            self._everything = True
        else:
            self._units |= units
        self._dirty.set()

    async def _units_to_compute(self, at: datetime) -> set[str] | None:
        """The units changed by flushes and by time since the last check, with every unit above
        them; ``None`` for all units (then only those whose numbers changed are published)."""
        own = await self._changed_units(at)
        return None if own is None else {up for u in own for up in self.plan.ancestors(u)}

    async def _changed_units(self, at: datetime) -> set[str] | None:
        """The units changed by flushes and by time since the last check (not those above)."""
        if self._everything:
            units = None
        else:
            since = self._checked_at or at
            crossed = await asyncio.to_thread(
                reads.units_with_due_between, self.store, since, at, self.plan.alerts.due_soon
            )
            known = self.plan.unit_codes
            units = {u for u in self._units | crossed if u in known}
        self._everything, self._units, self._checked_at = False, set(), at
        return units

    async def run(self) -> None:
        if self.lease is None:
            await self._publishing()
        else:
            await self.lease.lead(self._publishing, standby=self._standing_by)

    async def _publishing(self) -> None:
        next_full = 0.0  # a holder starts with every unit
        while True:
            full = time.monotonic() >= next_full
            if not full:
                above_due = self._above_at if self._above else next_full
                due = min(next_full, time.monotonic() + self.check_s, above_due)
                wait = due - time.monotonic()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(max(0.0, wait)):
                        await self._dirty.wait()
            self._dirty.clear()
            started = time.monotonic()
            at = datetime.now(UTC)
            full = full or time.monotonic() >= next_full or self._new_periods(at)
            try:
                await self._take_handed_over()
                if full:
                    await self.publish(full=True, at=at)
                    self._above.clear()
                else:
                    await self._publish_changed(at)
            except (StoreUnavailable, *REDIS_ERRORS) as exc:
                log.warning("metrics.snapshot_failed", error=str(exc)[:300])
            took = time.monotonic() - started
            om.SNAPSHOT_SECONDS.labels("all" if full else "changed").observe(took)
            if full:
                next_full = time.monotonic() + self.interval_s
            # Under a heavy load of events, computing snapshots must not starve storing
            # them: after a computation of t seconds, wait at least t before the next.
            await asyncio.sleep(max(self.min_gap_s, took))

    async def _publish_changed(self, at: datetime) -> None:
        """The changed units at once (what alerts need first: a department, a commune); the
        units above them (a district, the province: their sums read the most cells) gathered
        in ``_above`` and computed again after 3x the time they last took. Units whose
        computation failed stay owed: the next round (not the next full one) tries again."""
        own = await self._changed_units(at)
        try:
            if own is None:
                await self.publish(full=False, at=at)
                self._above.clear()
                return
            self._above = (self._above | {up for u in own for up in self.plan.ancestors(u)}) - own
            if own:
                await self.publish(full=False, at=at, units=own)
        except (StoreUnavailable, *REDIS_ERRORS):
            # Owed still, for the next round (at the next flush or check, not at once).
            if own is None:
                self._everything = True
            else:
                self._units |= own
            raise
        if self._above and time.monotonic() >= self._above_at:
            started = time.monotonic()
            await self.publish(full=False, at=at, units=self._above)  # owed until it succeeds
            self._above = set()
            self._above_at = time.monotonic() + 3 * (time.monotonic() - started)

    def _new_periods(self, at: datetime) -> bool:
        """A new month (or quarter, year) began since the last publish: every unit anew."""
        codes = {p.code for p in watched_periods(at, self.plan.alerts.period_kinds)}
        changed = bool(self._periods) and codes != self._periods
        self._periods = codes
        return changed

    async def publish(self, full: bool, at: datetime | None = None, units: set[str] | None = None) -> int:
        """Compute and publish (``units``: those only; else all, the changed ones published);
        returns how many entries were written."""
        at = at or datetime.now(UTC)
        periods = watched_periods(at, self.plan.alerts.period_kinds)
        generation = self.results.generation
        wanted = sorted(units if units is not None else self.plan.unit_codes)
        if not wanted:
            return 0
        # The reads and the bodies (thousands of them for a province) in a worker thread:
        # never on the event loop, which serves the API and stores events meanwhile.
        entries, seen = await asyncio.to_thread(self._entries, full, at, periods, wanted, generation)
        await self._xadd(entries)
        self._published.update(seen)  # only once published: a failed write is retried next time
        self.last_at = time.time()
        return len(entries)

    def _entries(
        self, full: bool, at: datetime, periods: list[Period], wanted: list[str], generation: int
    ) -> tuple[list[Entry], dict[tuple[str, str], Any]]:
        """The entries to write (blocking: store reads), and every body's indicators seen."""
        counts = reads.counts_by_unit(self.store, self.plan, periods, at, wanted, role="snapshots")
        for (unit_code, period_code), unit_counts in counts.items():
            self.results.put(unit_code, period_code, generation, at, unit_counts)
        entries: list[Entry] = []
        seen: dict[tuple[str, str], Any] = {}
        for unit in wanted:
            for period in periods:
                body = snapshot(
                    unit, period, at, counts.get((unit, period.code), {}), self.plan.targets(unit)
                )
                seen[(unit, period.code)] = body["indicators"]
                if full or self._published.get((unit, period.code)) != body["indicators"]:
                    entries.append((KIND_SNAPSHOT.encode(), orjson.dumps(body)))
        entries += self._due_soon(at, full, seen, wanted)
        return entries, seen

    def _due_soon(
        self, at: datetime, full: bool, seen: dict[tuple[str, str], Any], units: list[str]
    ) -> list[Entry]:
        within = self.plan.alerts.due_soon
        by_unit: dict[str, list[reads.DueItem]] = {}
        for item in reads.due_soon(self.store, units, at, at + within, "snapshots"):
            by_unit.setdefault(item.unit, []).append(item)
        out = []
        for unit in units:
            own = by_unit.get(unit, [])
            seen[(unit, "due_soon")] = [i.code for i in own]
            if full or self._published.get((unit, "due_soon")) != seen[(unit, "due_soon")]:
                body = due_soon_body(unit, at, within.total_seconds(), own)
                out.append((KIND_DUE_SOON.encode(), orjson.dumps(body)))
        return out

    async def _xadd(self, entries: list[Entry]) -> None:
        """Written only while this instance holds the lease (if it has one): fenced."""
        for start in range(0, len(entries), ENTRIES_PER_WRITE):
            writes = Writes()
            for kind, body in entries[start : start + ENTRIES_PER_WRITE]:
                fields = {KIND_FIELD: kind, BODY_FIELD: body}
                writes.xadd(INDICATORS, fields, maxlen=INDICATORS_MAXLEN)
            await self._fence.write(writes)

    async def _standing_by(self) -> None:
        """Another instance publishes: hand it what this one's flushes changed, and keep
        ``last_at`` as the time of the newest entry on the stream (the holder's)."""
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.check_s):
                    await self._dirty.wait()
            self._dirty.clear()
            units = {"*"} if self._everything else set(self._units)
            self._everything, self._units = False, set()
            try:
                if units:
                    await self.redis.sadd(HANDED_OVER, *units)
                newest = await self.redis.xrevrange(INDICATORS, count=1)
                if newest:
                    self.last_at = entry_seconds(newest[0][0])
            except REDIS_ERRORS as exc:
                self.mark_dirty(None if "*" in units else units)  # handed over at the next try
                log.warning("metrics.snapshot_handover_failed", error=str(exc)[:300])

    async def _take_handed_over(self) -> None:
        """The units other instances changed, for this one (the holder) to compute."""
        if self.lease is None:
            return
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.smembers(HANDED_OVER)
            pipe.delete(HANDED_OVER)
            members, _ = await pipe.execute()
        units = {m.decode() for m in members}
        if "*" in units:
            self._everything = True
        self._units |= units - {"*"}
