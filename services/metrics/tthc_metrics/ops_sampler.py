"""Sampling the state of the pipeline from Redis into Prometheus gauges, every few seconds:
the event stream's length, lag and pending entries, dead letters, ingest's answers.

Prometheus scrapes them from ``/metrics`` (the Vận hành dashboard and the pipeline's alert
rules read Prometheus); nothing is written into ClickHouse.
"""

from __future__ import annotations

import asyncio
from typing import Any

import redis.asyncio as aredis
from redis.exceptions import ResponseError

from tthc_contract.dead_letters import DEAD_TOTAL
from tthc_contract.logs import get_logger
from tthc_contract.redis_client import REDIS_ERRORS
from tthc_contract.streams import EVENTS, INGEST_STATS, METRICS_GROUP

from . import observability as om

log = get_logger("tthc.metrics.ops")


async def sample(redis: aredis.Redis) -> dict[str, float]:
    values: dict[str, float] = {"stream_length": float(await redis.xlen(EVENTS))}
    try:
        groups = {g["name"].decode(): g for g in await redis.xinfo_groups(EVENTS)}
    except ResponseError:
        groups = {}
    group: dict[str, Any] = groups.get(METRICS_GROUP, {})
    values["stream_lag"] = float(group.get("lag") or 0)
    values["stream_pending"] = float(group.get("pending") or 0)
    values["dead_letters"] = float(await redis.get(DEAD_TOTAL) or 0)
    stats: dict[bytes, bytes] = await redis.hgetall(INGEST_STATS)  # type: ignore[assignment]
    for field, count in stats.items():
        values[f"ingest_{field.decode()}"] = float(count)
    return values


def publish(values: dict[str, float]) -> None:
    om.STREAM_LENGTH.set(values["stream_length"])
    om.STREAM_LAG.set(values["stream_lag"])
    om.STREAM_PENDING.set(values["stream_pending"])
    om.DEAD_LETTERS.set(values["dead_letters"])
    for name, value in values.items():
        status = name.removeprefix("ingest_")
        if name.startswith("ingest_") and status.isdigit():
            om.INGEST_ANSWERS.labels(status).set(value)


async def run_sampler(redis: aredis.Redis, every_s: float) -> None:
    while True:
        try:
            publish(await sample(redis))
        except REDIS_ERRORS as exc:
            log.warning("metrics.ops_sample_failed", error=str(exc)[:200])
        await asyncio.sleep(every_s)
