"""Consuming ``tthc:events`` in the consumer group ``metrics``.

- The group is created at ``0`` before reading (FastStream creates it at ``$``, which
  silently skips every entry published before metrics first ran).
- New entries are read by FastStream (``XREADGROUP``); entries a dead consumer left
  pending are reclaimed here, a batch per ``XAUTOCLAIM`` (FastStream claims one entry
  per call). Both feed the batcher. Two loops drain it: one prepares the next batch
  while the other stores and acknowledges the current one.
- Entries held here are kept "fresh" (``XCLAIM ... JUSTID`` resets their idle time), so a
  long ClickHouse outage never lets them be reclaimed.
- Poison is judged by witnessed crashes, not deliveries (``suspects``, ``crash_witness``):
  reclaimed entries whose processing killed a consumer are processed in small groups of
  their own, and go to ``tthc:dead`` only once they kill it while processed alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import redis.asyncio as aredis
from faststream.redis.annotations import RedisBatchStreamMessage

from tthc_contract.dead_letters import DeadLetter
from tthc_contract.logs import get_logger
from tthc_contract.redis_client import REDIS_ERRORS
from tthc_contract.stream_consumers import RawStreamReader, as_fields, raw_entries
from tthc_contract.stream_consumers import ensure_group as ensure_stream_group
from tthc_contract.streams import EVENTS, METRICS_GROUP
from tthc_contract.tasks import cancelled

from . import observability as om
from .batcher import Batcher
from .rollups.refresh import Changed
from .suspects import group_size, is_poison, poison_reason
from .writer import Prepared, Writer, Written

log = get_logger("tthc.metrics.consumer")
COALESCE = 8
"""Batches stored while a refresh runs, taken together by the next one (at most)."""
Entry = tuple[bytes, Any]


def stop_if_cancelled() -> None:
    """Raise ``CancelledError`` if this task was asked to stop. In the two-consumer drill (about
    1 run in 10) a killed consumer's heartbeat went on after its task was cancelled, keeping its
    entries fresh so that nobody could reclaim them; the likely way is a cancellation taken in a
    Redis call and turned into an error the loop catches as an outage (not confirmed). The
    request stays counted on the task (``Task.cancelling``), so the loop stops at its next turn."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


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
        poison_after: int,
        on_stored: Callable[[int, Changed], Awaitable[None]],
    ) -> None:
        self.redis = redis
        self.name = name
        self.writer = writer
        self.batcher = batcher
        self.reclaim_idle_ms = reclaim_idle_ms
        self.poison_after = poison_after
        self.on_stored = on_stored
        self.witness = writer.witness
        self.inflight: set[bytes] = set()
        self.suspects: set[bytes] = set()
        self._prepared: asyncio.Queue[tuple[list[bytes], Prepared]] = asyncio.Queue(maxsize=1)
        self._inserted: asyncio.Queue[tuple[list[bytes], Written]] = asyncio.Queue(maxsize=COALESCE)
        self._tasks: list[asyncio.Task[None]] = []
        self.reader = RawStreamReader(redis_url, redis, EVENTS, METRICS_GROUP, consumer=name, start="0")
        self.reader.subscribe(self._on_read, max_records=batcher.max_rows, polling_interval=200)

    async def _on_read(self, message: RedisBatchStreamMessage) -> None:
        entries = raw_entries(message)
        self.inflight.update(entry_id for entry_id, _ in entries)
        await self.batcher.add(entries)

    async def _reclaim_loop(self) -> None:
        """Every few seconds, take over what dead consumers left pending, a batch at a time."""
        while True:
            stop_if_cancelled()
            try:
                await self.witness.collect()
                start = b"0-0"
                while True:
                    start, claimed = await self._autoclaim(start)
                    if claimed:
                        await self._on_reclaimed(claimed)
                    if start == b"0-0":
                        break
            except REDIS_ERRORS as exc:
                log.warning("metrics.reclaim_failed", error=str(exc)[:300])
            await asyncio.sleep(max(0.2, self.reclaim_idle_ms / 4000))

    async def _autoclaim(self, start: bytes) -> tuple[bytes, list[Entry]]:
        reply = await self.redis.xautoclaim(
            EVENTS, METRICS_GROUP, self.name, self.reclaim_idle_ms, start, count=self.batcher.max_rows
        )
        next_start, claimed = reply[0], reply[1]
        return next_start, [
            (entry_id, fields) for entry_id, fields in claimed if entry_id not in self.inflight
        ]

    async def _on_reclaimed(self, claimed: Sequence[Entry]) -> None:
        crashes = await self.witness.crashes([entry_id for entry_id, _ in claimed])
        fresh: list[Entry] = []
        groups: dict[int, list[Entry]] = {}
        dead: list[DeadLetter] = []
        for (entry_id, fields), count in zip(claimed, crashes, strict=True):
            if count == 0:
                fresh.append((entry_id, fields))
            elif is_poison(count, self.batcher.max_rows, self.poison_after):
                dead.append(
                    DeadLetter(
                        entry_id,
                        as_fields(fields),
                        poison_reason(count, self.batcher.max_rows),
                        code="poison",
                    )
                )
            else:
                groups.setdefault(group_size(count, self.batcher.max_rows), []).append((entry_id, fields))
        suspects = sum(len(g) for g in groups.values())
        log.info("metrics.reclaimed", entries=len(claimed), suspects=suspects, poison=len(dead))
        if dead:
            await self.writer.write([], dead)
            await self.witness.forget([letter.entry_id for letter in dead])
        self.inflight.update(entry_id for entry_id, _ in claimed)
        await self.batcher.add(fresh)
        for size, members in sorted(groups.items()):
            self.suspects.update(entry_id for entry_id, _ in members)
            for start in range(0, len(members), size):
                await self.batcher.add_group(members[start : start + size])

    async def start(self) -> None:
        await self.witness.heartbeat()
        await self.reader.start()
        self._tasks = [
            asyncio.create_task(c)
            for c in (
                self._prepare_loop(),
                self._commit_loop(),
                self._refresh_loop(),
                self._heartbeat(),
                self._reclaim_loop(),
            )
        ]

    async def _prepare_loop(self) -> None:
        while True:
            batch = await self.batcher.take()
            prepared = await self.writer.prepare(batch)
            await self._prepared.put(([entry_id for entry_id, _ in batch], prepared))

    async def _commit_loop(self) -> None:
        """Insert batch after batch; the refresh loop counts them and acknowledges them.

        While a refresh runs, the next batches are inserted (at most ``COALESCE`` waiting),
        and the next refresh takes them together. Acknowledgements stay in order: an entry is
        never acknowledged before its batch is stored and counted.
        """
        while True:
            entry_ids, prepared = await self._prepared.get()
            try:
                written = await self.writer.insert_batch(prepared)
                await self._inserted.put((entry_ids, written))
            finally:
                self._prepared.task_done()

    async def _refresh_loop(self) -> None:
        while True:
            group = [await self._inserted.get()]
            while not self._inserted.empty() and len(group) < COALESCE:
                group.append(self._inserted.get_nowait())
            try:
                started = time.perf_counter()
                changed = await self.writer.refresh([written for _, written in group])
                refreshed_s = time.perf_counter() - started
                om.REFRESH_SECONDS.observe(refreshed_s)
                self.batcher.paced(group[-1][1].insert_ms / 1000 + refreshed_s)
                log.debug(
                    "metrics.refreshed",
                    batches=len(group),
                    ms=round((time.perf_counter() - started) * 1000, 1),
                )
                stored = 0
                for entry_ids, written in group:
                    stored += await self._acknowledge(entry_ids, written)
                await self.on_stored(stored, changed)
            finally:
                for _ in group:
                    self._inserted.task_done()

    async def _acknowledge(self, entry_ids: list[bytes], written: Written) -> int:
        stored = await self.writer.acknowledge(written)
        self.inflight.difference_update(entry_ids)
        cleared = [entry_id for entry_id in entry_ids if entry_id in self.suspects]
        if cleared:
            await self.witness.forget(cleared)
            self.suspects.difference_update(cleared)
        return stored

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.reclaim_idle_ms / 3000)
            stop_if_cancelled()
            ids: list[Any] = list(self.inflight)
            try:
                await self.witness.heartbeat()
                for start in range(0, len(ids), 5_000):
                    await self.redis.xclaim(
                        EVENTS, METRICS_GROUP, self.name, 0, ids[start : start + 5_000], justid=True
                    )
            except REDIS_ERRORS as exc:
                log.warning("metrics.heartbeat_failed", error=str(exc))

    async def stop(self, flush_timeout_s: float = 20.0) -> None:
        """Stop reading, store what is prepared or buffered (if that fits in the time), stop.

        Whatever is not stored stays pending and is delivered again: a claim made for an
        entry lets the same entry store its event later. A stop is not a crash: the
        attempts it cuts short are not counted against their entries.
        """
        await self.reader.stop()
        preparing, committing, refreshing, heartbeat, reclaiming = self._tasks
        await cancelled(preparing, heartbeat, reclaiming)
        remaining = self.batcher.drain()
        try:
            async with asyncio.timeout(flush_timeout_s):
                await self._settle(remaining)
        except TimeoutError:
            log.warning(
                "metrics.stop_unflushed",
                entries=len(self.inflight),
                note="left pending; delivered again later",
            )
        await cancelled(committing, refreshing)  # only after a timeout: what they hold stays pending
        with contextlib.suppress(*REDIS_ERRORS):
            await self.witness.release_open()

    async def _settle(self, remaining: list[Entry]) -> None:
        await self._prepared.join()  # the commit loop stores what was prepared
        await self._inserted.join()  # the refresh loop counts and acknowledges it
        if remaining:
            written = await self.writer.store_batch(await self.writer.prepare(remaining))
            await self.on_stored(await self.writer.acknowledge(written), written.changed)
            self.inflight.difference_update(e for e, _ in remaining)
