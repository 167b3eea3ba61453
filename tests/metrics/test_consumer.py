"""Consuming tthc:events: real Redis, the real engine, the real FastStream subscriber."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
import redis.asyncio as aredis

from tthc_contract.periods import parse_period
from tthc_contract.plan import Plan
from tthc_contract.streams import DEAD, EVENTS, METRICS_GROUP
from tthc_metrics import reads
from tthc_metrics.batcher import Batcher
from tthc_metrics.consumer import EventConsumer, ensure_group
from tthc_metrics.crash_witness import CRASHES, PROCESSING
from tthc_metrics.store import Store
from tthc_metrics.suspects import crashes_to_be_alone
from tthc_metrics.writer import Writer

from ..servers import free_port
from ..waiting import eventually
from .conftest import SIGNER, make_writer, settled, signed_entry
from .events import received, synced, t

pytestmark = pytest.mark.asyncio


async def pending(redis: aredis.Redis) -> int:
    return int((await redis.xpending(EVENTS, METRICS_GROUP))["pending"])


@pytest.fixture
async def consumer(redis_url: str, redis: aredis.Redis, writer: Writer) -> AsyncIterator[Callable[..., Any]]:
    started: list[EventConsumer] = []

    async def start(
        with_writer: Writer | None = None, reclaim_idle_ms: int = 60_000, flush_rows: int = 500
    ) -> EventConsumer:
        c = EventConsumer(
            redis_url,
            redis,
            f"test-{len(started)}",
            with_writer or writer,
            Batcher(flush_rows, 0.05),
            reclaim_idle_ms=reclaim_idle_ms,
            poison_after=2,
            on_stored=_ignore,
        )
        await c.start()
        started.append(c)
        return c

    yield start
    for c in started:
        await c.stop(flush_timeout_s=5)


async def _ignore(*_: object) -> None:
    return None


def cases(n: int, prefix: str = "C") -> list[dict[str, Any]]:
    return [received(f"{prefix}{i}", t("2026-03-05 08:00")) for i in range(n)]


async def test_entries_published_before_the_group_existed_are_consumed(
    consumer: Any, redis: aredis.Redis, store: Store
) -> None:
    for event in cases(1200):
        await redis.xadd(EVENTS, signed_entry(event))
    await consumer()
    await eventually(lambda: reads.events_stored(store) == 1200)
    await eventually(lambda: settled(redis))


async def test_direct_producers_are_validated_and_bad_entries_go_to_dead(
    consumer: Any, redis: aredis.Redis, store: Store, writer: Writer
) -> None:
    good = received("DIRECT", t("2026-03-05 08:00"))
    forged = {**signed_entry(received("FORGED", t("2026-03-05 08:00"))), b"sig": b"00" * 32}
    await redis.xadd(EVENTS, {b"event": orjson.dumps(good)})  # valid, unsigned: stored
    await redis.xadd(EVENTS, forged)  # bad signature but a valid event: validated, stored
    await redis.xadd(EVENTS, {b"event": orjson.dumps({**good, "id": "bad-1", "time": "yesterday"})})
    await redis.xadd(EVENTS, {b"event": b"{not json"})
    await redis.xadd(EVENTS, {b"payload": b"no event field"})
    await redis.xadd(
        EVENTS, {b"event": orjson.dumps({**good, "id": "bad-2", "data": {**good["data"], "unit": "mars"}})}
    )
    await consumer()
    await eventually(lambda: settled(redis))
    assert reads.events_stored(store) == 2
    dead = await redis.xrange(DEAD)
    reasons = [f[b"reason"].decode() for _, f in dead]
    assert len(dead) == 4
    await eventually(lambda: writer.stats.dead == 4)  # counted just after the XACK lands
    assert "time: is not an RFC 3339 time" in reasons[0]
    assert (
        "invalid event" in reasons[1]
        and "no 'event' field" in reasons[2]
        and "'mars' is not a unit" in reasons[3]
    )
    assert dead[2][1][b"original.payload"] == b"no event field" and b"entry_id" in dead[2][1]
    assert int(await redis.get("tthc:metrics:dead_total")) == 4


async def test_a_row_clickhouse_refuses_is_dead_lettered_alone(
    consumer: Any, redis: aredis.Redis, store: Store
) -> None:
    poison = SIGNER.entry(
        b"igate", b"broken-1", b'{"specversion": "1.0", "id": "broken-1", "time": "not-a-time"}'
    )
    events = cases(9)
    for event in events[:4]:
        await redis.xadd(EVENTS, signed_entry(event))
    await redis.xadd(EVENTS, poison)
    for event in events[4:]:
        await redis.xadd(EVENTS, signed_entry(event))
    await consumer()
    await eventually(lambda: settled(redis))
    assert reads.events_stored(store) == 9
    [(_, letter)] = await redis.xrange(DEAD)
    assert letter[b"reason"].startswith(b"ClickHouse refused the event")


async def test_duplicates_across_batches_are_stored_once(
    consumer: Any, redis: aredis.Redis, store: Store, writer: Writer
) -> None:
    events = cases(50)
    await consumer(flush_rows=20)
    for _ in range(3):
        for event in events:
            await redis.xadd(EVENTS, signed_entry(event))
    await eventually(lambda: writer.stats.stored == 50)
    await eventually(lambda: settled(redis))
    await eventually(lambda: writer.stats.duplicates == 100)  # counted just after the XACK lands
    assert reads.events_stored(store) == 50 and writer.stats.stored == 50
    assert (
        reads.counts(store, ["kt"], parse_period("2026-03"), datetime(2026, 3, 6, tzinfo=UTC))["cases"] == 50
    )


async def test_clickhouse_outage_then_recovery_loses_and_doubles_nothing(
    consumer: Any, redis: aredis.Redis, store: Store, plan: Plan
) -> None:
    # A real http:// client against a port that refuses, then the working engine.
    down = make_writer(Store(f"http://default:@127.0.0.1:{free_port()}/default"), redis, plan)
    await consumer(with_writer=down)
    events = cases(300)
    for event in events:
        await redis.xadd(EVENTS, signed_entry(event))
    await eventually(lambda: "clickhouse" in down.stats.failing)
    await asyncio.sleep(1.5)
    assert await pending(redis) == 300, "nothing is acknowledged while ClickHouse is away"
    assert reads.events_stored(store) == 0
    down.store = store  # ClickHouse is back
    await eventually(lambda: settled(redis))
    await eventually(lambda: down.stats.stored == 300)  # counted just after the XACK lands
    assert reads.events_stored(store) == 300
    assert not down.stats.failing


async def test_entries_of_a_dead_consumer_are_reclaimed(
    consumer: Any, redis: aredis.Redis, store: Store
) -> None:
    await ensure_group(redis)
    for event in cases(40):
        await redis.xadd(EVENTS, signed_entry(event))
    taken = await redis.xreadgroup(METRICS_GROUP, "crashed-consumer", {EVENTS: ">"})
    assert len(taken[0][1]) == 40 and await pending(redis) == 40
    await consumer(reclaim_idle_ms=300)
    await eventually(lambda: reads.events_stored(store) == 40)
    await eventually(lambda: settled(redis))


async def test_deliveries_alone_never_make_an_entry_poison(
    consumer: Any, redis: aredis.Redis, store: Store
) -> None:
    """Ten deliveries (restarts, outages) and no consumer died while storing it: stored."""
    await ensure_group(redis)
    entry_id = await redis.xadd(EVENTS, signed_entry(received("X", t("2026-03-05 08:00"))))
    await redis.xreadgroup(METRICS_GROUP, "restarted", {EVENTS: ">"})
    for _ in range(9):
        await redis.xclaim(EVENTS, METRICS_GROUP, "restarted", 0, [entry_id])
    await consumer(reclaim_idle_ms=200)
    await eventually(lambda: settled(redis))
    assert await redis.xlen(DEAD) == 0 and reads.events_stored(store) == 1


async def test_an_entry_that_kills_its_consumer_even_alone_goes_to_dead(
    consumer: Any, redis: aredis.Redis, store: Store
) -> None:
    await ensure_group(redis)
    poison = await redis.xadd(EVENTS, signed_entry(synced("X", t("2026-03-05 08:00"))))
    suspect = await redis.xadd(EVENTS, signed_entry(received("Y", t("2026-03-05 08:00"))))
    await redis.xreadgroup(METRICS_GROUP, "crashing", {EVENTS: ">"})
    alone = crashes_to_be_alone(500)
    # Crashes witnessed earlier, and one more left behind by the consumer that just died
    # while processing both (it never renews its "alive until").
    await redis.hset(CRASHES, mapping={poison: alone + 1})
    await redis.hset(PROCESSING, "crashing|7", poison + b"\n" + suspect)
    await consumer(reclaim_idle_ms=200, flush_rows=500)
    await eventually(lambda: settled(redis))
    [(_, letter)] = await redis.xrange(DEAD)
    assert letter[b"entry_id"] == poison
    assert (
        b"interrupted %d times" % (alone + 2) in letter[b"reason"]
        and b"the last 2 times while it was processed alone" in letter[b"reason"]
    )
    assert reads.events_stored(store) == 1, "the suspect was stored in a group of its own"
    assert await redis.hlen(CRASHES) == 0 and await redis.hlen(PROCESSING) == 0


async def test_in_flight_entries_are_not_reclaimed_during_an_outage(
    consumer: Any, redis: aredis.Redis, store: Store, plan: Plan
) -> None:
    down = make_writer(Store(f"http://default:@127.0.0.1:{free_port()}/default"), redis, plan)
    await consumer(with_writer=down, reclaim_idle_ms=1000)
    for event in cases(20):
        await redis.xadd(EVENTS, signed_entry(event))
    # 2.5 idle periods: without the heartbeat (every third of one) they would be reclaimed;
    # with it, a heartbeat late by up to 0.6 s on a busy machine still keeps them fresh.
    await asyncio.sleep(2.5)
    details = await redis.xpending_range(EVENTS, METRICS_GROUP, min="-", max="+", count=100)
    assert len(details) == 20 and max(d["times_delivered"] for d in details) == 1
    down.store = store
    await eventually(lambda: settled(redis))
    assert await redis.xlen(DEAD) == 0 and reads.events_stored(store) == 20


async def test_received_events_of_direct_producers_enter_the_unit_index(
    writer: Writer, redis: aredis.Redis
) -> None:
    """Ingest indexes what it publishes; metrics indexes what other producers wrote, so a
    restricted source can then send for its own cases whoever received them."""
    from tthc_contract.unit_index import CASE_UNITS, FEEDBACK_UNITS

    from ..unit_index_reads import owner_async
    from .conftest import entries
    from .events import feedback

    direct = [
        received("D1", t("2026-03-05 08:00"), unit="vpdkdd"),
        feedback("PD1", t("2026-03-05 09:00"), "kt", t("2026-03-09 09:00")),
    ]
    await writer.write(entries(direct, signed=False))
    assert (await owner_async(redis, CASE_UNITS, "D1")).endswith(b" vpdkdd")
    assert (await owner_async(redis, FEEDBACK_UNITS, "PD1")).endswith(b" kt")
    await writer.write(entries([received("S1", t("2026-03-05 08:00"))]))  # signed: ingest's job
    assert await owner_async(redis, CASE_UNITS, "S1") is None
    # A later correction written straight to the stream moves the case; an older one does not.
    await writer.write(entries([received("D1", t("2026-03-06 08:00"), unit="kt")], signed=False))
    await writer.write(entries([received("D1", t("2026-03-01 08:00"), unit="hcc")], signed=False))
    assert (await owner_async(redis, CASE_UNITS, "D1")).endswith(b" kt")
