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
        at = datetime.fromisoformat(body["as_of"])
        if body["unit"] not in self.plan.unit_codes or body["period"] not in self.watched(at):
            return
        async with self.lock:
            updates = []
            for item in body["indicators"]:
                obs = Observation(
                    body["unit"],
                    item["code"],
                    body["period"],
                    item["numerator"],
                    item["denominator"],
                    item["target"],
                )
                key = f"{obs.unit}/{obs.indicator}/{obs.period}"
                previous = self.records.get(key)
                assert previous is None or isinstance(previous, Alert)
                updates.append(step(previous, obs, self.rules, at))
            await self._apply(updates)

    async def on_due_soon(self, body: dict[str, Any]) -> None:
        now = datetime.fromisoformat(body["as_of"])
        unit = body["unit"]
        if unit not in self.plan.unit_codes or not body["items"]:
            return
        async with self.lock:
            if self._warned_recently(unit, now):
                return  # the items wait for the next batch; they stay in the due-soon list
            warned = await self.store.warned(unit)
            warning = new_warning(
                unit,
                period_of(now, "month").code,
                body["items"],
                warned=warned,
                within_s=body["within_s"],
                now=now,
            )
            if warning is None:
                return
            await self.store.remember_warned(unit, warning.items)
            await self._apply([(warning, True)])

    def _warned_recently(self, unit: str, now: datetime) -> bool:
        every = self.plan.alerts.due_soon_every
        return any(
            isinstance(r, DueSoonWarning) and r.unit == unit and now - r.started_at < every
            for r in self.records.values()
        )

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

    async def _apply(self, updates: Sequence[tuple[Record, bool]], now: datetime | None = None) -> None:
        keep, changed, forget = [], [], []
        for record, is_change in updates:
            old = self.records.get(record.id)
            expired = (
                record.status == "resolved"
                and now is not None
                and record.resolved_at is not None
                and now - record.resolved_at > KEEP_RESOLVED
            )
            if record.status == "inactive" or expired:
                if old is not None:
                    forget.append(record.id)
                continue
            if record != old:
                keep.append(record)
            if is_change:
                changed.append(record)
        await self.store.save(keep, changed, forget)
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
