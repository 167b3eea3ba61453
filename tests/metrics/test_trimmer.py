"""Trimming ``tthc:events`` in a real Redis: only below what every consumer group has
acknowledged (SPEC section 7, "Bounded"; "Nothing accepted is lost")."""

from __future__ import annotations

import redis.asyncio as aredis
import structlog

from tthc_contract.streams import EVENTS
from tthc_metrics import observability as om
from tthc_metrics.trimmer import StreamTrimmer


async def add(redis: aredis.Redis, count: int) -> list[bytes]:
    async with redis.pipeline(transaction=False) as pipe:
        for n in range(count):
            pipe.xadd(EVENTS, {b"event": b"%d" % n})
        return list(await pipe.execute())


async def read(redis: aredis.Redis, group: str, count: int) -> list[bytes]:
    reply = await redis.xreadgroup(group, "c", {EVENTS: ">"}, count=count)
    return [entry_id for entry_id, _ in reply[0][1]] if reply else []


async def group(redis: aredis.Redis, name: str) -> None:
    await redis.xgroup_create(EVENTS, name, id="0", mkstream=True)


async def remaining(redis: aredis.Redis) -> list[bytes]:
    return [entry_id for entry_id, _ in await redis.xrange(EVENTS)]


async def test_nothing_is_trimmed_without_a_stream_or_a_group(redis: aredis.Redis) -> None:
    trimmer = StreamTrimmer(redis)
    assert await trimmer.trim() == 0
    ids = await add(redis, 5)
    assert await trimmer.trim() == 0 and await remaining(redis) == ids


async def test_acknowledged_entries_go_and_pending_ones_stay(redis: aredis.Redis) -> None:
    ids = await add(redis, 10)
    await group(redis, "metrics")
    assert await read(redis, "metrics", 10) == ids
    await redis.xack(EVENTS, "metrics", *ids[:4], ids[6])
    before = om.STREAM_TRIMMED._value.get()
    with structlog.testing.capture_logs() as logs:
        assert await StreamTrimmer(redis).trim() == 4
    assert await remaining(redis) == ids[4:], "from the oldest pending entry on, all stay"
    assert om.STREAM_TRIMMED._value.get() - before == 4
    assert [(e["event"], e["entries"]) for e in logs] == [("metrics.stream_trimmed", 4)]
    with structlog.testing.capture_logs() as logs:
        assert await StreamTrimmer(redis).trim() == 0
    assert logs == [], "a trim that removes nothing says nothing"


async def test_a_lagging_group_holds_the_trim_back(redis: aredis.Redis) -> None:
    ids = await add(redis, 10)
    await group(redis, "metrics")
    await group(redis, "audit")
    await redis.xack(EVENTS, "metrics", *await read(redis, "metrics", 10))
    await redis.xack(EVENTS, "audit", *await read(redis, "audit", 3))  # read up to the third only
    assert await StreamTrimmer(redis).trim() == 3
    assert await remaining(redis) == ids[3:], "never delivered to audit: kept"
    await group(redis, "late")  # a new group at 0 has read nothing: nothing more goes
    assert await StreamTrimmer(redis).trim() == 0 and await remaining(redis) == ids[3:]


async def test_a_group_delivered_to_the_end_with_nothing_pending_lets_everything_go(
    redis: aredis.Redis,
) -> None:
    await add(redis, 10)
    await group(redis, "metrics")
    await redis.xack(EVENTS, "metrics", *await read(redis, "metrics", 10))
    assert await StreamTrimmer(redis).trim() == 10
    assert await redis.xlen(EVENTS) == 0
    fresh = await add(redis, 2)  # not delivered yet: kept
    assert await StreamTrimmer(redis).trim() == 0 and await remaining(redis) == fresh


async def test_a_long_stream_goes_in_steps_exactly_up_to_the_oldest_pending_entry(
    redis: aredis.Redis,
) -> None:
    ids = await add(redis, 5_000)
    await group(redis, "metrics")
    await read(redis, "metrics", 5_000)
    stored = ids[:3_001] + ids[3_002:]
    for start in range(0, len(stored), 1_000):
        await redis.xack(EVENTS, "metrics", *stored[start : start + 1_000])
    assert await StreamTrimmer(redis, step=500).trim() == 3_001
    assert await remaining(redis) == ids[3_001:]
