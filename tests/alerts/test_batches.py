"""A batch read from tthc:indicators decides exactly what its entries one by one would.

The consumer hands the engine up to 1000 entries at once (one write of the alert state for
the batch). Oracle: the same entries given one at a time to an engine on its own Redis
database; the records kept and the changes published must be the same, whatever the
entries and wherever the batches are cut.
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
import redis.asyncio as aredis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tthc_alerts.engine import AlertEngine
from tthc_alerts.records import dump
from tthc_alerts.state_store import AlertStore
from tthc_contract.periods import period_of
from tthc_contract.redis_client import connect
from tthc_contract.streams import ALERTS, BODY_FIELD

from .conftest import plan_with
from .snapshots import due_soon, snapshot

# A fixed instant in the middle of a month (the engine takes the clock from the bodies).
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
MONTH = period_of(NOW, "month").code
PLAN = plan_with(alerts={"pending": "2m", "min_cases": 10, "due_soon_every": "10m"})
UNITS = ("kt", "hcc")

snapshot_entry = st.tuples(
    st.just("snapshot"),
    st.sampled_from(UNITS),
    st.integers(0, 30),  # online cases out of 30 (target: far above most of these)
)
due_entry = st.tuples(st.just("due_soon"), st.sampled_from(UNITS), st.sets(st.integers(1, 4), min_size=1))
entries = st.lists(st.one_of(snapshot_entry, due_entry), min_size=1, max_size=25)


def bodies(drawn: list[tuple[Any, ...]]) -> list[tuple[str, dict[str, Any]]]:
    """One entry a minute, as snapshots and due-soon lists come in."""
    out = []
    for n, (kind, unit, value) in enumerate(drawn):
        at = NOW + timedelta(minutes=n)
        if kind == "snapshot":
            out.append((kind, snapshot(PLAN, unit, MONTH, at, online_rate=(value, 30))))
        else:
            items = [("case", f"H{code}", NOW + timedelta(hours=code)) for code in sorted(value)]
            out.append((kind, due_soon(unit, at, *items)))
    return out


async def outcome(client: aredis.Redis, chunks: list[list[tuple[str, dict[str, Any]]]]) -> Any:
    await client.flushdb()
    engine = AlertEngine(PLAN, AlertStore(client))
    await engine.start()
    for chunk in chunks:
        await engine.on_entries(chunk)
    published = [orjson.loads(f[BODY_FIELD]) for _, f in await client.xrange(ALERTS)]
    stored = {k: dump(r) for k, r in (await AlertStore(client).load()).items()}
    return {k: dump(r) for k, r in engine.records.items()}, stored, published


def cut(items: list[Any], cuts: list[int]) -> list[list[Any]]:
    bounds = sorted({0, len(items), *(c % (len(items) + 1) for c in cuts)})
    return [items[a:b] for a, b in itertools.pairwise(bounds) if b > a]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=entries, cuts=st.lists(st.integers(0, 25), max_size=6))
def test_a_batch_decides_what_its_entries_one_by_one_would(
    redis_url: str, drawn: list[tuple[Any, ...]], cuts: list[int]
) -> None:
    items = bodies(drawn)

    async def both() -> tuple[Any, Any]:
        one, other = connect(redis_url.rsplit("/", 1)[0] + "/1"), connect(redis_url.rsplit("/", 1)[0] + "/2")
        try:
            return await outcome(one, [[e] for e in items]), await outcome(other, cut(items, cuts))
        finally:
            await one.aclose()
            await other.aclose()

    one_by_one, batched = asyncio.run(both())
    assert batched == one_by_one
    records, stored, _ = batched
    assert records == stored, "what the engine holds is what Redis keeps"


@pytest.mark.asyncio
async def test_a_batch_is_one_write_and_warns_once_per_item(redis: aredis.Redis) -> None:
    engine = AlertEngine(PLAN, AlertStore(redis))
    await engine.start()
    writes = []
    save = engine.store.save

    async def counted(*args: Any, **kwargs: Any) -> None:
        writes.append(1)
        await save(*args, **kwargs)

    engine.store.save = counted  # type: ignore[method-assign]
    items = [("case", "H1", NOW + timedelta(hours=3))]
    await engine.on_entries(
        [
            ("snapshot", snapshot(PLAN, "kt", MONTH, NOW, online_rate=(1, 30))),
            ("due_soon", due_soon("kt", NOW, *items)),
            ("due_soon", due_soon("kt", NOW + timedelta(minutes=11), *items)),  # already warned
            ("snapshot", snapshot(PLAN, "kt", MONTH, NOW + timedelta(minutes=3), online_rate=(1, 30))),
        ]
    )
    assert len(writes) == 1
    statuses = {(a["indicator"], a["status"]) for a in engine.listed("firing")}
    assert statuses == {("online_rate", "firing"), ("due_soon", "firing")}
    assert await engine.store.warned([("kt", "H1"), ("kt", "H2")]) == {("kt", "H1")}


async def hmget_calls(redis: aredis.Redis) -> int:
    return int((await redis.info("commandstats")).get("cmdstat_hmget", {}).get("calls", 0))


@pytest.mark.asyncio
async def test_a_batch_asks_redis_once_which_items_were_warned_about(redis: aredis.Redis) -> None:
    """Due-soon bodies of many units in one batch: one read of the warned items, not one per
    body; the decisions are those of the bodies one by one (the oracle above)."""
    engine = AlertEngine(PLAN, AlertStore(redis))
    await engine.start()
    due = NOW + timedelta(hours=3)
    bodies = [
        ("due_soon", due_soon(unit, NOW + timedelta(minutes=11 * n), ("case", f"{unit}-{n}", due)))
        for n in range(3)
        for unit in UNITS
    ]
    before = await hmget_calls(redis)
    await engine.on_entries(bodies)
    assert await hmget_calls(redis) - before == 1
    warned = {(u, f"{u}-{n}") for u in UNITS for n in range(3)}
    assert await engine.store.warned(sorted(warned | {("kt", "never")})) == warned
