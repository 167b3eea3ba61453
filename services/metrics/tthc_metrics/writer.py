"""Writing batches: ``prepare`` (decode, claim each event for its entry) then ``commit``
(store, dead-letter, acknowledge). The consumer overlaps the two: while one batch is
being stored, the next one is prepared.

The policy is "acknowledge only after storing": an entry leaves the consumer group's
pending list only once its event is in ClickHouse, or once it is in ``tthc:dead``.
Until then each step is retried with backoff, however long ClickHouse or Redis is
away, and every state change (down, back) is logged once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import redis.asyncio as aredis

from tthc_contract.dead_letters import DeadLetter, DeadLetterBox
from tthc_contract.logs import get_logger
from tthc_contract.redis_client import REDIS_ERRORS
from tthc_contract.signing import EntrySigner
from tthc_contract.streams import EVENTS, METRICS_GROUP
from tthc_contract.unit_index import IndexGenerations, index_direct
from tthc_contract.validation import ValidationContext

from . import observability as om
from .crash_witness import CrashWitness
from .entries import Decoded, decode
from .rollups.refresh import Changed
from .rollups.service import Rollups
from .seen import EventClaims
from .store import Store, StoreUnavailable

log = get_logger("tthc.metrics.writer")

BACKOFF_START_S = 0.5
BACKOFF_MAX_S = 30.0
T = TypeVar("T")


@dataclass
class WriterStats:
    batches: int = 0
    stored: int = 0
    duplicates: int = 0
    dead: int = 0
    last_flush_at: float | None = None
    failing: dict[str, str] = field(default_factory=dict)
    """What is failing now ({"clickhouse": error, "redis": error}); empty when all is well."""


@dataclass
class Prepared:
    """A decoded batch whose events this consumer has claimed."""

    decoded: Decoded
    owned: list[int]
    """Indexes of the rows this batch stores (the others are duplicates)."""
    prepare_ms: float


@dataclass
class Written:
    """A batch stored in ClickHouse, then counted in the rollups, not acknowledged yet."""

    prepared: Prepared
    refused: list[DeadLetter]
    insert_ms: float
    cases: set[str] = field(default_factory=set)
    feedback: set[str] = field(default_factory=set)
    """The items the batch touched: their state and cells are refreshed before the ``XACK``."""
    changed: Changed = field(default_factory=Changed)
    """The cells the refresh changed (the snapshot publisher recomputes their units)."""


class Writer:
    def __init__(
        self,
        *,
        store: Store,
        redis: aredis.Redis,
        claims: EventClaims,
        dead: DeadLetterBox,
        signer: EntrySigner,
        context: Callable[[], ValidationContext],
        witness: CrashWitness,
        rollups: Rollups,
        unit_index: IndexGenerations | None = None,
    ) -> None:
        self.rollups = rollups
        self.unit_index = unit_index or IndexGenerations()
        self.store = store
        self.redis = redis
        self.claims = claims
        self.dead = dead
        self.signer = signer
        self.context = context
        self.witness = witness
        self.stats = WriterStats()

    async def write(self, batch: Sequence[tuple[bytes, Any]], dead: Sequence[DeadLetter] = ()) -> int:
        """Prepare and commit in one go; returns how many new events were stored."""
        return await self.commit(await self.prepare(batch, dead))

    async def prepare(self, batch: Sequence[tuple[bytes, Any]], dead: Sequence[DeadLetter] = ()) -> Prepared:
        started = time.perf_counter()
        entry_ids = [entry_id for entry_id, _ in batch]
        decoded = await self._retrying(lambda: self._decode(batch, entry_ids))
        decoded.dead.extend(dead)
        decoded.entry_ids.extend(letter.entry_id for letter in dead)
        owned = await self._retrying(lambda: self.claims.claim(decoded.keys, decoded.row_entry_ids))
        indexes = [i for i, mine in enumerate(owned) if mine]
        if decoded.direct_received:
            await self._retrying(lambda: index_direct(self.redis, decoded.direct_received, self.unit_index))
        return Prepared(decoded, indexes, round((time.perf_counter() - started) * 1000, 1))

    async def _decode(self, batch: Sequence[tuple[bytes, Any]], entry_ids: list[bytes]) -> Decoded:
        async with self.witness.attempt(entry_ids):  # an entry that kills us here is witnessed
            return decode(batch, self.signer, self.context())

    async def commit(self, prepared: Prepared) -> int:
        """Store, then acknowledge; returns how many new events were stored."""
        return await self.acknowledge(await self.store_batch(prepared))

    async def store_batch(self, prepared: Prepared) -> Written:
        """Insert the batch's new events, then refresh what they touched."""
        written = await self.insert_batch(prepared)
        await self.refresh([written])
        return written

    async def insert_batch(self, prepared: Prepared) -> Written:
        """Insert the batch's new events; refused ones become dead letters (not yet sent)."""
        started = time.perf_counter()
        decoded = prepared.decoded
        rows = [decoded.rows[i] for i in prepared.owned]
        ids = [decoded.row_entry_ids[i] for i in prepared.owned]
        refused = await self._retrying(lambda: self._isolate(rows, ids, 0))
        if refused:
            gone = [prepared.owned[i] for i in refused]
            await self._retrying(
                lambda: self.claims.release(
                    [decoded.keys[i] for i in gone], [decoded.row_entry_ids[i] for i in gone]
                )
            )
        stored = [decoded.items[i] for n, i in enumerate(prepared.owned) if n not in refused]
        cases = {code for kind, code, _ in stored if kind == "case"} | {case for _, _, case in stored if case}
        feedback = {code for kind, code, _ in stored if kind == "feedback"}
        ms = round((time.perf_counter() - started) * 1000, 1)
        return Written(prepared, list(refused.values()), ms, cases, feedback)

    async def refresh(self, batches: list[Written]) -> Changed:
        """The state and cells of every item the batches touched, in one refresh (batches
        stored while the last refresh ran are taken together: the cost of a refresh grows far
        slower than the items it covers)."""
        cases = set().union(*(w.cases for w in batches))
        feedback = set().union(*(w.feedback for w in batches))
        changed = await self._retrying(lambda: self.rollups.refresh(self.store, cases, feedback))
        for written in batches:
            written.changed = changed
        return changed

    async def acknowledge(self, written: Written) -> int:
        """Dead-letter what cannot be stored, then ``XACK`` the whole batch."""
        started = time.perf_counter()
        prepared, decoded = written.prepared, written.prepared.decoded
        dead = [*decoded.dead, *written.refused]
        await self._retrying(lambda: self.dead.send(dead))
        await self._retrying(lambda: self._ack(decoded.entry_ids))
        stored = len(prepared.owned) - len(written.refused)
        duplicates = len(decoded.keys) - len(prepared.owned) + decoded.repeated
        timings = {
            "prepare": prepared.prepare_ms,
            "insert": written.insert_ms,
            "ack": round((time.perf_counter() - started) * 1000, 1),
        }
        self._count(stored, duplicates, len(dead), len(decoded.entry_ids), timings)
        return stored

    async def _retrying(self, step: Callable[[], Awaitable[T]]) -> T:
        delay = BACKOFF_START_S
        while True:
            try:
                result = await step()
            except StoreUnavailable as exc:
                self._failing("clickhouse", str(exc))
            except REDIS_ERRORS as exc:
                self._failing("redis", str(exc))
            else:
                self._recovered()
                return result
            await asyncio.sleep(delay)
            delay = min(delay * 2, BACKOFF_MAX_S)

    async def _isolate(self, rows: list[bytes], ids: list[bytes], offset: int) -> dict[int, DeadLetter]:
        """Insert ``rows``; when ClickHouse refuses their data, return the rows it refuses."""
        # Bisect: halves that insert are stored; a single row refused alone is poison.
        try:
            async with self.witness.attempt(ids):
                started = time.perf_counter()
                await asyncio.to_thread(self.store.insert_rows, rows)
                om.STORE_SECONDS.observe(time.perf_counter() - started)
            return {}
        except StoreUnavailable as exc:
            if not exc.data_error:
                raise
            if len(rows) == 1:
                entry_id = rows[0][len(b'{"stream_id":"') :].split(b'"', 1)[0]
                log.error("metrics.poison_entry", entry_id=entry_id.decode(), error=str(exc)[:500])
                return {
                    offset: DeadLetter(
                        entry_id,
                        {b"row": rows[0]},
                        f"ClickHouse refused the event: {exc}"[:2000],
                        code="refused_by_store",
                    )
                }
        half = len(rows) // 2
        refused = await self._isolate(rows[:half], ids[:half], offset)
        refused.update(await self._isolate(rows[half:], ids[half:], offset + half))
        return refused

    async def _ack(self, entry_ids: list[bytes]) -> None:
        for start in range(0, len(entry_ids), 10_000):
            await self.redis.xack(EVENTS, METRICS_GROUP, *entry_ids[start : start + 10_000])

    def _count(self, stored: int, duplicates: int, dead: int, entries: int, ms: dict[str, float]) -> None:
        om.STORED.inc(stored)
        om.DUPLICATES.inc(duplicates)
        om.DEAD.inc(dead)
        om.BATCH.observe(entries)
        self.stats.batches += 1
        self.stats.stored += stored
        self.stats.duplicates += duplicates
        self.stats.dead += dead
        self.stats.last_flush_at = time.time()
        log.debug("metrics.flushed", entries=entries, stored=stored, duplicates=duplicates, dead=dead, ms=ms)

    def _failing(self, what: str, error: str) -> None:
        if what not in self.stats.failing:
            log.error(
                f"{what}.unavailable", error=error[:500], action="not acknowledging; retrying with backoff"
            )
        self.stats.failing[what] = error

    def _recovered(self) -> None:
        for what in list(self.stats.failing):
            log.info(f"{what}.recovered")
            del self.stats.failing[what]
