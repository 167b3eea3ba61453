"""Handing alerts to Alertmanager: to every peer of its cluster, each on its own.

Alertmanager's high availability needs every alert sent to every peer, never through a
balancer: the peers do not share alerts, only silences and the notification log (who was
told what), and each one notifies only what the log says no peer has notified yet.
``TTHC_ALERTMANAGER_URL`` therefore lists every peer, and each peer gets its own loop here,
with its own client, timeouts and backoff: a peer down or hanging delays no other.

Alertmanager forgets an alert that is not posted again before its ``endsAt``; firing alerts
are therefore posted to each peer every ``repost`` with ``endsAt`` a few reposts ahead (if
this service stops for good, they resolve by themselves). A change is posted at once, with the
other changes the peer has not accepted and the firing alerts of the same units (a unit's
notification group, whole) but not the others: a province has thousands of firing alerts, and
posting them all at every change kept the alert that just fired waiting behind them for tens
of seconds. A change leaves the outbox (``tthc:alerts:outbox``) once every peer has accepted it as it
still is (its status and since when: ``change_of``); until then each peer that has not is
sent it again. When a peer is back, it is sent what is still true. Notifications, repeats,
grouping and silences are Alertmanager's.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tthc_contract.lease import LeaseLost
from tthc_contract.logs import get_logger
from tthc_contract.plan import Plan
from tthc_contract.redis_client import REDIS_ERRORS

from . import observability as om
from .alertmanager import AlertmanagerClient, DeliveryFailed
from .engine import AlertEngine
from .records import for_alertmanager
from .state_store import Record

log = get_logger("tthc.alerts.delivery")
BACKOFF_MAX_S = 30.0
Change = tuple[str, datetime | None, datetime | None]


def change_of(record: Record) -> Change:
    """What a change tells Alertmanager: the status, since when, and until when. Not the counts:
    those of a resolved alert go on changing with each snapshot, and a resolved alert posted
    again after its notice stays in its unit's group (Alertmanager drops it only if it was not
    posted again meanwhile), so the group's next notice would announce the resolution twice. A
    firing alert's counts go with every post of its unit and every repost."""
    return record.status, record.started_at, record.resolved_at


@dataclass(eq=False)
class Peer:
    """One Alertmanager of the cluster, and what it has accepted of the outbox."""

    client: AlertmanagerClient
    changed: asyncio.Event
    accepted: dict[str, Change] = field(default_factory=dict)
    failing: str | None = None
    last_delivered_at: datetime | None = None

    @property
    def name(self) -> str:
        return self.client.name

    def has_accepted(self, record: Record) -> bool:
        """Whether this peer accepted ``record``'s change as it is now (``change_of``)."""
        return self.accepted.get(record.id) == change_of(record)


class Deliverer:
    def __init__(
        self,
        engine: AlertEngine,
        clients: AlertmanagerClient | Sequence[AlertmanagerClient],
        plan: Plan,
        *,
        repost_s: float,
        source_url: str,
    ) -> None:
        self.engine = engine
        listed = [clients] if isinstance(clients, AlertmanagerClient) else list(clients)
        self.peers = [Peer(client, engine.subscribe()) for client in listed]
        self.plan = plan
        self.repost_s = repost_s
        self.keep_alive = timedelta(seconds=max(5 * repost_s, 60))
        self.source_url = source_url

    @property
    def failing(self) -> str | None:
        """What fails, peer by peer; None when every peer accepted its last post."""
        failures = [f"{p.name}: {p.failing}" for p in self.peers if p.failing is not None]
        return "; ".join(failures) or None

    async def deliver_once(self, now: datetime | None = None, *, full: bool = True) -> int:
        """One post to every peer at once; raises ``DeliveryFailed`` if any failed."""
        outcomes = await asyncio.gather(
            *(self.deliver_to(p, now, full=full) for p in self.peers), return_exceptions=True
        )
        errors = [o for o in outcomes if isinstance(o, BaseException)]
        for error in errors:
            if not isinstance(error, DeliveryFailed):
                raise error
        if errors:
            raise DeliveryFailed("; ".join(str(e) for e in errors))
        return max((o for o in outcomes if isinstance(o, int)), default=0)

    async def deliver_to(self, peer: Peer, now: datetime | None = None, *, full: bool = True) -> int:
        """Post to ``peer`` the changes it has not accepted yet with the firing alerts of their
        units, or (``full``) with every firing alert."""
        now = now or datetime.now(UTC)
        async with self.engine.lock:  # the queued changes and the records of one same state
            outbox = await self.engine.store.outbox()
            owed = [self.engine.records[i] for i in outbox if i in self.engine.records]
            records = [r for r in owed if not peer.has_accepted(r)]
            records += self._firing_besides(records, full=full)
        payload = [
            for_alertmanager(r, self.plan.names[r.unit], now, self.keep_alive, self.source_url)
            for r in records
        ]
        try:
            await self._post(peer, payload)
        except DeliveryFailed:
            om.ALERTMANAGER_UP.labels(peer.name).set(0)
            raise
        om.ALERTMANAGER_UP.labels(peer.name).set(1)
        peer.accepted.update((r.id, change_of(r)) for r in records if r.id in outbox)
        await self._done(outbox)
        peer.last_delivered_at = now
        return len(payload)

    def _firing_besides(self, changes: list[Record], *, full: bool) -> list[Record]:
        """The firing alerts posted with ``changes``: every one (``full``), else those of the
        changes' units. Alertmanager groups by unit: a peer that restarted and lost its alerts
        then gets a unit's whole group in the post that re-creates it, and tells it once, not
        once per post that adds to it."""
        units = None if full else {r.unit for r in changes}
        if units == set():
            return []
        chosen = {r.id for r in changes}
        return [
            r
            for r in self.engine.records.values()
            if r.status == "firing" and r.id not in chosen and (units is None or r.unit in units)
        ]

    async def _post(self, peer: Peer, payload: list[dict[str, object]]) -> None:
        if not payload:
            # Nothing to post: ask anyway, so that a peer gone is known before it is needed.
            if not await peer.client.ready():
                raise DeliveryFailed(f"Alertmanager at {peer.name} does not answer /-/ready")
            return
        try:
            await peer.client.post(payload)
        except DeliveryFailed:
            om.POSTS.labels(peer.name, "failed").inc()
            raise
        om.POSTS.labels(peer.name, "ok").inc()

    async def _done(self, outbox: Iterable[str]) -> None:
        """Unqueue the changes every peer accepted as they still are; a change made during a
        post, or one a peer has not accepted yet, stays queued."""
        async with self.engine.lock:
            done = [
                i
                for i in outbox
                if (r := self.engine.records.get(i)) is None or all(p.has_accepted(r) for p in self.peers)
            ]
            await self.engine.store.delivered(done)
        for peer in self.peers:
            for i in done:
                peer.accepted.pop(i, None)

    async def run(self) -> None:
        """Every peer's loop, until cancelled (or until the evaluator's lease is lost)."""
        async with asyncio.TaskGroup() as peers:
            for peer in self.peers:
                peers.create_task(self._run_peer(peer))

    async def _run_peer(self, peer: Peer) -> None:
        delay, next_full = 1.0, 0.0
        while True:
            peer.changed.clear()
            # Everything at start, every ``repost`` and after a failure; else the changes only.
            full = peer.failing is not None or time.monotonic() >= next_full
            try:
                await self.deliver_to(peer, full=full)
                if full:
                    next_full = time.monotonic() + self.repost_s
            except LeaseLost:
                return  # no longer the evaluator: the lease's holder delivers
            except (DeliveryFailed, *REDIS_ERRORS) as exc:
                if peer.failing is None:
                    log.error(
                        "alertmanager.unavailable",
                        peer=peer.name,
                        error=str(exc)[:300],
                        action="retrying this peer with backoff; the others go on",
                    )
                peer.failing = str(exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, BACKOFF_MAX_S)
                continue
            if peer.failing is not None:
                log.info("alertmanager.recovered", peer=peer.name)
                peer.failing = None
            delay = 1.0
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, next_full - time.monotonic())):
                    await peer.changed.wait()
