"""The fenced lease (``tthc_contract.lease``) against a real Redis: one holder, growing
tokens, a standby that takes over when the holder dies or stalls, and the writes of an
ex-holder refused."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import pytest
import redis.asyncio as aredis

from tthc_contract.lease import (
    DEFAULT_POLL_MS,
    DEFAULT_TTL_MS,
    TAKEOVER_LIMIT_S,
    Lease,
    LeaseLost,
    Unfenced,
    Writes,
    takeover_bound_s,
)

pytestmark = pytest.mark.asyncio
TTL_MS, POLL_MS = 1_500, 250
"""Short for the tests, long enough that a test process starved of CPU for a few hundred ms
(three test workers share two cores) still renews in time: a holder loses the lease when
none of its renewals, one every ttl/3, lands within 0.9 ttl."""


def lease(redis: aredis.Redis, holder: str) -> Lease:
    return Lease(redis, "test", holder=holder, ttl_ms=TTL_MS, poll_ms=POLL_MS)


async def test_the_production_lease_takes_over_within_15_seconds() -> None:
    default = Lease(aredis.Redis(port=1), "alerts", holder="h")  # never connected
    assert (default.ttl_ms, default.poll_ms) == (DEFAULT_TTL_MS, DEFAULT_POLL_MS)
    assert takeover_bound_s(default.ttl_ms, default.poll_ms) <= TAKEOVER_LIMIT_S == 15.0
    assert DEFAULT_TTL_MS / 3 >= 2 * 1000, "a renewal every ttl/3 leaves room for a slow one"


async def test_one_holder_at_a_time_and_tokens_grow(redis: aredis.Redis) -> None:
    a, b = lease(redis, "a"), lease(redis, "b")
    assert await a.acquire() and a.held() and a.token == 1
    assert not await b.acquire() and not b.held()
    assert await a.renew()
    await a.release()
    assert not a.held()
    assert await b.acquire() and b.token == 2
    assert await redis.get("tthc:lease:test") == b"2 b"


async def test_a_stalled_holder_loses_the_lease_and_its_writes_are_refused(redis: aredis.Redis) -> None:
    a, b = lease(redis, "a"), lease(redis, "b")
    assert await a.acquire()
    await a.write(Writes().hset("k", {"x": "from a"}))
    await asyncio.sleep(TTL_MS / 1000 + 0.1)  # a stalls: no renewal, its key expires
    assert not a.held(), "a knows it can no longer count on the lease"
    assert await b.acquire() and b.token == 2
    with pytest.raises(LeaseLost):
        await a.write(Writes().hset("k", {"x": "stale"}).sadd("s", ["stale"]))
    assert await redis.hget("k", "x") == b"from a" and await redis.exists("s") == 0, "nothing of it"
    assert a.value is None and not await a.renew(), "a knows it lost the lease"
    await b.write(Writes().hset("k", {"x": "from b"}))
    assert await redis.hget("k", "x") == b"from b"


async def test_writes_apply_together_in_chunks(redis: aredis.Redis) -> None:
    writes = (
        Writes()
        .hset("h", {f"f{i}": i for i in range(2_500)})
        .sadd("s", [f"m{i}" for i in range(2_100)])
        .xadd("x", {b"body": b"{}"}, maxlen=10)
    )
    assert len(writes.commands) == 5 + 3 + 1, "long commands are split below Lua's unpack limit"
    await Unfenced(redis).write(writes)
    assert await redis.hlen("h") == 2_500 and await redis.scard("s") == 2_100 and await redis.xlen("x") == 1
    await Unfenced(redis).write(Writes().hdel("h", [f"f{i}" for i in range(2_400)]).srem("s", ["m0"]))
    assert await redis.hlen("h") == 100 and await redis.scard("s") == 2_099


async def test_lead_works_only_while_held_and_a_standby_takes_over_a_dead_holder(
    redis: aredis.Redis,
) -> None:
    working: list[str] = []
    standing_by: list[str] = []

    def duties(who: str) -> tuple[Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]:
        async def work() -> None:
            working.append(who)
            await asyncio.Event().wait()

        async def standby() -> None:
            standing_by.append(who)
            await asyncio.Event().wait()

        return work, standby

    a, b = lease(redis, "a"), lease(redis, "b")
    running_a = asyncio.create_task(a.lead(*duties("a")))
    await _until(a.held)
    running_b = asyncio.create_task(b.lead(*duties("b")))
    await asyncio.sleep(3 * TTL_MS / 1000)  # a renews: b stays standby
    assert working == ["a"] and standing_by[-1] == "b" and a.held() and not b.held()

    async def dies() -> bool:  # SIGKILL: no release, the key expires by itself
        return False

    a.release = dies  # type: ignore[method-assign]
    running_a.cancel()
    died_at = time.monotonic()
    await _until(lambda: working == ["a", "b"], timeout=5)  # b works: it holds the lease
    took = time.monotonic() - died_at
    assert b.held()
    assert took <= takeover_bound_s(TTL_MS, POLL_MS) + 0.5, took
    running_b.cancel()
    await asyncio.gather(running_a, running_b, return_exceptions=True)
    assert await redis.exists("tthc:lease:test") == 0, "b stopped cleanly: released"


async def test_work_is_stopped_as_soon_as_the_lease_is_lost(redis: aredis.Redis) -> None:
    a = lease(redis, "a")
    stopped = asyncio.Event()

    async def work() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            stopped.set()

    running = asyncio.create_task(a.lead(work))
    await _until(a.held)
    await redis.set("tthc:lease:test", b"99 intruder", px=60_000)  # someone else holds it now
    async with asyncio.timeout(TTL_MS / 1000 + 0.5):
        await stopped.wait()
    assert not a.held()
    running.cancel()
    await asyncio.gather(running, return_exceptions=True)
    assert await redis.get("tthc:lease:test") == b"99 intruder", "never releases another's lease"


async def _until(check: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout}s")
        await asyncio.sleep(0.02)
