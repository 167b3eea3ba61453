"""Every entry of ``tthc:alerts`` stored in ClickHouse (``alert_changes``), for the
alert history on the dashboards. Acknowledged only after the write; retried while
ClickHouse is away."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import orjson
import redis.asyncio as aredis
from faststream.redis.annotations import RedisBatchStreamMessage

from tthc_contract.logs import get_logger
from tthc_contract.stream_consumers import RawStreamReader, as_fields, raw_entries
from tthc_contract.streams import ALERT_ARCHIVE_GROUP, ALERT_FIELDS, ALERTS, BODY_FIELD, entry_seconds

from .store import Store, StoreUnavailable

log = get_logger("tthc.metrics.alert_archive")


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def alert_row(entry_id: bytes, body: dict[str, Any]) -> list[Any]:
    """A row of ``alert_changes``; the change time is the stream entry's (milliseconds)."""
    times = {"started_at": _time(body["started_at"]), "resolved_at": _time(body["resolved_at"])}
    fields = [times.get(name, body[name]) for name in ALERT_FIELDS]
    return [entry_id.decode(), datetime.fromtimestamp(entry_seconds(entry_id)).astimezone(), *fields]


class AlertArchive:
    def __init__(self, redis_url: str, redis: aredis.Redis, name: str, store: Store) -> None:
        self.redis = redis
        self.store = store
        self.reader = RawStreamReader(redis_url, redis, ALERTS, ALERT_ARCHIVE_GROUP, consumer=name, start="0")
        self.reader.subscribe(self._on_batch, max_records=1000, polling_interval=500)

    async def _on_batch(self, message: RedisBatchStreamMessage) -> None:
        entries = raw_entries(message)
        rows = [alert_row(entry_id, orjson.loads(as_fields(raw)[BODY_FIELD])) for entry_id, raw in entries]
        delay = 0.5
        while True:
            try:
                await asyncio.to_thread(self.store.insert_alert_changes, rows)
                break
            except StoreUnavailable as exc:
                log.warning("metrics.alert_archive_retry", error=str(exc)[:300], retry_in_s=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
        await self.redis.xack(ALERTS, ALERT_ARCHIVE_GROUP, *[entry_id for entry_id, _ in entries])

    async def start(self) -> None:
        await self.reader.start()

    async def stop(self) -> None:
        await self.reader.stop()
