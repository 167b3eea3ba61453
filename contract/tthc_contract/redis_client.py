"""How every service connects to Redis: bounded timeouts, a short retry with backoff,
and commands packed by hiredis in C (redis-py's asyncio client packs in Python, which
costs more than the rest of a batch's work)."""

from __future__ import annotations

from typing import Any

import hiredis
import redis.asyncio as aredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import DataError
from redis.exceptions import TimeoutError as RedisTimeoutError

REDIS_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)
"""What a Redis outage looks like to a caller."""


class HiredisPackedConnection(aredis.Connection):
    """Same wire format as redis-py's own packer (its sync client does exactly this)."""

    def pack_command(self, *args: Any) -> list[bytes]:
        if isinstance(args[0], str):
            args = (*args[0].encode().split(), *args[1:])
        elif b" " in args[0]:
            args = (*args[0].split(), *args[1:])
        try:
            return [hiredis.pack_command(args)]
        except TypeError:
            pass  # a bytearray or memoryview: convert (rare), then pack
        try:
            converted: Any = tuple(bytes(a) if isinstance(a, bytearray | memoryview) else a for a in args)
            return [hiredis.pack_command(converted)]
        except TypeError as exc:
            raise DataError(str(exc)) from exc


def connect(url: str, *, retries: int = 2, timeout_s: float = 5.0) -> aredis.Redis:
    extra: dict[str, Any] = {}
    if url.startswith("redis://"):
        extra["connection_class"] = HiredisPackedConnection
    return aredis.Redis.from_url(
        url,
        socket_connect_timeout=2.0,
        socket_timeout=timeout_s,
        health_check_interval=30,
        retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), retries),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
        **extra,
    )
