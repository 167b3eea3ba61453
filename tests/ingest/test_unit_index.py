"""The case → unit index in monthly generations (SPEC section 7, "Bounded"), in a real Redis:
written in the current month's hash, read over it and the N before it, each expiring when
lookups stop reading it; the hash of before generations read until it expires."""

from __future__ import annotations

from datetime import UTC, datetime

import redis.asyncio as aredis

from tthc_contract.unit_index import (
    CASE_UNITS,
    FEEDBACK_UNITS,
    IndexGenerations,
    ScopeOp,
    index_direct,
    index_keys,
    micros,
)
from tthc_ingest.intake import OutOfScope
from tthc_ingest.publisher import EventPublisher

MONTHS = 3
KT = frozenset({"kt"})
VPDKDD = frozenset({"vpdkdd"})
YEAR = 2040  # in the future: the generations' expiry times are real instants for Redis


def instant(month: int, day: int = 15, year: int = YEAR) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


class Clock:
    def __init__(self, month: int) -> None:
        self.now = instant(month).timestamp()

    def at(self, month: int, day: int = 15, year: int = YEAR) -> None:
        self.now = instant(month, day, year).timestamp()

    def __call__(self) -> float:
        return self.now


def received(case: str, unit: str, month: int, day: int = 1) -> ScopeOp:
    return ScopeOp("R", case, unit, micros(instant(month, day)))


def about(case: str) -> ScopeOp:
    return ScopeOp("C", case)


async def send(
    publisher: EventPublisher, *ops: ScopeOp, units: frozenset[str] | None = None
) -> list[OutOfScope]:
    return await publisher.publish([{b"event": b"{}"} for _ in ops], list(ops), units)


def problems(refused: list[OutOfScope]) -> list[str]:
    return [r.problem for r in refused]


def test_the_keys_of_a_month_its_predecessors_and_its_expiry() -> None:
    keys = index_keys(datetime(2041, 2, 28, 23, 59, tzinfo=UTC), 13)
    assert keys.case[0] == f"{CASE_UNITS}:204102" and keys.case[1] == f"{CASE_UNITS}:204101"
    assert keys.case[2] == f"{CASE_UNITS}:204012" and keys.case[13] == f"{CASE_UNITS}:204001"
    assert keys.case[14:] == (CASE_UNITS,) and len(keys.feedback) == 15
    assert keys.feedback[0] == f"{FEEDBACK_UNITS}:204102" and keys.feedback[-1] == FEEDBACK_UNITS
    # 2041-02 closes on 2041-03-01 and expires 13 months later, when lookups stop reading it.
    assert keys.expire_at == int(datetime(2042, 4, 1, tzinfo=UTC).timestamp())
    assert index_keys(datetime(2042, 3, 31, tzinfo=UTC), 13).case[-2] == f"{CASE_UNITS}:204102"
    assert f"{CASE_UNITS}:204102" not in index_keys(datetime(2042, 4, 1, tzinfo=UTC), 13).case


async def test_a_case_is_known_for_n_months_after_its_received_then_forgotten(redis: aredis.Redis) -> None:
    clock = Clock(1)
    publisher = EventPublisher(redis, IndexGenerations(MONTHS, clock))
    assert await send(publisher, received("C1", "kt", 1)) == []
    key = f"{CASE_UNITS}:{YEAR}01"
    assert (await redis.hget(key, "C1")).endswith(b" kt")  # type: ignore[union-attr]
    assert await redis.expiretime(key) == int(datetime(YEAR, 5, 1, tzinfo=UTC).timestamp())
    for month in (2, 3, 4):  # read across generations, the current one holding nothing of C1
        clock.at(month)
        assert await send(publisher, about("C1"), units=KT) == [], month
        assert problems(await send(publisher, about("C1"), units=VPDKDD)) == ["case_elsewhere"]
    clock.at(5, 1)  # the January generation expires now: lookups no longer read it
    assert problems(await send(publisher, about("C1"), units=KT)) == ["case_unknown"]
    assert await send(publisher, about("C1")) == [], "unrestricted sources are not affected"


async def test_a_new_received_keeps_its_case_known_for_n_more_months(redis: aredis.Redis) -> None:
    clock = Clock(1)
    publisher = EventPublisher(redis, IndexGenerations(MONTHS, clock))
    await send(publisher, received("C1", "kt", 1, day=10))
    clock.at(3)  # an older received: it does not win, yet the winner moves into March
    await send(publisher, received("C1", "vpdkdd", 1, day=2))
    march = await redis.hget(f"{CASE_UNITS}:{YEAR}03", "C1")
    assert march == await redis.hget(f"{CASE_UNITS}:{YEAR}01", "C1") and march.endswith(b" kt")  # type: ignore[union-attr]
    clock.at(6)  # January and February are no longer read; March is
    assert await send(publisher, about("C1"), units=KT) == []
    clock.at(7)
    assert problems(await send(publisher, about("C1"), units=KT)) == ["case_unknown"]


async def test_a_correction_in_a_later_generation_wins(redis: aredis.Redis) -> None:
    clock = Clock(1)
    publisher = EventPublisher(redis, IndexGenerations(MONTHS, clock))
    await send(publisher, received("C1", "kt", 1, day=10))
    clock.at(2)
    await send(publisher, received("C1", "vpdkdd", 1, day=20))  # a later time: the case moves
    assert await send(publisher, about("C1"), units=VPDKDD) == []
    assert problems(await send(publisher, about("C1"), units=KT)) == ["case_elsewhere"]
    clock.at(3)  # an older one indexed later does not move it back
    await send(publisher, received("C1", "kt", 1, day=15))
    assert await send(publisher, about("C1"), units=VPDKDD) == []
    # A later generation holding an older owner loses to an earlier one holding a later owner.
    await redis.hset(f"{CASE_UNITS}:{YEAR}03", "C1", b"1 1 0 kt")
    assert await send(publisher, about("C1"), units=VPDKDD) == []


async def test_metrics_indexes_direct_entries_in_the_same_generations(redis: aredis.Redis) -> None:
    clock = Clock(1)
    generations = IndexGenerations(MONTHS, clock)
    publisher = EventPublisher(redis, generations)
    await index_direct(redis, [(received("D1", "kt", 1), b"100-0")], generations)
    clock.at(3)
    item = ScopeOp("F", "P1", "vpdkdd", micros(instant(3)), "")
    await index_direct(redis, [(received("D1", "vpdkdd", 2), b"200-0"), (item, b"200-1")], generations)
    assert (await redis.hget(f"{CASE_UNITS}:{YEAR}03", "D1")) == b"%d 200 0 vpdkdd" % micros(instant(2, 1))
    assert await redis.expiretime(f"{FEEDBACK_UNITS}:{YEAR}03") == int(
        datetime(YEAR, 7, 1, tzinfo=UTC).timestamp()
    )
    assert await send(publisher, about("D1"), ScopeOp("G", "P1"), units=VPDKDD) == []


async def test_the_index_of_before_generations_is_read_until_it_expires(redis: aredis.Redis) -> None:
    """An upgrade loses nothing: the single hashes are the oldest generation, for N months more."""
    await redis.hset(CASE_UNITS, "OLD", b"%d 5 0 kt" % micros(instant(6, year=YEAR - 3)))
    await redis.hset(FEEDBACK_UNITS, "P-OLD", b"%d 5 1 kt" % micros(instant(6, year=YEAR - 3)))
    clock = Clock(1)
    publisher = EventPublisher(redis, IndexGenerations(MONTHS, clock))
    assert await send(publisher, about("OLD"), ScopeOp("G", "P-OLD"), units=KT) == []
    assert await redis.ttl(CASE_UNITS) == -1, "reads change nothing"
    await send(publisher, received("NEW", "kt", 1))  # the first write after the upgrade
    assert await redis.expiretime(CASE_UNITS) == int(datetime(YEAR, 5, 1, tzinfo=UTC).timestamp())
    assert await redis.hget(CASE_UNITS, "NEW") is None, "never written"
    clock.at(4)
    await send(publisher, received("OTHER", "kt", 4))
    assert await redis.expiretime(CASE_UNITS) == int(datetime(YEAR, 5, 1, tzinfo=UTC).timestamp()), "set once"
    assert await send(publisher, about("OLD"), units=KT) == []
    assert problems(await send(publisher, about("OLD"), units=VPDKDD)) == ["case_elsewhere"]


async def test_a_case_indexed_twice_in_one_call_keeps_the_later_received(redis: aredis.Redis) -> None:
    generations = IndexGenerations(MONTHS, Clock(1))
    later, earlier = received("D2", "kt", 1, day=20), received("D2", "vpdkdd", 1, day=5)
    await index_direct(redis, [(later, b"300-0"), (earlier, b"300-1")], generations)
    assert (await redis.hget(f"{CASE_UNITS}:{YEAR}01", "D2")).endswith(b" kt")  # type: ignore[union-attr]
