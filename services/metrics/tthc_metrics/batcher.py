"""A size/time batcher: gather stream entries until ``max_rows`` or ``max_wait`` since the
first one, then hand them over as one batch. FastStream delivers one ``XREADGROUP`` per
call; a flush here spans as many reads as fit, so ClickHouse sees few, large inserts.

``add`` waits while a full batch is already waiting (backpressure: entries stay unread
in Redis rather than piling up in memory). ``add_group`` hands over entries that must be
processed together and apart from the rest (suspects of crashing a consumer).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any


class Batcher:
    def __init__(self, max_rows: int, max_wait_s: float) -> None:
        self.max_rows = max_rows
        self.max_wait_s = max_wait_s
        self._items: list[tuple[bytes, Any]] = []
        self._groups: list[list[tuple[bytes, Any]]] = []
        self._first_at: float | None = None
        self._changed = asyncio.Condition()

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
                left = self._first_at + self.max_wait_s - time.monotonic()
                if left <= 0:
                    break
                try:  # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancel
                    async with asyncio.timeout(left):
                        await self._changed.wait()
                except TimeoutError:
                    break
            batch, self._items = self._items[: self.max_rows], self._items[self.max_rows :]
            self._first_at = time.monotonic() if self._items else None
            self._changed.notify_all()
            return batch

    def drain(self) -> list[tuple[bytes, Any]]:
        """The gathered entries, at shutdown (groups of suspects stay pending: their
        processing is cut short by the stop, not by them)."""
        batch, self._items = self._items, []
        self._groups.clear()
        self._first_at = None
        return batch
