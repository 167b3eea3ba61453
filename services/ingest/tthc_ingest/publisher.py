"""Publishing entries to ``tthc:events``: one round trip, all or nothing."""

from __future__ import annotations

import contextlib

import redis.asyncio as aredis

from tthc_contract.redis_client import REDIS_ERRORS
from tthc_contract.streams import EVENTS, INGEST_STATS

# One script call per request: Redis runs a script atomically, so either every entry
# is appended or (the call never arrived) none; and one reply replaces one per entry.
_XADD_ALL = """
local per = tonumber(ARGV[1])
for i = 2, #ARGV, per do
  redis.call('XADD', KEYS[1], '*', unpack(ARGV, i, i + per - 1))
end
local count = (#ARGV - 1) / per
redis.call('HINCRBY', KEYS[2], 'events_accepted', count)
redis.call('HINCRBY', KEYS[2], '202', 1)
return count
"""


class RedisUnavailable(Exception):
    pass


class EventPublisher:
    def __init__(self, redis: aredis.Redis) -> None:
        self._redis = redis
        self._xadd_all = redis.register_script(_XADD_ALL)

    async def publish(self, entries: list[dict[bytes, bytes]]) -> None:
        """Every entry in the stream when this returns; none of them if it raises."""
        if not entries:
            return
        per = 2 * len(entries[0])
        args: list[bytes | int] = [per]
        for fields in entries:
            assert 2 * len(fields) == per, "every entry of a request has the same fields"
            for name, value in fields.items():
                args += (name, value)
        try:
            await self._xadd_all(keys=[EVENTS, INGEST_STATS], args=args)
        except REDIS_ERRORS as exc:
            raise RedisUnavailable(str(exc)) from exc

    async def count_refusal(self, status: int) -> None:
        """Count a refused request for the operations dashboard; never fails the request."""
        with contextlib.suppress(*REDIS_ERRORS):
            await self._redis.hincrby(INGEST_STATS, str(status), 1)

    async def close(self) -> None:
        await self._redis.aclose()

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except REDIS_ERRORS:
            return False
