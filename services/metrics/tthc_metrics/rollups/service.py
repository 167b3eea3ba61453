"""The refresh as the consumer calls it: under the deployment's lease, off the event loop."""

from __future__ import annotations

import asyncio

import redis.asyncio as aredis

from tthc_contract.logs import get_logger

from ..store import Store
from .lease import RefreshLease
from .refresh import Changed, refresh_items

log = get_logger("tthc.metrics.rollups")


class Rollups:
    def __init__(self, redis: aredis.Redis) -> None:
        self.lease = RefreshLease(redis)

    async def refresh(self, store: Store, cases: set[str], feedback: set[str]) -> Changed:
        """The state and cells of these items, current; what changed (for the snapshots)."""
        if not (cases or feedback):
            return Changed()
        while True:
            async with self.lease.held() as held:
                changed = await asyncio.to_thread(refresh_items, store, cases, feedback, held.version)
            if held.kept:
                return changed
            log.warning(
                "rollups.lease_lost", cases=len(cases), feedback=len(feedback), action="refreshing again"
            )
