"""Evidence, in Redis, of a consumer that died while processing entries (see ``suspects``).

- ``tthc:metrics:processing``: one field per attempt in progress (``<consumer>|<n>``), its
  entries' ids; written before decoding a batch or inserting rows, removed right after,
  whatever the outcome. A field left behind means its consumer died during the attempt.
  Waiting for ClickHouse (between attempts) leaves no field, so an outage never counts.
- ``tthc:metrics:alive``: each consumer's "alive until" (ms), renewed by its heartbeat.
- ``tthc:metrics:crashes``: entry id → interruptions witnessed, until it is stored.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import redis.asyncio as aredis

from tthc_contract.logs import get_logger

PROCESSING = "tthc:metrics:processing"
ALIVE = "tthc:metrics:alive"
CRASHES = "tthc:metrics:crashes"

log = get_logger("tthc.metrics.crash_witness")

# A left-behind attempt counts once, by whoever takes it first.
_TAKE = """
local ids = redis.call('HGET', KEYS[1], ARGV[1])
if not ids then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
local n = 0
for id in string.gmatch(ids, '[^\\n]+') do
  redis.call('HINCRBY', KEYS[2], id, 1)
  n = n + 1
end
return n
"""


class CrashWitness:
    def __init__(self, redis: aredis.Redis, consumer: str, alive_ms: int) -> None:
        self.redis: Any = redis  # replies are bytes (decode_responses off); the stubs say bytes | str
        self.consumer = consumer
        self.alive_ms = alive_ms
        self._attempts = itertools.count()
        self._open: set[str] = set()
        self._take = redis.register_script(_TAKE)

    async def heartbeat(self) -> None:
        await self.redis.hset(ALIVE, self.consumer, int(time.time() * 1000) + self.alive_ms)

    @asynccontextmanager
    async def attempt(self, entry_ids: Sequence[bytes]) -> AsyncIterator[None]:
        """Mark ``entry_ids`` as being processed for the duration of the block."""
        if not entry_ids:
            yield
            return
        field = f"{self.consumer}|{next(self._attempts)}"
        await self.redis.hset(PROCESSING, field, b"\n".join(entry_ids))
        self._open.add(field)
        try:
            yield
        finally:
            self._open.discard(field)
            await self.redis.hdel(PROCESSING, field)

    async def release_open(self) -> None:
        """At a clean stop: attempts cut short by the stop are not crashes."""
        if self._open:
            await self.redis.hdel(PROCESSING, *self._open)
            self._open.clear()

    async def collect(self) -> int:
        """Count the attempts of consumers that died during them; how many entries were hit."""
        fields = [f.decode() for f in await self.redis.hkeys(PROCESSING)]
        if not fields:
            return 0
        alive = {k.decode(): int(v) for k, v in (await self.redis.hgetall(ALIVE)).items()}
        now_ms = int(time.time() * 1000)
        hit = 0
        for field in fields:
            owner = field.rsplit("|", 1)[0]
            if owner == self.consumer or alive.get(owner, 0) > now_ms:
                continue
            entries = int(await self._take(keys=[PROCESSING, CRASHES], args=[field]))
            if entries:
                log.warning("metrics.consumer_died_while_processing", consumer=owner, entries=entries)
                hit += entries
        return hit

    async def crashes(self, entry_ids: Sequence[bytes]) -> list[int]:
        if not entry_ids:
            return []
        return [int(v or 0) for v in await self.redis.hmget(CRASHES, list(entry_ids))]

    async def forget(self, entry_ids: Sequence[bytes]) -> None:
        if entry_ids:
            await self.redis.hdel(CRASHES, *entry_ids)
