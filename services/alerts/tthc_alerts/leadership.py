"""One evaluator of the alert state at a time; every other alerts instance stands by.

Every instance serves ``/v1/alerts`` and ``/health``. The one holding the lease
``tthc:lease:alerts`` (``tthc_contract.lease``) is the evaluator: it loads the state from
Redis, reads ``tthc:indicators``, ticks the clock and delivers to Alertmanager, and each of
its writes of the state is fenced by the lease's token. A standby reads nothing from the
stream (the consumer group would split the snapshots between instances); it reloads the
state every few seconds, so that its ``/v1/alerts`` is current, and tries the lease every
2 s. When the evaluator dies the standby takes over within 15 s; when it stops cleanly,
within 2 s. An evaluator that stalls past its lease writes nothing more (its writes are
refused) and becomes a standby.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol

from tthc_contract.lease import Lease, LeaseLost
from tthc_contract.logs import get_logger
from tthc_contract.redis_client import REDIS_ERRORS

from .delivery import Deliverer
from .engine import AlertEngine

log = get_logger("tthc.alerts.leadership")
EVALUATOR, STANDBY = "evaluator", "standby"


class Consumer(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


class Roles:
    def __init__(
        self,
        engine: AlertEngine,
        deliverer: Deliverer,
        lease: Lease,
        consumer: Callable[[], Consumer],
        *,
        tick_s: float,
        follow_s: float = 5.0,
    ) -> None:
        self.engine, self.deliverer, self.lease = engine, deliverer, lease
        self.consumer = consumer
        """A new reader of ``tthc:indicators`` for each term as evaluator."""
        self.tick_s, self.follow_s = tick_s, follow_s

    def role(self) -> str:
        return EVALUATOR if self.lease.held() else STANDBY

    async def run(self) -> None:
        await self.lease.lead(self.evaluate, standby=self.follow)

    async def evaluate(self) -> None:
        """The evaluator's term: from the state as the last evaluator left it."""
        await self.engine.start()
        for peer in self.deliverer.peers:  # what they accepted in an earlier term may be stale
            peer.accepted.clear()
        log.info("alerts.evaluating", token=self.lease.token, alerts=len(self.engine.records))
        consumer = self.consumer()
        await consumer.start()
        try:
            async with asyncio.TaskGroup() as duties:
                duties.create_task(self.deliverer.run())
                duties.create_task(self._ticking())
        finally:
            await consumer.stop()

    async def _ticking(self) -> None:
        while True:
            await asyncio.sleep(self.tick_s)
            try:
                await self.engine.tick()
            except LeaseLost:
                return  # the lease stops the term at once
            except REDIS_ERRORS as exc:
                log.warning("alerts.tick_failed", error=str(exc)[:300])

    async def follow(self) -> None:
        """A standby: the state as the evaluator writes it, read again and again."""
        log.info("alerts.standby", lease=self.lease.key)
        while True:
            try:
                records = await self.engine.store.load()
                async with self.engine.lock:
                    self.engine.records = records
            except REDIS_ERRORS as exc:
                log.warning("alerts.follow_failed", error=str(exc)[:300])
            await asyncio.sleep(self.follow_s)
