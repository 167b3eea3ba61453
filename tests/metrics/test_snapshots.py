"""Snapshots on tthc:indicators: all units on the timer, only what changed after a flush."""

from __future__ import annotations

from datetime import timedelta

import orjson
import pytest
import redis.asyncio as aredis

from tthc_contract.plan import Plan
from tthc_contract.streams import BODY_FIELD, INDICATORS, KIND_FIELD
from tthc_metrics.snapshots import SnapshotPublisher
from tthc_metrics.store import Store
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
