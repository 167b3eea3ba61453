"""How every service connects to Redis: bounded timeouts, a short retry with backoff,
and commands packed by hiredis in C (redis-py's asyncio client packs in Python, which
costs more than the rest of a batch's work).

``connect_settings`` is the one way in: straight to ``TTHC_REDIS_URL``, or, with
``TTHC_REDIS_SENTINELS``, to the primary the sentinels name. Then every new connection asks
the sentinels where the primary is, so after a failover the clients reconnect to the
promoted replica without a restart (a connection still open to a demoted primary is closed
on its first ``READONLY`` answer and retried).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import hiredis
import redis.asyncio as aredis
from redis.asyncio.connection import parse_url
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool, SentinelManagedConnection
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import DataError
from redis.exceptions import TimeoutError as RedisTimeoutError

if TYPE_CHECKING:
    from .settings import Settings

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


class HiredisSentinelConnection(SentinelManagedConnection, HiredisPackedConnection):
    """A connection to the primary the sentinels name (asked again at each reconnect), its
    commands packed by hiredis: the sentinel behaviour first, then our packer."""


def _options(retries: int, timeout_s: float) -> dict[str, Any]:
    return {
        "socket_connect_timeout": 2.0,
        "socket_timeout": timeout_s,
        "health_check_interval": 30,
        "retry": Retry(ExponentialBackoff(cap=1.0, base=0.05), retries),
        "retry_on_error": [RedisConnectionError, RedisTimeoutError],
    }


def connect(url: str, *, retries: int = 2, timeout_s: float = 5.0) -> aredis.Redis:
    extra: dict[str, Any] = {}
    if url.startswith("redis://"):
        extra["connection_class"] = HiredisPackedConnection
    return aredis.Redis.from_url(url, **_options(retries, timeout_s), **extra)


def sentinel_options() -> dict[str, Any]:
    """How the sentinels themselves are asked: in turn, one that does not answer skipped at once."""
    return {"socket_connect_timeout": 1.0, "socket_timeout": 1.0, "retry": Retry(NoBackoff(), 0)}


def connect_sentinel(
    url: str, sentinels: list[tuple[str, int]], master: str, *, retries: int = 2, timeout_s: float = 5.0
) -> aredis.Redis:
    """A client of the primary named ``master`` by ``sentinels``; from ``url`` only the
    database number, the credentials and TLS (``rediss://``) are used."""
    kwargs: dict[str, Any] = {
        k: v for k, v in parse_url(url).items() if k not in ("host", "port", "connection_class")
    }
    if url.startswith("rediss://"):
        kwargs["ssl"] = True  # redis-py's SentinelManagedSSLConnection
    else:
        kwargs["connection_class"] = HiredisSentinelConnection
    manager = Sentinel(sentinels, sentinel_kwargs=sentinel_options())  # type: ignore[no-untyped-call]
    client: aredis.Redis = manager.master_for(master, **kwargs, **_options(retries, timeout_s))
    return client


def connect_settings(settings: Settings, *, retries: int = 2, timeout_s: float = 5.0) -> aredis.Redis:
    """A client of the Redis primary the settings name: ``TTHC_REDIS_URL``, or the one the
    sentinels of ``TTHC_REDIS_SENTINELS`` name ``TTHC_REDIS_MASTER``. A command may block in
    ``WAIT`` for ``TTHC_REDIS_WAIT_MS`` on top of ``timeout_s``."""
    if settings.wait_replicas:
        timeout_s += settings.redis_wait_ms / 1000
    nodes = settings.sentinel_nodes
    if nodes:
        return connect_sentinel(
            settings.redis_url, nodes, settings.redis_master, retries=retries, timeout_s=timeout_s
        )
    return connect(settings.redis_url, retries=retries, timeout_s=timeout_s)


def sentinel_of(client: aredis.Redis) -> tuple[list[tuple[str, int]], str] | None:
    """The sentinels (host, port) and the master name ``client`` finds its primary through,
    or ``None`` for a client of one fixed address."""
    pool = client.connection_pool
    if not isinstance(pool, SentinelConnectionPool):
        return None
    nodes = []
    for sentinel in pool.sentinel_manager.sentinels:
        options = sentinel.connection_pool.connection_kwargs
        nodes.append((str(options["host"]), int(options["port"])))
    return nodes, str(pool.service_name)


async def follow_primary(client: aredis.Redis) -> bool:
    """With Sentinel, ask the sentinels again where the primary is; if it moved since this
    client last asked, say so: its idle connections are closed, and those in use (a read
    blocked on the old primary) are closed as they come back, without failing their command,
    so the next ones reach the new primary. A failover whose old primary still runs (a
    switchover, a partition) leaves it answering until Sentinel demotes it, seconds later.
    Without Sentinel: nothing to do (``False``)."""
    pool = client.connection_pool
    if not isinstance(pool, SentinelConnectionPool):
        return False
    before = pool.master_address
    now = await pool.get_master_address()  # type: ignore[no-untyped-call]  # closes the idle ones
    if before is None or now == before:
        return False
    await pool.update_active_connections_for_reconnect()  # type: ignore[no-untyped-call]
    return True


def describe(settings: Settings) -> str:
    """Where the settings point, for messages (no password)."""
    if settings.sentinel_nodes:
        return f"the primary {settings.redis_master!r} of the sentinels {settings.redis_sentinels}"
    return f"Redis at {settings.redis_url}"
