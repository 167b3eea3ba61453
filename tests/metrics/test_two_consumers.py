"""Two metrics consumers in the consumer group ``metrics`` on one store (in one process: the
embedded engine allows one process per data directory; against a ClickHouse server two
processes run this same code): the events spread over both, and one killed after its insert
and before its acknowledgement loses and doubles nothing: the other reclaims its pending
entries, and every count equals the SPEC's, computed in plain Python."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import redis.asyncio as aredis

from tthc_contract.periods import parse_period
from tthc_contract.plan import Plan
from tthc_contract.streams import EVENTS
from tthc_metrics import reads
from tthc_metrics.batcher import Batcher
from tthc_metrics.consumer import EventConsumer, ensure_group
from tthc_metrics.store import Store
from tthc_metrics.writer import Writer, Written

from ..waiting import eventually as until
from . import oracle
from .conftest import make_writer, settled, signed_entry
from .events import paid, received, resolved, t

pytestmark = [pytest.mark.asyncio, pytest.mark.faults]
RECLAIM_IDLE_MS = 500
AT = datetime(2026, 4, 1, tzinfo=UTC)


class RecordingWriter(Writer):
    """Keeps the entries it acknowledged; with ``stall``, its first acknowledgement never
    comes: the batch is inserted (and counted in the rollups), then the consumer is killed."""

    def __init__(self, *args: Any, stall: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stall = stall
        self.inserted_unacknowledged: list[bytes] = []
        self.stalled = asyncio.Event()
        self.acknowledged: list[bytes] = []

    async def acknowledge(self, written: Written) -> int:
        entry_ids = written.prepared.decoded.entry_ids
        if self.stall:
            self.inserted_unacknowledged = list(entry_ids)
            self.stalled.set()
            await asyncio.Event().wait()  # killed here
        stored = await super().acknowledge(written)
        self.acknowledged += entry_ids
        return stored


def writer_for(
    name: str, store: Store, redis: aredis.Redis, plan: Plan, stall: bool = False
) -> RecordingWriter:
    return make_writer(
        store, redis, plan, name=name, alive_ms=RECLAIM_IDLE_MS, kind=RecordingWriter, stall=stall
    )


@dataclass
class Consumer:
    consumer: EventConsumer
    writer: RecordingWriter
    stopping: asyncio.Task[None] | None = None
    """Set when killed: its reader stopping (it gave up the stream at once)."""


@pytest.fixture
async def consumers(
    redis_url: str, redis: aredis.Redis, store: Store, plan: Plan
) -> AsyncIterator[Callable[..., Any]]:
    started: list[Consumer] = []

    async def start(name: str, stall: bool = False) -> Consumer:
        writer = writer_for(name, store, redis, plan, stall)
        consumer = EventConsumer(
            redis_url,
            redis,
            name,
            writer,
            Batcher(40, 0.05),
            reclaim_idle_ms=RECLAIM_IDLE_MS,
            poison_after=2,
            on_stored=_ignore,
        )
        await consumer.start()
        started.append(Consumer(consumer, writer))
        return started[-1]

    yield start
    for c in started:
        if c.stopping is None:
            await c.consumer.stop(flush_timeout_s=5)
        else:  # a reader blocked on its full batcher is cut off after FastStream's grace
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(15):
                    await c.stopping


async def _ignore(*_: object) -> None:
    return None


def lifecycles(n: int) -> list[dict[str, Any]]:
    """``n`` cases of three units in March 2026, most resolved, some paid online."""
    events = []
    for i in range(n):
        unit = ("kt", "vp", "hcc")[i % 3]
        day = 2 + i % 25
        received_at = t(f"2026-03-{day:02d} 08:{i % 60:02d}")
        events.append(received(f"C{i}", received_at, unit=unit, channel=("online_full", "in_person")[i % 2]))
        if i % 4:
            events.append(resolved(f"C{i}", t(f"2026-03-{day + 2:02d} 15:00")))
        if i % 5 == 0:
            events.append(paid(f"C{i}", t(f"2026-03-{day:02d} 09:00"), f"P{i}"))
    return events


def kill(doomed: Consumer) -> None:
    """Its tasks cancelled where they stand (nothing stored or acknowledged after this); its
    reader stops in the background."""
    for task in doomed.consumer._tasks:
        task.cancel()
    doomed.stopping = asyncio.create_task(doomed.consumer.reader.stop())


async def test_two_consumers_share_the_stream_and_one_killed_mid_batch_loses_and_doubles_nothing(
    consumers: Callable[..., Any], redis: aredis.Redis, store: Store, plan: Plan
) -> None:
    events = lifecycles(300)
    resent = events[:60]  # a source re-sends: duplicates change nothing
    await ensure_group(redis)
    doomed = await consumers("metrics-a", stall=True)
    survivor = await consumers("metrics-b")
    published = []
    for start in range(0, len(events + resent), 20):
        for event in (events + resent)[start : start + 20]:
            published.append(await redis.xadd(EVENTS, signed_entry(event)))
        await asyncio.sleep(0.01)
    async with asyncio.timeout(30):
        await doomed.writer.stalled.wait()  # a's batch is in the store, not acknowledged
    kill(doomed)

    await until(lambda: settled(redis))
    # Redis may report the last XACK before the survivor's task resumes to note it: its
    # entries leave ``inflight`` once that bookkeeping is done.
    await until(lambda: not survivor.consumer.inflight)
    taken_over = doomed.writer.inserted_unacknowledged
    assert taken_over and set(taken_over) <= set(survivor.writer.acknowledged), "reclaimed, stored"
    assert set(survivor.writer.acknowledged) - set(taken_over), "the events spread over both consumers"
    assert set(survivor.writer.acknowledged) == set(published) and doomed.writer.acknowledged == []
    assert reads.events_stored(store) == len(events)
    assert survivor.writer.stats.stored == len(events) and survivor.writer.stats.duplicates == len(resent)
    for unit in ("dong-phu", "kt", "vp", "hcc"):
        span = parse_period("2026-03")
        got = reads.counts(store, plan.descendants(unit), span, AT)
        assert got == oracle.count(events, plan, unit, span, AT), unit
        assert got["cases"] == (300 if unit == "dong-phu" else 100), unit
