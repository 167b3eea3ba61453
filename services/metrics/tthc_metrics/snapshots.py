"""Publishing indicator snapshots and due-soon lists to ``tthc:indicators``.

The work follows what changed, not the size of the plan:

- after a flush (coalesced: at most one computation per ``min_gap``), the units whose cells
  the flush changed, and the units above them, are computed again and published when their
  numbers changed;
- as time alone passes, an open item becomes late when its due time passes, and enters a
  unit's due-soon list ``due_soon`` before it: every ``check`` the publisher asks the cells
  which units hold an open item whose due time (or due time less ``due_soon``) fell since
  the last check, and computes those units again;
- every ``interval`` (and when a new month begins) all units are published, so that a
  consumer that starts, or a snapshot lost, is repaired.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime
from typing import Any

import orjson
import redis.asyncio as aredis

from tthc_contract.logs import get_logger
from tthc_contract.plan import Plan
from tthc_contract.redis_client import REDIS_ERRORS
from tthc_contract.streams import (
    BODY_FIELD,
    INDICATORS,
    INDICATORS_MAXLEN,
    KIND_DUE_SOON,
    KIND_FIELD,
    KIND_SNAPSHOT,
)

from . import reads
from .indicators import as_of_text, snapshot, watched_periods
from .results import RecentResults
from .store import Store, StoreUnavailable

log = get_logger("tthc.metrics.snapshots")


def due_soon_body(unit: str, at: datetime, within_s: float, items: list[reads.DueItem]) -> dict[str, Any]:
    return {
        "unit": unit,
        "as_of": as_of_text(at),
        "within_s": within_s,
        "items": [
            {
                "kind": i.kind,
                "code": i.code,
                "unit": i.unit,
                "due": as_of_text(i.due_at),
                "received": as_of_text(i.received_at),
                "procedure": i.procedure,
            }
            for i in items
        ],
    }


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
    ) -> None:
        self.check_s = check_s
        self._periods: set[str] = set()
        self.results = results or RecentResults(0)
        self.store = store
        self.redis = redis
        self.plan = plan
        self.interval_s = interval_s
        self.min_gap_s = min_gap_s
        self._dirty = asyncio.Event()
        self._units: set[str] = set()
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
        if self._everything:
            units = None
        else:
            since = self._checked_at or at
            crossed = await asyncio.to_thread(
                reads.units_with_due_between, self.store, since, at, self.plan.alerts.due_soon
            )
            known = self.plan.unit_codes
            units = {up for u in self._units | crossed if u in known for up in self.plan.ancestors(u)}
        self._everything, self._units, self._checked_at = False, set(), at
        return units

    async def run(self) -> None:
        next_full = 0.0
        while True:
            full = time.monotonic() >= next_full
            if not full:
                wait = min(next_full, time.monotonic() + self.check_s) - time.monotonic()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(max(0.0, wait)):
                        await self._dirty.wait()
            self._dirty.clear()
            started = time.monotonic()
            at = datetime.now(UTC)
            full = full or time.monotonic() >= next_full or self._new_periods(at)
            try:
                await self.publish(full=full, at=at, units=None if full else await self._units_to_compute(at))
            except (StoreUnavailable, *REDIS_ERRORS) as exc:
                log.warning("metrics.snapshot_failed", error=str(exc)[:300])
            took = time.monotonic() - started
            if full:
                next_full = time.monotonic() + self.interval_s
            # Under a heavy load of events, computing snapshots must not starve storing
            # them: after a computation of t seconds, wait at least 3t before the next.
            await asyncio.sleep(max(self.min_gap_s, 3 * took))

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
        counts = await asyncio.to_thread(reads.counts_by_unit, self.store, self.plan, periods, at, wanted)
        for (unit_code, period_code), unit_counts in counts.items():
            self.results.put(unit_code, period_code, generation, at, unit_counts)
        entries: list[tuple[bytes, dict[str, Any]]] = []
        seen: dict[tuple[str, str], Any] = {}
        for unit in wanted:
            for period in periods:
                body = snapshot(
                    unit, period, at, counts.get((unit, period.code), {}), self.plan.targets(unit)
                )
                seen[(unit, period.code)] = body["indicators"]
                if full or self._published.get((unit, period.code)) != body["indicators"]:
                    entries.append((KIND_SNAPSHOT.encode(), body))
        entries += await self._due_soon(at, full, seen, wanted)
        await self._xadd(entries)
        self._published.update(seen)  # only once published: a failed write is retried next time
        self.last_at = time.time()
        return len(entries)

    async def _due_soon(
        self, at: datetime, full: bool, seen: dict[tuple[str, str], Any], units: list[str]
    ) -> list[tuple[bytes, dict[str, Any]]]:
        within = self.plan.alerts.due_soon
        items = await asyncio.to_thread(reads.due_soon, self.store, units, at, at + within)
        out = []
        for unit in units:
            own = [i for i in items if i.unit == unit]
            seen[(unit, "due_soon")] = [i.code for i in own]
            if full or self._published.get((unit, "due_soon")) != seen[(unit, "due_soon")]:
                out.append((KIND_DUE_SOON.encode(), due_soon_body(unit, at, within.total_seconds(), own)))
        return out

    async def _xadd(self, entries: list[tuple[bytes, dict[str, Any]]]) -> None:
        if not entries:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for kind, body in entries:
                fields = {KIND_FIELD: kind, BODY_FIELD: orjson.dumps(body)}
                pipe.xadd(INDICATORS, fields, maxlen=INDICATORS_MAXLEN, approximate=True)  # type: ignore[arg-type]
            await pipe.execute()
