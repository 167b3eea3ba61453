"""Alert state in real Redis: a restart in the middle of each phase repeats and loses nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest
import redis.asyncio as aredis

from tthc_contract.streams import ALERTS, BODY_FIELD

from .conftest import new_engine, plan_with
from .snapshots import due_soon, snapshot

pytestmark = pytest.mark.asyncio
# The engine takes the clock as a parameter: a fixed instant in the middle of a month keeps
# every timer of these tests inside the watched periods, whatever the real date.
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
PLAN = plan_with(alerts={"pending": "5m", "min_cases": 10})


def period_now() -> str:
    from tthc_contract.periods import period_of

    return period_of(NOW, "month").code


async def published(redis: aredis.Redis) -> list[tuple[str, str]]:
    return [
        (b["id"], b["status"]) for b in (orjson.loads(f[BODY_FIELD]) for _, f in await redis.xrange(ALERTS))
    ]


async def test_restart_while_pending_keeps_the_timer(redis: aredis.Redis) -> None:
    month = period_now()
    engine = await new_engine(PLAN, redis)
    await engine.on_snapshot(snapshot(PLAN, "kt", month, NOW, online_rate=(80, 100)))
    engine = await new_engine(PLAN, redis)  # restart
    alert = engine.records[f"kt/online_rate/{month}"]
    assert alert.status == "pending" and alert.pending_since == NOW.astimezone(alert.pending_since.tzinfo)
    await engine.tick(NOW + timedelta(minutes=4))
    assert await published(redis) == []
    await engine.tick(NOW + timedelta(minutes=5))
    assert await published(redis) == [(f"kt/online_rate/{month}", "firing")]


async def test_restart_while_firing_announces_nothing_twice(redis: aredis.Redis) -> None:
    month = period_now()
    engine = await new_engine(PLAN, redis)
    await engine.on_snapshot(snapshot(PLAN, "kt", month, NOW, online_rate=(80, 100)))
    await engine.tick(NOW + timedelta(minutes=6))
    engine = await new_engine(PLAN, redis)
    for minutes in (7, 8, 9):
        await engine.on_snapshot(
            snapshot(PLAN, "kt", month, NOW + timedelta(minutes=minutes), online_rate=(81, 101))
        )
        await engine.tick(NOW + timedelta(minutes=minutes))
    assert await published(redis) == [(f"kt/online_rate/{month}", "firing")]
    assert [a["id"] for a in engine.listed("firing")] == [f"kt/online_rate/{month}"]
    assert engine.listed("firing")[0]["numerator"] == 81


async def test_a_resolution_survives_a_restart_until_delivered(redis: aredis.Redis) -> None:
    month = period_now()
    engine = await new_engine(PLAN, redis)
    await engine.on_snapshot(snapshot(PLAN, "kt", month, NOW, online_rate=(80, 100)))
    await engine.tick(NOW + timedelta(minutes=6))
    await engine.store.delivered(await engine.store.outbox())  # the firing alert reached Alertmanager
    await engine.on_snapshot(snapshot(PLAN, "kt", month, NOW + timedelta(minutes=7), online_rate=(95, 100)))
    engine = await new_engine(PLAN, redis)  # restart before delivery
    assert await engine.store.outbox() == {f"kt/online_rate/{month}"}
    alert = engine.listed("resolved")[0]
    assert (
        alert["status"] == "resolved" and alert["resolved_at"] is not None and alert["started_at"] is not None
    )
    assert await published(redis) == [
        (f"kt/online_rate/{month}", "firing"),
        (f"kt/online_rate/{month}", "resolved"),
    ]


async def test_each_due_soon_item_is_warned_once_across_restarts(redis: aredis.Redis) -> None:
    engine = await new_engine(PLAN, redis)
    first = due_soon(
        "kt", NOW, ("feedback", "PAKN-1", NOW + timedelta(hours=5)), ("case", "H1", NOW + timedelta(hours=20))
    )
    await engine.on_due_soon(first)
    engine = await new_engine(PLAN, redis)
    await engine.on_due_soon(first)  # the same list again: nothing new
    later = due_soon(
        "kt",
        NOW + timedelta(minutes=1),
        ("feedback", "PAKN-1", NOW + timedelta(hours=5)),
        ("feedback", "PAKN-2", NOW + timedelta(hours=9)),
    )
    await engine.on_due_soon(later)  # within the hour: PAKN-2 waits for the next batch
    assert len([a for a in engine.listed("firing") if a["indicator"] == "due_soon"]) == 1
    await engine.on_due_soon({**later, "as_of": (NOW + timedelta(minutes=61)).isoformat()})
    warnings = [a for a in engine.listed("firing") if a["indicator"] == "due_soon"]
    assert sorted(w["numerator"] for w in warnings) == [1, 2]  # {PAKN-1, H1}, then {PAKN-2}
    assert len(await published(redis)) == 2
    await engine.tick(NOW + timedelta(hours=21))
    assert [a["status"] for a in engine.listed("all") if a["indicator"] == "due_soon"] == [
        "resolved",
        "resolved",
    ]


async def warned_items(redis: aredis.Redis) -> tuple[set[bytes], set[bytes]]:
    """The items remembered as warned about, in the hash and in its index by deadline."""
    from tthc_alerts.state_store import WARNED, WARNED_DUE

    return set(await redis.hkeys(WARNED)), set(await redis.zrange(WARNED_DUE, 0, -1))


async def test_a_warned_item_is_forgotten_once_its_deadline_passed_and_not_before(
    redis: aredis.Redis,
) -> None:
    engine = await new_engine(PLAN, redis)
    await engine.on_due_soon(
        due_soon(
            "kt",
            NOW,
            ("feedback", "PAKN-1", NOW + timedelta(hours=5)),
            ("case", "H1", NOW + timedelta(hours=20)),
        )
    )
    both = {b"kt\x1fPAKN-1", b"kt\x1fH1"}
    assert await warned_items(redis) == (both, both)
    await engine.tick(NOW + timedelta(hours=5))
    assert await warned_items(redis) == (both, both), "at its deadline an item is not yet past it"
    await engine.tick(NOW + timedelta(hours=5, seconds=1))
    assert await warned_items(redis) == ({b"kt\x1fH1"}, {b"kt\x1fH1"})
    await engine.tick(NOW + timedelta(hours=21))
    assert await warned_items(redis) == (set(), set())


async def test_items_warned_about_before_the_index_existed_are_forgotten_too(redis: aredis.Redis) -> None:
    """A store of an earlier release has the hash only: the evaluator builds the index as it
    starts its term."""
    from tthc_alerts.state_store import WARNED

    dues = {f"kt\x1fH{n}": (NOW + timedelta(hours=n)).isoformat() for n in range(1, 4)}
    await redis.hset(WARNED, mapping=dues)
    engine = await new_engine(PLAN, redis)
    keys = {k.encode() for k in dues}
    assert await warned_items(redis) == (keys, keys)
    await engine.tick(NOW + timedelta(hours=2, minutes=30))
    assert await warned_items(redis) == ({b"kt\x1fH3"}, {b"kt\x1fH3"})


async def test_a_tick_forgets_a_bounded_number_and_the_next_goes_on(
    redis: aredis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tthc_alerts import state_store

    monkeypatch.setattr(state_store, "FORGET_PER_TICK", 3)
    engine = await new_engine(PLAN, redis)
    items = [("case", f"H{n}", NOW + timedelta(minutes=n)) for n in range(1, 6)]
    await engine.on_due_soon(due_soon("kt", NOW, *items))
    forgotten = []
    for _ in range(3):
        before = len((await warned_items(redis))[0])
        await engine.tick(NOW + timedelta(hours=1))
        forgotten.append(before - len((await warned_items(redis))[0]))
    assert forgotten == [3, 2, 0]


async def test_snapshots_of_unwatched_periods_and_units_are_ignored(redis: aredis.Redis) -> None:
    engine = await new_engine(PLAN, redis)
    await engine.on_snapshot(snapshot(PLAN, "kt", "2019-01", NOW, online_rate=(0, 100)))
    await engine.on_snapshot(snapshot(PLAN, "nowhere", period_now(), NOW, online_rate=(0, 100)))
    assert engine.records == {}
