"""What the dashboards read besides the indicators: the alert history and operations samples."""

from __future__ import annotations

import asyncio
import time

import orjson
import pytest
import redis.asyncio as aredis

from tthc_contract.streams import ALERT_ARCHIVE_GROUP, ALERTS, BODY_FIELD, EVENTS, INGEST_STATS
from tthc_metrics.alert_archive import AlertArchive
from tthc_metrics.ops_sampler import run_sampler, sample
from tthc_metrics.store import Store

from .conftest import signed_entry
from .events import ALERT_CHANGE, received, t

pytestmark = pytest.mark.asyncio

CHANGE = ALERT_CHANGE


async def test_every_alert_change_is_stored_once_and_acknowledged(redis: aredis.Redis, store: Store) -> None:
    resolved = {
        **CHANGE,
        "status": "resolved",
        "value": 0.95,
        "numerator": 19,
        "denominator": 20,
        "resolved_at": "2026-03-11T09:00:00+07:00",
    }
    for body in (CHANGE, resolved):  # published before metrics ever read the stream
        await redis.xadd(ALERTS, {BODY_FIELD: orjson.dumps(body)})
    archive = AlertArchive(_url(redis), redis, "test", store)
    await archive.start()
    try:
        deadline = time.monotonic() + 20
        while store.call("read", lambda c: c.command("SELECT count() FROM alert_changes")) < 2:
            assert time.monotonic() < deadline, "the alert changes were not stored"
            await asyncio.sleep(0.1)
        while (await redis.xpending(ALERTS, ALERT_ARCHIVE_GROUP))["pending"]:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.1)
    finally:
        await archive.stop()
    rows = store.call(
        "read",
        lambda c: (
            c.query(
                "SELECT status, numerator, denominator, resolved_at IS NULL FROM alert_changes ORDER BY changed_at, status"
            ).result_rows
        ),
    )
    assert rows == [("firing", 8, 10, 1), ("resolved", 19, 20, 0)]


def _url(redis: aredis.Redis) -> str:
    kwargs = redis.connection_pool.connection_kwargs
    return f"redis://{kwargs['host']}:{kwargs['port']}/{kwargs.get('db', 0)}"


async def test_operations_samples_reach_prometheus(redis: aredis.Redis) -> None:
    """The sampler reads Redis and sets the gauges /metrics exposes (no ClickHouse table)."""
    from prometheus_client import generate_latest

    for n in range(3):
        await redis.xadd(EVENTS, signed_entry(received(f"C{n}", t("2026-03-05 08:00"))))
    await redis.xgroup_create(EVENTS, "metrics", id="0")
    await redis.hset(INGEST_STATS, mapping={"202": 4, "422": 2, "events_accepted": 1500})
    values = await sample(redis)
    assert values["stream_length"] == 3 and values["stream_lag"] == 3 and values["stream_pending"] == 0
    assert (
        values["ingest_422"] == 2 and values["ingest_events_accepted"] == 1500 and values["dead_letters"] == 0
    )
    task = asyncio.create_task(run_sampler(redis, every_s=0.1))
    await asyncio.sleep(0.5)
    task.cancel()
    scraped = generate_latest().decode()
    assert "tthc_stream_lag 3.0" in scraped and "tthc_stream_length 3.0" in scraped
    assert (
        'tthc_ingest_answers{status="202"} 4.0' in scraped
        and 'tthc_ingest_answers{status="422"} 2.0' in scraped
    )
