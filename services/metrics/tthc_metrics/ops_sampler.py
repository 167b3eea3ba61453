"""Samples for the operations dashboard, taken every few seconds into ``ops_samples``:
the event stream's length, lag and pending entries, dead letters, ingest's answers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import redis.asyncio as aredis
from redis.exceptions import ResponseError

from tthc_contract.dead_letters import DEAD_TOTAL
from tthc_contract.logs import get_logger
from tthc_contract.redis_client import REDIS_ERRORS
from tthc_contract.streams import EVENTS, INGEST_STATS, METRICS_GROUP

from .store import Store, StoreUnavailable

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


async def run_sampler(redis: aredis.Redis, store: Store, every_s: float) -> None:
    while True:
        try:
            values = await sample(redis)
            now = datetime.now(UTC)
            await asyncio.to_thread(store.insert_samples, [[now, k, v] for k, v in values.items()])
        except (StoreUnavailable, *REDIS_ERRORS) as exc:
            log.warning("metrics.ops_sample_failed", error=str(exc)[:200])
        await asyncio.sleep(every_s)
