"""A small province (30 communes × 7 departments) through the real consumer, as a correctness
check of what ``tthc bench province`` measures at scale: its history in the stream, stored by
the consumer while the trimmer runs; then every number of every level agrees with the oracle,
the stream was trimmed only below what was stored, and nothing was stored twice."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aredis

from tthc_cli.bench.province_data import history, province_plan
from tthc_contract.events import parse_rfc3339
from tthc_contract.periods import parse_period
from tthc_contract.plan import Plan, load_plan
from tthc_contract.streams import EVENTS
from tthc_metrics import reads
from tthc_metrics.batcher import Batcher
from tthc_metrics.consumer import EventConsumer
from tthc_metrics.store import Store
from tthc_metrics.trimmer import StreamTrimmer

from ..conftest import PLAN_PATH, start_afresh
from . import oracle
from .conftest import make_writer, settled, signed_entry

pytestmark = pytest.mark.asyncio
COMMUNES = 30


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return load_plan(province_plan(PLAN_PATH, COMMUNES, Path(tmp_path_factory.mktemp("province"))))


async def consume(redis_url: str, redis: aredis.Redis, store: Store, plan: Plan) -> EventConsumer:
    consumer = EventConsumer(
        redis_url, redis, "province", make_writer(store, redis, plan), Batcher(2_000, 0.05),
        reclaim_idle_ms=60_000, poison_after=2, on_stored=_ignore,
    )  # fmt: skip
    await consumer.start()
    return consumer


async def _ignore(*_: object) -> None:
    return None


async def test_a_province_is_counted_exactly_and_its_stream_trimmed_below_what_is_stored(
    session_store: Store, redis_url: str, redis: aredis.Redis, province: Plan
) -> None:
    await start_afresh(session_store, redis)
    session_store.sync_plan(province)
    events: list[dict[str, Any]] = list(history(province, 4_000, 1, seed=11))
    for event in events:
        await redis.xadd(EVENTS, signed_entry(event))
    consumer = await consume(redis_url, redis, session_store, province)
    trimmer, trimmed = StreamTrimmer(redis), 0
    try:
        while True:
            trimmed += await trimmer.trim()
            if await settled(redis):
                break
            await asyncio.sleep(0.2)
        trimmed += await trimmer.trim()
    finally:
        await consumer.stop(flush_timeout_s=10)
    assert trimmed == len(events) and await redis.xlen(EVENTS) == 0, "everything stored, then trimmed"
    assert reads.events_stored(session_store) == len({(e["source"], e["id"]) for e in events})
    rnd = random.Random(5)
    now = max(parse_rfc3339(e["time"]) for e in events)
    units = [province.root, *rnd.sample(province.children[province.root], 3)]
    units += rnd.sample([u for u in province.unit_codes if "-" in u], 4)
    periods = sorted({e["time"][:7] for e in events})[-3:]
    for unit in units:
        for code in [*periods, periods[-1][:4]]:
            period = parse_period(code)
            got = reads.counts(session_store, province.descendants(unit), period, now)
            assert got == oracle.count(events, province, unit, period, now), (unit, code)
