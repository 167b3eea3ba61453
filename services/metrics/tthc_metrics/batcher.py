"""A size/time batcher: gather stream entries until ``max_rows`` or ``max_wait`` since the
first one, then hand them over as one batch. FastStream delivers one ``XREADGROUP`` per
call; a flush here spans as many reads as fit, so ClickHouse sees few, large inserts.

``add`` waits while a full batch is already waiting (backpressure: entries stay unread
in Redis rather than piling up in memory). ``add_group`` hands over entries that must be
processed together and apart from the rest (suspects of crashing a consumer).

Pacing: a batch that is not full is taken no sooner than twice what storing the last batches
took after the last one (``paced``; at most ``MAX_PACE_S``). Storing a batch costs about the
same for 25 events as for 1,000: a few statements, each with a fixed cost of planning (about
10 ms each in the embedded engine) and of writing parts, which are merged later. Under live
traffic, batches taken every ``max_wait`` would spend the machine on those fixed costs;
paced, storing takes at most about half the time, each batch carries what arrived
meanwhile, and no batch waits longer than ``MAX_PACE_S``. Full batches (a backfill) are never
held.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

MAX_PACE_S = 0.3
"""The longest a batch that is not full waits for the last ones to be stored."""


class Batcher:
    def __init__(self, max_rows: int, max_wait_s: float) -> None:
        self.max_rows = max_rows
        self.max_wait_s = max_wait_s
        self._items: list[tuple[bytes, Any]] = []
        self._groups: list[list[tuple[bytes, Any]]] = []
        self._first_at: float | None = None
        self._taken_at = 0.0
        self._pace_s = 0.0
        self._changed = asyncio.Condition()

    def paced(self, stored_s: float) -> None:
        """What storing the last batches took (insert and refresh): the next batch that is not
        full is taken no sooner than twice that after the last one (at most ``MAX_PACE_S``)."""
        self._pace_s = min(max(0.0, 2 * stored_s), MAX_PACE_S)

    def __len__(self) -> int:
        return len(self._items) + sum(len(g) for g in self._groups)

    async def add_group(self, items: Sequence[tuple[bytes, Any]]) -> None:
        """A batch of its own, taken before the gathered entries."""
        async with self._changed:
            await self._changed.wait_for(lambda: len(self._groups) < 2)
            self._groups.append(list(items))
            self._changed.notify_all()

    async def add(self, items: Sequence[tuple[bytes, Any]]) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: len(self._items) < 2 * self.max_rows)
            if not self._items:
                self._first_at = time.monotonic()
            self._items.extend(items)
            self._changed.notify_all()

    async def take(self) -> list[tuple[bytes, Any]]:
        """The next batch: full, or as old as ``max_wait``; waits for the first entry."""
        async with self._changed:
            await self._changed.wait_for(lambda: bool(self._items or self._groups))
            if self._groups:
                group = self._groups.pop(0)
                self._changed.notify_all()
                return group
            while len(self._items) < self.max_rows:
                assert self._first_at is not None
                due = max(self._first_at + self.max_wait_s, self._taken_at + self._pace_s)
                left = due - time.monotonic()
                if left <= 0:
                    break
                try:  # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancel
                    async with asyncio.timeout(left):
                        await self._changed.wait()
                except TimeoutError:
                    break
            batch, self._items = self._items[: self.max_rows], self._items[self.max_rows :]
            self._taken_at = time.monotonic()
            self._first_at = self._taken_at if self._items else None
            self._changed.notify_all()
            return batch

    def drain(self) -> list[tuple[bytes, Any]]:
        """The gathered entries, at shutdown (groups of suspects stay pending: their
        processing is cut short by the stop, not by them)."""
        batch, self._items = self._items, []
        self._groups.clear()
        self._first_at = None
        return batch
