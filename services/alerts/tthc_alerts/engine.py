"""The alerts of every unit, kept up to date from snapshots, due-soon lists and the clock.

Pure decisions are made by ``evaluator`` and ``warnings``; this module applies them to the
records and persists every change (``state_store``) before anything is delivered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from tthc_contract.logs import get_logger
from tthc_contract.periods import period_of
from tthc_contract.plan import Plan

from .evaluator import Alert, Observation, Rules, step, tick
from .records import DueSoonWarning, public
from .state_store import AlertStore, Record
from .warnings import expire, new_warning

log = get_logger("tthc.alerts.engine")

KEEP_RESOLVED = timedelta(days=7)
"""Resolved alerts stay listed (``GET /v1/alerts?status=resolved``) this long."""

OnChange = Callable[[list[Record]], Awaitable[None]]


class AlertEngine:
    def __init__(self, plan: Plan, store: AlertStore, on_change: list[OnChange] | None = None) -> None:
        self.plan = plan
        self.store = store
        self.rules = Rules(plan.alerts.min_cases, plan.alerts.pending, plan.alerts.recovery_margin)
        self.records: dict[str, Record] = {}
        self._listeners: list[asyncio.Event] = []
        self.on_change = on_change or []
        self.lock = asyncio.Lock()
        """Held while the state changes (in Redis, then in memory): delivery reads both under it."""

    async def start(self) -> None:
        await self.store.index_warned()
        self.records = await self.store.load()
        log.info("alerts.state_loaded", alerts=len(self.records))

    def subscribe(self) -> asyncio.Event:
        """An event set at every change (each deliverer of a peer clears its own)."""
        event = asyncio.Event()
        self._listeners.append(event)
        return event

    def watched(self, now: datetime) -> set[str]:
        return {period_of(now, kind).code for kind in self.plan.alerts.period_kinds}

    async def on_snapshot(self, body: dict[str, Any]) -> None:
        await self.on_entries([("snapshot", body)])

    async def on_due_soon(self, body: dict[str, Any]) -> None:
        await self.on_entries([("due_soon", body)])

    async def on_entries(self, entries: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """One batch read from ``tthc:indicators`` (``snapshot`` or ``due_soon`` bodies):
        decided in order, each on the outcome of the ones before, and saved in one write."""
        async with self.lock:
            batch = _Batch(self.records)
            # Which due-soon items were warned about before the batch: one read for it all.
            warned = await self.store.warned(
                [(b["unit"], i["code"]) for k, b in entries if k != "snapshot" for i in b["items"]]
            )
            for kind, body in entries:
                if kind == "snapshot":
                    self._snapshot(batch, body)
                else:
                    self._due_soon(batch, body, warned)
            await self._apply(batch.updates, warned=batch.warned)

    def _snapshot(self, batch: _Batch, body: dict[str, Any]) -> None:
        at = datetime.fromisoformat(body["as_of"])
        if body["unit"] not in self.plan.unit_codes or body["period"] not in self.watched(at):
            return
        for item in body["indicators"]:
            obs = Observation(
                body["unit"],
                item["code"],
                body["period"],
                item["numerator"],
                item["denominator"],
                item["target"],
            )
            previous = batch.current(f"{obs.unit}/{obs.indicator}/{obs.period}")
            assert previous is None or isinstance(previous, Alert)
            batch.add(step(previous, obs, self.rules, at))

    def _due_soon(self, batch: _Batch, body: dict[str, Any], before: set[tuple[str, str]]) -> None:
        now, unit = datetime.fromisoformat(body["as_of"]), body["unit"]
        if unit not in self.plan.unit_codes or not body["items"]:
            return
        last = batch.last_warned(unit)
        if last is not None and now - last < self.plan.alerts.due_soon_every:
            return  # the items wait for the next batch; they stay in the due-soon list
        codes = [item["code"] for item in body["items"]]
        warned = {code for code in codes if (unit, code) in before} | batch.warned_codes(unit)
        period = period_of(now, "month").code
        warning = new_warning(unit, period, body["items"], warned=warned, within_s=body["within_s"], now=now)
        if warning is not None:
            batch.warn(warning)

    async def tick(self, now: datetime | None = None) -> None:
        """Time passing: pending alerts fire, warnings end, old periods and records go."""
        now = now or datetime.now(UTC)
        watched = self.watched(now)
        async with self.lock:
            updates: list[tuple[Record, bool]] = []
            for record in list(self.records.values()):
                if isinstance(record, DueSoonWarning):
                    updates.append(expire(record, now))
                else:
                    updates.append(tick(record, self.rules, now, watched))
            await self._apply(updates, now)
            await self.store.forget_warned_before(now)

    async def _apply(
        self,
        updates: Sequence[tuple[Record, bool]],
        now: datetime | None = None,
        *,
        warned: dict[tuple[str, str], str] | None = None,
    ) -> None:
        """Persist the updates (in order; the last one of a record stands), then hold them."""
        final: dict[str, Record | None] = {}
        changed = []
        for record, is_change in updates:
            dropped = record.status == "inactive" or (
                record.status == "resolved"
                and now is not None
                and record.resolved_at is not None
                and now - record.resolved_at > KEEP_RESOLVED
            )
            final[record.id] = None if dropped else record
            if is_change and not dropped:
                changed.append(record)
        held = self.records.get
        # Most records of a tick come back unchanged, the same object: no comparison for them.
        keep = [r for key, r in final.items() if r is not None and r is not held(key) and r != held(key)]
        forget = [key for key, r in final.items() if r is None and key in self.records]
        await self.store.save(keep, changed, forget, warned=warned)
        for key in forget:
            self.records.pop(key, None)
        self.records.update({r.id: r for r in keep})
        if changed:
            for record in changed:
                log.info("alert.changed", id=record.id, status=record.status)
            for event in self._listeners:
                event.set()
            for hook in self.on_change:
                await hook(changed)

    def listed(self, status: str) -> list[dict[str, Any]]:
        wanted = {"firing": {"firing"}, "resolved": {"resolved"}, "all": {"firing", "resolved"}}[status]
        chosen = [public(r) for r in self.records.values() if r.status in wanted]
        return sorted(chosen, key=lambda a: (a["started_at"] or "", a["id"]), reverse=True)


class _Batch:
    """The updates of one batch, over the records as they stood before it."""

    def __init__(self, records: dict[str, Record]) -> None:
        self.records = records
        self.updates: list[tuple[Record, bool]] = []
        self.warned: dict[tuple[str, str], str] = {}
        """``(unit, code)`` → due, for the items warned about in this batch."""
        self._warned_codes: dict[str, set[str]] = {}
        self._latest: dict[str, Record | None] = {}
        self._warned_at: dict[str, datetime] | None = None

    def current(self, key: str) -> Record | None:
        if key in self._latest:
            return self._latest[key]
        return self.records.get(key)

    def add(self, update: tuple[Record, bool]) -> None:
        record = update[0]
        self.updates.append(update)
        self._latest[record.id] = None if record.status == "inactive" else record

    def last_warned(self, unit: str) -> datetime | None:
        """When the unit's newest due-soon warning began (one pass over the records a batch)."""
        if self._warned_at is None:
            self._warned_at = {}
            for r in self.records.values():
                if isinstance(r, DueSoonWarning):
                    self._warned_at[r.unit] = max(r.started_at, self._warned_at.get(r.unit, r.started_at))
        return self._warned_at.get(unit)

    def warned_codes(self, unit: str) -> set[str]:
        """The unit's items warned about in this batch."""
        return self._warned_codes.get(unit, set())

    def warn(self, warning: DueSoonWarning) -> None:
        self.add((warning, True))
        self.warned |= {(warning.unit, item["code"]): item["due"] for item in warning.items}
        self._warned_codes.setdefault(warning.unit, set()).update(item["code"] for item in warning.items)
        assert self._warned_at is not None
        self._warned_at[warning.unit] = warning.started_at
