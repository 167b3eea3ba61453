"""Event claims in a real Redis: the first entry to claim an identity owns it for the window."""

from __future__ import annotations

import pytest
import redis.asyncio as aredis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tthc_metrics import seen
from tthc_metrics.seen import EventClaims

DAY = 86_400
WINDOW = 35 * DAY
T0 = 2_000_000_000.0  # in the future: generation keys really expire in Redis


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


async def test_first_entry_owns_an_identity_and_finds_its_claim_again(redis: aredis.Redis) -> None:
    claims = EventClaims(redis, WINDOW)
    assert await claims.claim([b"igate\x1fa", b"igate\x1fb"], [b"1-0", b"1-1"]) == [True, True]
    # b is re-sent by another entry (a duplicate); a is delivered again after a crash.
    assert await claims.claim([b"igate\x1fb", b"igate\x1fa"], [b"2-0", b"1-0"]) == [False, True]


async def test_released_claims_can_be_taken_by_another_entry(redis: aredis.Redis) -> None:
    claims = EventClaims(redis, WINDOW)
    await claims.claim([b"s\x1fx", b"s\x1fy"], [b"1-0", b"1-1"])
    await claims.release([b"s\x1fx", b"s\x1fy"], [b"1-0", b"9-9"])  # y is not 9-9's to release
    assert await claims.claim([b"s\x1fx", b"s\x1fy"], [b"2-0", b"2-1"]) == [True, False]


async def test_a_claim_is_remembered_for_the_whole_window_and_then_forgotten(redis: aredis.Redis) -> None:
    clock = Clock()
    claims = EventClaims(redis, WINDOW, clock=clock)
    await claims.claim([b"s\x1fx"], [b"1-0"])
    clock.now = T0 + WINDOW  # the last instant it must be known
    assert await claims.claim([b"s\x1fx"], [b"2-0"]) == [False]
    ttl = await redis.ttl(f"{seen.PREFIX}{int(T0) // (WINDOW // 2)}")
    assert ttl > 0  # generations expire on their own; the bound is checked below
    clock.now = T0 + 1.5 * WINDOW + 1  # past the longest a claim is kept
    assert await claims.claim([b"s\x1fx"], [b"3-0"]) == [True]


@pytest.mark.clock
async def test_generations_expire_a_window_after_they_close(redis: aredis.Redis) -> None:
    import time

    claims = EventClaims(redis, WINDOW)
    await claims.claim([b"s\x1fx"], [b"1-0"])
    [key] = await redis.keys(f"{seen.PREFIX}*")
    width = WINDOW // 2
    closes = (int(key.decode().rsplit(":", 1)[1]) + 1) * width
    assert await redis.expiretime(key) == closes + WINDOW
    assert closes + WINDOW - time.time() >= WINDOW  # never shorter than the window


async def test_one_identity_twice_in_one_call_is_refused(redis: aredis.Redis) -> None:
    with pytest.raises(ValueError, match="same identity twice"):
        await EventClaims(redis, WINDOW).claim([b"s\x1fx", b"s\x1fx"], [b"1-0", b"1-1"])
    assert await redis.keys(f"{seen.PREFIX}*") == []


@given(
    st.lists(
        st.lists(st.tuples(st.integers(0, 30), st.integers(0, 3)), max_size=40),
        min_size=1,
        max_size=8,
    ),
    st.integers(0, 3 * WINDOW // DAY),
)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
async def test_claims_agree_with_first_claimer_wins(
    redis: aredis.Redis, calls: list[list[tuple[int, int]]], days_between: int
) -> None:
    """Random calls (identity, entry) spread over time against a plain model."""
    await redis.flushdb()
    clock = Clock()
    claims = EventClaims(redis, WINDOW, clock=clock)
    owner: dict[bytes, tuple[bytes, float]] = {}
    for number, call in enumerate(calls):
        clock.now = T0 + number * days_between * DAY / len(calls)
        distinct = list(dict.fromkeys(identity for identity, _ in call))
        keys = [b"src\x1f%d" % identity for identity in distinct]
        entry_ids = [b"%d-%d" % (number, dict(call)[identity]) for identity in distinct]
        got = await claims.claim(keys, entry_ids)
        for key, entry_id, mine in zip(keys, entry_ids, got, strict=True):
            held = owner.get(key)
            if held is not None and clock.now - held[1] <= WINDOW:
                assert mine == (held[0] == entry_id), (key, entry_id, held)
            elif held is None:
                assert mine
            if mine and (held is None or held[0] != entry_id):
                owner[key] = (entry_id, clock.now)


@given(st.sampled_from([7, 3601, WINDOW + 1, WINDOW]), st.floats(0, 1, exclude_max=True))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
async def test_a_claim_is_known_until_the_last_instant_of_any_window(
    redis: aredis.Redis, window: int, where: float
) -> None:
    """Odd windows and claims at any point of a generation, up to its last second."""
    await redis.flushdb()
    clock = Clock()
    claims = EventClaims(redis, window, clock=clock)
    clock.now = T0 + where * window
    await claims.claim([b"s\x1fx"], [b"1-0"])
    clock.now += window
    assert await claims.claim([b"s\x1fx"], [b"2-0"]) == [False]
