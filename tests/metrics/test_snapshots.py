"""Snapshots on tthc:indicators: all units on the timer, only what changed after a flush."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import orjson
import pytest
import redis.asyncio as aredis

from tthc_contract.plan import Plan
from tthc_contract.streams import BODY_FIELD, INDICATORS, KIND_FIELD
from tthc_metrics import reads
from tthc_metrics.snapshots import SnapshotPublisher
from tthc_metrics.store import Store, StoreUnavailable
from tthc_metrics.writer import Writer

from ..clock import local_now, start_of_current
from .conftest import entries
from .events import feedback, received

pytestmark = [pytest.mark.asyncio, pytest.mark.clock]


async def read_all(redis: aredis.Redis) -> list[tuple[bytes, dict[str, object]]]:
    return [(f[KIND_FIELD], orjson.loads(f[BODY_FIELD])) for _, f in await redis.xrange(INDICATORS)]


async def test_full_then_only_changed_units(
    store: Store, redis: aredis.Redis, plan: Plan, writer: Writer
) -> None:
    now = local_now()
    start = start_of_current("month", now).isoformat()
    publisher = SnapshotPublisher(store, redis, plan, interval_s=60, min_gap_s=0)
    await publisher.publish(full=True, at=now)
    first = await read_all(redis)
    snapshots = [b for k, b in first if k == b"indicators"]
    assert len(snapshots) == len(plan.unit_codes) * 2  # month and year
    assert {(b["unit"], len(b["period"])) for b in snapshots} == {
        (u, n) for u in plan.unit_codes for n in (7, 4)
    }
    assert len([b for k, b in first if k == b"due_soon"]) == len(plan.unit_codes)

    await writer.write(
        entries(
            [
                received("A", start, unit="kt"),
                feedback("F", start, "kt", (now + timedelta(hours=3)).isoformat()),
            ]
        )
    )
    await redis.delete(INDICATORS)
    await publisher.publish(full=False, at=now)
    changed = await read_all(redis)
    assert sorted({b["unit"] for k, b in changed if k == b"indicators"}) == ["dong-phu", "kt"]
    [(_, due)] = [(k, b) for k, b in changed if k == b"due_soon"]
    assert due["unit"] == "kt" and [i["code"] for i in due["items"]] == ["F"]  # type: ignore[index]
    await redis.delete(INDICATORS)
    assert await publisher.publish(full=False, at=now) == 0


async def test_a_flush_and_time_alone_compute_only_the_units_they_change(
    store: Store, redis: aredis.Redis, plan: Plan, writer: Writer
) -> None:
    """The units a flush changed, and those whose open items fell due since the last check,
    with the units above them: never all the units of the plan."""
    now = local_now()
    start = start_of_current("month", now)
    publisher = SnapshotPublisher(store, redis, plan, interval_s=3600, min_gap_s=0)
    due = now + timedelta(minutes=30)
    written = await writer.store_batch(
        await writer.prepare(entries([received("B", start.isoformat(), unit="vhxh", due=due.isoformat())]))
    )
    await writer.acknowledge(written)
    publisher.mark_dirty(written.changed.units)
    assert await publisher._units_to_compute(now) == {"vhxh", "dong-phu"}
    assert await publisher.publish(full=False, at=now, units={"vhxh", "dong-phu"}) > 0
    bodies = [b for k, b in await read_all(redis) if k == b"indicators"]
    assert {b["unit"] for b in bodies} == {"vhxh", "dong-phu"}
    assert await publisher._units_to_compute(now + timedelta(minutes=1)) == set(), "nothing changed"
    later = now + timedelta(hours=1)  # B fell late at due: vhxh's on-time count changed
    assert await publisher._units_to_compute(later) == {"vhxh", "dong-phu"}


async def test_a_changed_unit_goes_out_at_once_and_the_units_above_it_after_their_pause(
    store: Store, redis: aredis.Redis, plan: Plan, writer: Writer
) -> None:
    """A department's snapshot (what its alert waits for) is not held back by the sums of
    the units above it, which read the most cells: those follow once their pause is over."""
    now = local_now()
    publisher = await _after_a_case_in_kt(store, redis, plan, writer, "C", now)
    paused_until = time.monotonic() + 60  # the units above were computed a moment ago
    publisher._above_at = paused_until
    await publisher._publish_changed(now)
    assert publisher._above == {"dong-phu"} and publisher._above_at == paused_until
    assert await published_units(redis) == {"kt"}
    publisher._above_at = 0.0  # the pause is over
    await publisher._publish_changed(now)
    assert publisher._above == set() and publisher._above_at >= time.monotonic()
    assert await published_units(redis) == {"kt", "dong-phu"}


async def _after_a_case_in_kt(
    store: Store, redis: aredis.Redis, plan: Plan, writer: Writer, code: str, now: datetime
) -> SnapshotPublisher:
    """A publisher that published every unit (the stream emptied since), then was told of a
    case ``code`` stored in ``kt`` this month."""
    publisher = SnapshotPublisher(store, redis, plan, interval_s=3600, min_gap_s=0)
    await publisher.publish(full=True, at=now)
    await redis.delete(INDICATORS)
    start = start_of_current("month", now).isoformat()
    written = await writer.store_batch(await writer.prepare(entries([received(code, start, unit="kt")])))
    await writer.acknowledge(written)
    publisher.mark_dirty(written.changed.units)
    return publisher


async def published_units(redis: aredis.Redis) -> set[str]:
    return {str(b["unit"]) for k, b in await read_all(redis) if k == b"indicators"}


async def test_units_whose_computation_failed_go_out_at_the_next_round(
    store: Store, redis: aredis.Redis, plan: Plan, writer: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store fails during a round: what it was to publish is owed, and the next round
    publishes it (not the next full round, an interval later)."""
    now = local_now()
    publisher = await _after_a_case_in_kt(store, redis, plan, writer, "D", now)
    real_counts = reads.counts_by_unit

    def failing(*args: Any, **kwargs: Any) -> Any:
        raise StoreUnavailable("the store is down")

    monkeypatch.setattr(reads, "counts_by_unit", failing)
    with pytest.raises(StoreUnavailable):
        await publisher._publish_changed(now)
    assert await published_units(redis) == set()
    monkeypatch.setattr(reads, "counts_by_unit", real_counts)
    await publisher._publish_changed(now)
    assert await published_units(redis) == {"kt", "dong-phu"}
