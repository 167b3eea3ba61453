"""Consuming ``tthc:events`` with FastStream, in the consumer group ``metrics``.

- The group is created at ``0`` before FastStream subscribes (FastStream creates it at
  ``$``, which silently skips every entry published before metrics first ran).
- One subscriber reads new entries (``XREADGROUP``); another reclaims entries a dead
  consumer left pending (``XAUTOCLAIM``). Both feed the batcher. Two loops drain it:
  one prepares the next batch while the other stores and acknowledges the current one.
- Entries held here are kept "fresh" (``XCLAIM ... JUSTID`` resets their idle time and
  not their delivery count), so a long ClickHouse outage never lets them be reclaimed;
  an entry delivered more than ``max_deliveries`` times (it keeps killing its consumer)
  goes to ``tthc:dead``.
- Entries reach the handlers raw (``tthc_contract.stream_consumers``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as aredis
from faststream.redis.annotations import RedisBatchStreamMessage

from tthc_contract.logs import get_logger
from tthc_contract.redis_client import REDIS_ERRORS
from tthc_contract.stream_consumers import RawStreamReader, as_fields, raw_entries
from tthc_contract.stream_consumers import ensure_group as ensure_stream_group
from tthc_contract.streams import EVENTS, METRICS_GROUP

from .batcher import Batcher
from .entries import DeadLetter
from .writer import Prepared, Writer, Written

log = get_logger("tthc.metrics.consumer")


async def ensure_group(redis: aredis.Redis) -> None:
    """The metrics group, at 0: entries published before metrics first ran are read too."""
    await ensure_stream_group(redis, EVENTS, METRICS_GROUP, "0")


class EventConsumer:
    def __init__(
        self,
        redis_url: str,
        redis: aredis.Redis,
        name: str,
        writer: Writer,
        batcher: Batcher,
        *,
        reclaim_idle_ms: int,
        max_deliveries: int,
        on_stored: Callable[[int], Awaitable[None]],
    ) -> None:
        self.redis = redis
        self.name = name
        self.writer = writer
        self.batcher = batcher
        self.reclaim_idle_ms = reclaim_idle_ms
        self.max_deliveries = max_deliveries
        self.on_stored = on_stored
        self.inflight: set[bytes] = set()
        self._prepared: asyncio.Queue[tuple[list[bytes], Prepared]] = asyncio.Queue(maxsize=1)
        self._tasks: list[asyncio.Task[None]] = []
        self._acking: asyncio.Task[None] | None = None
        self.reader = RawStreamReader(redis_url, redis, EVENTS, METRICS_GROUP, consumer=name, start="0")
        self.reader.subscribe(self._on_read, max_records=batcher.max_rows, polling_interval=200)
        self.reader.subscribe(
            self._on_reclaim, min_idle_time=reclaim_idle_ms, polling_interval=max(200, reclaim_idle_ms // 4)
        )

    async def _on_read(self, message: RedisBatchStreamMessage) -> None:
        entries = raw_entries(message)
        self.inflight.update(entry_id for entry_id, _ in entries)
        await self.batcher.add(entries)

    async def _on_reclaim(self, message: RedisBatchStreamMessage) -> None:
        fresh, dead = [], []
        for entry_id, fields in raw_entries(message):
            if entry_id in self.inflight:
                continue
            deliveries = await self._deliveries(entry_id)
            if deliveries > self.max_deliveries:
                reason = f"delivered {deliveries} times without being stored (it may crash its consumer)"
                dead.append(DeadLetter(entry_id, as_fields(fields), reason))
            else:
                fresh.append((entry_id, fields))
        if fresh or dead:
            log.info("metrics.reclaimed", entries=len(fresh), dead=len(dead))
        if dead:
            await self.writer.write([], dead)
        self.inflight.update(e for e, _ in fresh)
        await self.batcher.add(fresh)

    async def _deliveries(self, entry_id: bytes) -> int:
        pending = await self.redis.xpending_range(EVENTS, METRICS_GROUP, min=entry_id, max=entry_id, count=1)
        return int(pending[0]["times_delivered"]) if pending else 1

    async def start(self) -> None:
        await self.reader.start()
        self._tasks = [
            asyncio.create_task(c) for c in (self._prepare_loop(), self._commit_loop(), self._heartbeat())
        ]

    async def _prepare_loop(self) -> None:
        while True:
            batch = await self.batcher.take()
            prepared = await self.writer.prepare(batch)
            await self._prepared.put(([entry_id for entry_id, _ in batch], prepared))

    async def _commit_loop(self) -> None:
        """Store batch after batch; each batch's ``XACK`` runs while the next one is stored.

        Acknowledgements stay in order, one in flight: an entry is never acknowledged
        before its own batch is stored.
        """
        while True:
            entry_ids, prepared = await self._prepared.get()
            try:
                written = await self.writer.store_batch(prepared)
                if self._acking is not None:
                    await self._acking
                self._acking = asyncio.create_task(self._acknowledge(entry_ids, written))
            finally:
                self._prepared.task_done()

    async def _acknowledge(self, entry_ids: list[bytes], written: Written) -> None:
        stored = await self.writer.acknowledge(written)
        self.inflight.difference_update(entry_ids)
        await self.on_stored(stored)

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.reclaim_idle_ms / 3000)
            ids: list[Any] = list(self.inflight)
            try:
                for start in range(0, len(ids), 5_000):
                    await self.redis.xclaim(
                        EVENTS, METRICS_GROUP, self.name, 0, ids[start : start + 5_000], justid=True
                    )
            except REDIS_ERRORS as exc:
                log.warning("metrics.heartbeat_failed", error=str(exc))

    async def stop(self, flush_timeout_s: float = 20.0) -> None:
        """Stop reading, store what is prepared or buffered (if that fits in the time), stop.

        Whatever is not stored stays pending and is delivered again: a claim made for an
        entry lets the same entry store its event later.
        """
        await self.reader.stop()
        preparing, committing, heartbeat = self._tasks
        preparing.cancel()
        heartbeat.cancel()
        remaining = self.batcher.drain()
        try:
            await asyncio.wait_for(self._settle(remaining), flush_timeout_s)
        except TimeoutError:
            log.warning(
                "metrics.stop_unflushed",
                entries=len(self.inflight),
                note="left pending; delivered again later",
            )
        committing.cancel()
        if self._acking is not None:
            self._acking.cancel()  # only after a timeout: its entries stay pending

    async def _settle(self, remaining: list[tuple[bytes, Any]]) -> None:
        await self._prepared.join()  # the commit loop stores what was prepared
        if self._acking is not None:
            await self._acking
        if remaining:
            await self.on_stored(await self.writer.write(remaining))
            self.inflight.difference_update(e for e, _ in remaining)
