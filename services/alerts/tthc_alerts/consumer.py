"""Reading ``tthc:indicators`` (FastStream, consumer group ``alerts``).

Snapshots are state, not events: every minute metrics publishes all of them again, so
the group starts at the newest entry and reads without acknowledgements (a snapshot
lost in a crash is superseded by the next one).
"""

from __future__ import annotations

import orjson
import redis.asyncio as aredis
from faststream.redis.annotations import RedisBatchStreamMessage

from tthc_contract.logs import get_logger
from tthc_contract.stream_consumers import (
    RawStreamReader,
    as_fields,
    raw_entries,
)
from tthc_contract.streams import (
    ALERTS_GROUP,
    BODY_FIELD,
    INDICATORS,
    KIND_DUE_SOON,
    KIND_FIELD,
    KIND_SNAPSHOT,
)

from .engine import AlertEngine

log = get_logger("tthc.alerts.consumer")


class SnapshotConsumer:
    def __init__(self, redis_url: str, redis: aredis.Redis, name: str, engine: AlertEngine) -> None:
        self.engine = engine
        self.reader = RawStreamReader(redis_url, redis, INDICATORS, ALERTS_GROUP, consumer=name, start="$")
        self.reader.subscribe(self._on_batch, no_ack=True, max_records=1000, polling_interval=200)

    async def _on_batch(self, message: RedisBatchStreamMessage) -> None:
        """The whole batch at once: one write of the alert state for up to 1000 entries."""
        kinds = {KIND_SNAPSHOT.encode(): "snapshot", KIND_DUE_SOON.encode(): "due_soon"}
        entries = []
        for _, raw in raw_entries(message):
            fields = as_fields(raw)
            kind = kinds.get(fields.get(KIND_FIELD, b""))
            if kind is None:
                log.warning("alerts.unknown_entry", kind=str(fields.get(KIND_FIELD)))
                continue
            entries.append((kind, orjson.loads(fields.get(BODY_FIELD, b"null"))))
        await self.engine.on_entries(entries)

    async def start(self) -> None:
        await self.reader.start()

    async def stop(self) -> None:
        await self.reader.stop()
