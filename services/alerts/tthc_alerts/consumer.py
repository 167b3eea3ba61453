"""Reading ``tthc:indicators`` (FastStream, consumer group ``alerts``).

Snapshots are state, not events: every minute metrics publishes all of them again, so
the group starts at the newest entry and reads without acknowledgements (a snapshot
lost in a crash is superseded by the next one).
"""

from __future__ import annotations

import logging

import orjson
import redis.asyncio as aredis
from faststream import AckPolicy
from faststream.redis import RedisBroker, StreamSub
from faststream.redis.annotations import RedisBatchStreamMessage

from tthc_contract.logs import get_logger
from tthc_contract.redis_client import HiredisPackedConnection
from tthc_contract.stream_consumers import (
    as_fields,
    ensure_group,
    install_raw_replies,
    raw_batch_options,
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
        self.redis = redis
        self.engine = engine
        self.broker = RedisBroker(
            redis_url, connection_class=HiredisPackedConnection, log_level=logging.DEBUG
        )
        read = StreamSub(
            INDICATORS,
            group=ALERTS_GROUP,
            consumer=name,
            batch=True,
            no_ack=True,
            max_records=1000,
            polling_interval=200,
        )
        self.broker.subscriber(stream=read, **raw_batch_options(AckPolicy.MANUAL))(self._on_batch)

    async def _on_batch(self, message: RedisBatchStreamMessage) -> None:
        for _, raw in raw_entries(message):
            fields = as_fields(raw)
            kind, body = fields.get(KIND_FIELD), orjson.loads(fields.get(BODY_FIELD, b"null"))
            if kind == KIND_SNAPSHOT.encode():
                await self.engine.on_snapshot(body)
            elif kind == KIND_DUE_SOON.encode():
                await self.engine.on_due_soon(body)
            else:
                log.warning("alerts.unknown_entry", kind=str(kind))

    async def start(self) -> None:
        await ensure_group(self.redis, INDICATORS, ALERTS_GROUP, "$")
        await self.broker.connect()
        install_raw_replies(self.broker)
        await self.broker.start()

    async def stop(self) -> None:
        await self.broker.stop()
