"""Consuming our Redis streams with FastStream, without FastStream's per-entry decoding.

FastStream's stream parser decodes every entry as its own message format and encodes
the batch again as JSON; a pass-through parser hands the raw entries (id, fields) to the
handler instead, and ``XREADGROUP`` replies are left as flat ``[k, v, ...]`` lists (no dict
per entry). Consumer groups are created by ``ensure_group``, at the start id we choose.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import redis.asyncio as aredis
from faststream import AckPolicy
from faststream.redis import RedisBroker, StreamSub
from faststream.redis.broker.sentinel_broker import RedisSentinelBroker
from faststream.redis.message import RedisBatchStreamMessage as BatchMessage
from redis.asyncio.sentinel import SentinelManagedSSLConnection
from redis.exceptions import ResponseError

from .logs import get_logger
from .redis_client import (
    REDIS_ERRORS,
    HiredisPackedConnection,
    HiredisSentinelConnection,
    follow_primary,
    sentinel_of,
    sentinel_options,
)
from .tasks import cancelled

log = get_logger("tthc.stream")
Fields = Mapping[bytes, bytes]
FOLLOW_EVERY_S = 1.0
"""With Sentinel, how often a reader asks the sentinels whether the primary moved."""
BROKER_STOP_S = 5.0
"""How long a reader's stop waits for FastStream's subscriber to end (a stop is bounded)."""


async def _pass_through(message: Any, _original: Any) -> BatchMessage:
    return BatchMessage(raw_message=message, body=b"", consumer=None, group=None)  # type: ignore[arg-type]


async def _no_body(_message: Any, _original: Any) -> None:
    return None


def raw_batch_options(ack_policy: AckPolicy) -> dict[str, Any]:
    """Keyword arguments for ``broker.subscriber(...)`` of a raw batch handler."""
    return {"ack_policy": ack_policy, "parser": _pass_through, "decoder": _no_body}


def _raw_reply(response: Any, **_: Any) -> Any:
    if response is None:  # a blocking read that timed out
        return []
    return list(response.items()) if isinstance(response, dict) else response


def install_raw_replies(broker: RedisBroker) -> None:
    """Call after ``broker.connect()``: XREADGROUP replies stay flat lists."""
    broker.config.broker_config.connection.client.set_response_callback("XREADGROUP", _raw_reply)


def raw_entries(message: Any) -> list[tuple[bytes, Any]]:
    """(entry id, raw fields) of a batch message delivered with ``raw_batch_options``."""
    raw = message.raw_message
    return list(zip(raw["message_ids"], raw["data"], strict=True))


def as_fields(raw: Any) -> Fields:
    """XREADGROUP gives a flat ``[k, v, k, v]`` list (our raw reply); XAUTOCLAIM a dict."""
    if isinstance(raw, Mapping):
        return raw
    items: Sequence[bytes] = raw
    return dict(zip(items[::2], items[1::2], strict=True))


async def ensure_group(redis: aredis.Redis, stream: str, group: str, start: str) -> None:
    """Create ``group`` on ``stream`` at ``start`` ("0": all entries, "$": new ones) if absent."""
    try:
        await redis.xgroup_create(stream, group, id=start, mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def broker_for(redis_url: str, redis: aredis.Redis, logger: str) -> RedisBroker:
    """A FastStream broker that reaches Redis as ``redis`` does: through the same sentinels
    (``RedisSentinelBroker``, the primary found again at each reconnect) when ``redis`` goes
    through Sentinel, else at ``redis_url``. Its lines go through the root handler
    (structured lines), not FastStream's own colour handler."""
    options: dict[str, Any] = {
        "logger": logging.getLogger(logger),
        "log_level": logging.DEBUG,
        "graceful_timeout": 10,
    }
    sentinel = sentinel_of(redis)
    if sentinel is None:
        return RedisBroker(redis_url, connection_class=HiredisPackedConnection, **options)
    nodes, master = sentinel
    tls = redis_url.startswith("rediss://")  # the URL would name a plain SSLConnection: not sentinel-managed
    options["connection_class"] = SentinelManagedSSLConnection if tls else HiredisSentinelConnection
    return RedisSentinelBroker(
        redis_url, sentinels=nodes, sentinel_master_name=master, sentinel_kwargs=sentinel_options(), **options
    )


class RawStreamReader:
    """One stream read in a consumer group by FastStream, raw batches to our handlers.

    The broker reaches Redis as ``redis`` does (``broker_for``): with Sentinel, through the
    same sentinels, so a failover is followed without a restart; and every ``FOLLOW_EVERY_S``
    the reader asks whether the primary moved, for the broker's client and for ``redis`` (the
    service's), so that reads and writes on an old primary that still runs (a switchover) move
    over at once rather than when Sentinel demotes it.

    Acknowledgement is the handlers' business (``AckPolicy.MANUAL``): each acknowledges
    after its own write, or reads with ``no_ack`` when the stream is state, not events.
    """

    def __init__(
        self, redis_url: str, redis: aredis.Redis, stream: str, group: str, *, consumer: str, start: str
    ) -> None:
        self.redis = redis
        self.stream, self.group, self.consumer, self.start_id = stream, group, consumer, start
        self.broker = broker_for(redis_url, redis, f"tthc.faststream.{group}")
        self._following: asyncio.Task[None] | None = None

    def subscribe(self, handler: Callable[..., Awaitable[None]], **options: Any) -> None:
        """Batches of entries to ``handler`` (``StreamSub`` options: ``max_records``, ``min_idle_time``, ...)."""
        read = StreamSub(self.stream, group=self.group, consumer=self.consumer, batch=True, **options)
        self.broker.subscriber(stream=read, **raw_batch_options(AckPolicy.MANUAL))(handler)

    async def start(self) -> None:
        await ensure_group(self.redis, self.stream, self.group, self.start_id)
        await self.broker.connect()
        install_raw_replies(self.broker)
        await self.broker.start()
        if sentinel_of(self.redis) is not None:
            self._following = asyncio.create_task(self._follow_primary())

    async def _follow_primary(self) -> None:
        """The broker's client, and the service's own (acknowledgements, state) with it."""
        reading: aredis.Redis = self.broker.config.broker_config.connection.client  # type: ignore[assignment]
        while True:
            await asyncio.sleep(FOLLOW_EVERY_S)
            for client in (reading, self.redis):
                with contextlib.suppress(*REDIS_ERRORS):
                    if await follow_primary(client):
                        log.info("stream.primary_moved", group=self.group, stream=self.stream)

    async def stop(self) -> None:
        await cancelled(self._following)
        try:  # bounded: a read stuck on a lost primary must not hold a stop
            async with asyncio.timeout(BROKER_STOP_S):
                await self.broker.stop()
        except TimeoutError:
            log.warning("stream.stop_overran", group=self.group, waited_s=BROKER_STOP_S)
        finally:
            self._end_reads()

    def _end_reads(self) -> None:
        """Whatever cut the broker's stop short (its bound, or a cancel of the caller), every
        read loop ends at its next turn. A loop left running kept a stopped service alive: at
        exit Python cancels the remaining tasks once, the loop's Redis call can swallow that
        cancel (3.11's ``wait_for``), and FastStream reads on while its subscriber runs."""
        for subscriber in self.broker.subscribers:
            subscriber.running = False
