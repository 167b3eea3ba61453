"""Handing alerts to Alertmanager: active ones again and again, resolutions until accepted.

Alertmanager forgets an alert that is not posted again before its ``endsAt``; firing
alerts are therefore posted every ``repost`` with ``endsAt`` a few reposts ahead
(if this service stops for good, they resolve by themselves). A change is posted at
once. When Alertmanager is down, evaluation goes on; delivery retries with backoff and
posts what is still true when it is back. Notifications, repeats, grouping and
silences are Alertmanager's.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

from tthc_contract.logs import get_logger
from tthc_contract.plan import Plan
from tthc_contract.redis_client import REDIS_ERRORS

from . import observability as om
from .alertmanager import AlertmanagerClient, DeliveryFailed
from .engine import AlertEngine
from .records import for_alertmanager
from .state_store import Record

log = get_logger("tthc.alerts.delivery")


class Deliverer:
    def __init__(
        self, engine: AlertEngine, client: AlertmanagerClient, plan: Plan, *, repost_s: float, source_url: str
    ) -> None:
        self.engine = engine
        self.client = client
        self.plan = plan
        self.repost_s = repost_s
        self.keep_alive = timedelta(seconds=max(5 * repost_s, 60))
        self.source_url = source_url
        self.failing: str | None = None
        self.last_delivered_at: datetime | None = None

    async def deliver_once(self, now: datetime | None = None) -> int:
        now = now or datetime.now(UTC)
        async with self.engine.lock:  # the queued changes and the records of one same state
            outbox = await self.engine.store.outbox()
            records = [r for r in self.engine.records.values() if r.status == "firing" or r.id in outbox]
        payload = [
            for_alertmanager(r, self.plan.names[r.unit], now, self.keep_alive, self.source_url)
            for r in records
        ]
        if payload:
            try:
                await self.client.post(payload)
            except DeliveryFailed:
                om.POSTS.labels("failed").inc()
                raise
            om.POSTS.labels("ok").inc()
        elif not await self.client.ready():
            # Nothing to post: ask anyway, so that an Alertmanager gone is known before it is needed.
            raise DeliveryFailed(f"Alertmanager at {self.client.url} does not answer /-/ready")
        await self._done(outbox, records)
        self.last_delivered_at = now
        return len(payload)

    async def _done(self, outbox: set[str], posted: list[Record]) -> None:
        """Unqueue what was posted as it still is; a change made during the post stays queued."""
        as_posted = {r.id: r for r in posted}
        async with self.engine.lock:
            await self.engine.store.delivered(
                i for i in outbox if self.engine.records.get(i) == as_posted.get(i)
            )

    async def run(self) -> None:
        delay = 1.0
        while True:
            self.engine.changed.clear()
            try:
                await self.deliver_once()
            except (DeliveryFailed, *REDIS_ERRORS) as exc:
                if self.failing is None:
                    log.error(
                        "alertmanager.unavailable", error=str(exc)[:300], action="retrying with backoff"
                    )
                self.failing = str(exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            if self.failing is not None:
                log.info("alertmanager.recovered")
                self.failing = None
            delay = 1.0
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.repost_s):
                    await self.engine.changed.wait()
