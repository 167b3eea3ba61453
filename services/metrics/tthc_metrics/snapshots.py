"""Publishing indicator snapshots and due-soon lists to ``tthc:indicators``.

After a flush (coalesced: at most one computation per ``min_gap``), every unit whose
numbers changed for a watched period is published; every ``interval`` all of them
are, because lateness changes with time alone. Each unit's own unresolved items
falling due within the plan's ``due_soon`` are published beside them, for early
warnings. All units and periods come from one query.
"""

from __future__ import annotations

import asyncio
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
    ) -> None:
        self.results = results or RecentResults(0)
        self.store = store
        self.redis = redis
        self.plan = plan
        self.interval_s = interval_s
        self.min_gap_s = min_gap_s
        self._dirty = asyncio.Event()
        self._published: dict[tuple[str, str], Any] = {}
        self.last_at: float | None = None

    def mark_dirty(self) -> None:
        self._dirty.set()

    async def run(self) -> None:
        next_full = 0.0
        while True:
            full = time.monotonic() >= next_full
            if not full:
                try:
                    async with asyncio.timeout(next_full - time.monotonic()):
                        await self._dirty.wait()
                except TimeoutError:
                    full = True
            self._dirty.clear()
            started = time.monotonic()
            try:
                await self.publish(full=full)
            except (StoreUnavailable, *REDIS_ERRORS) as exc:
                log.warning("metrics.snapshot_failed", error=str(exc)[:300])
            took = time.monotonic() - started
            if full:
                next_full = time.monotonic() + self.interval_s
            # Under a heavy load of events, computing snapshots must not starve storing
            # them: after a computation of t seconds, wait at least 3t before the next.
            await asyncio.sleep(max(self.min_gap_s, 3 * took))

    async def publish(self, full: bool, at: datetime | None = None) -> int:
        """Compute and publish; returns how many entries were written."""
        at = at or datetime.now(UTC)
        periods = watched_periods(at, self.plan.alerts.period_kinds)
        generation = self.results.generation
        counts = await asyncio.to_thread(reads.counts_by_unit, self.store, self.plan, periods, at)
        for (unit_code, period_code), unit_counts in counts.items():
            self.results.put(unit_code, period_code, generation, at, unit_counts)
        entries: list[tuple[bytes, dict[str, Any]]] = []
        seen: dict[tuple[str, str], Any] = {}
        for unit in self.plan.unit_codes:
            for period in periods:
                body = snapshot(
                    unit, period, at, counts.get((unit, period.code), {}), self.plan.targets(unit)
                )
                seen[(unit, period.code)] = body["indicators"]
                if full or self._published.get((unit, period.code)) != body["indicators"]:
                    entries.append((KIND_SNAPSHOT.encode(), body))
        entries += await self._due_soon(at, full, seen)
        await self._xadd(entries)
        self._published.update(seen)  # only once published: a failed write is retried next time
        self.last_at = time.time()
        return len(entries)

    async def _due_soon(
        self, at: datetime, full: bool, seen: dict[tuple[str, str], Any]
    ) -> list[tuple[bytes, dict[str, Any]]]:
        within = self.plan.alerts.due_soon
        items = await asyncio.to_thread(
            reads.due_soon, self.store, sorted(self.plan.unit_codes), at, at + within
        )
        out = []
        for unit in sorted(self.plan.unit_codes):
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
