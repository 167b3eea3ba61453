"""Which entry each event belongs to: one Redis key per ``(source, id)``, with a time to live.

Before a batch is written, each event is claimed for its stream entry
(``SET key <entry id> NX GET``): a new key, or a key this very entry claimed before
(a delivery after a crash), means "store it"; a key another entry holds means the
event is a duplicate and changes nothing, even when its content differs. A claim
never loses an event: an entry that claimed but crashed before storing is delivered
again and finds its own claim. Claims of events ClickHouse refused are released.
They live ``TTHC_DEDUP_WINDOW`` (35 days by default); after that an exact re-send is
still harmless (every write is idempotent).
"""

from __future__ import annotations

import redis.asyncio as aredis

PREFIX = b"tthc:seen:"

_CLAIM = """
local owners = {}
for i, key in ipairs(KEYS) do
  local held = redis.call('SET', key, ARGV[i + 1], 'NX', 'GET', 'EX', ARGV[1])
  owners[i] = (held == false or held == ARGV[i + 1]) and 1 or 0
end
return owners
"""

_RELEASE = """
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[i] then redis.call('DEL', key) end
end
return #KEYS
"""

CHUNK = 5_000
"""Keys per script call: bounded, so Redis stays responsive to everyone else."""


class EventClaims:
    def __init__(self, redis: aredis.Redis, ttl_s: int) -> None:
        self._redis = redis
        self._ttl_s = ttl_s
        self._claim = redis.register_script(_CLAIM)
        self._release = redis.register_script(_RELEASE)

    async def claim(self, keys: list[bytes], entry_ids: list[bytes]) -> list[bool]:
        """For each event: True when this entry should store it, False for a duplicate."""
        owned: list[bool] = []
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            replies = await self._claim(
                keys=[PREFIX + k for k in chunk], args=[self._ttl_s, *entry_ids[start : start + CHUNK]]
            )
            owned += [bool(r) for r in replies]
        return owned

    async def release(self, keys: list[bytes], entry_ids: list[bytes]) -> None:
        for start in range(0, len(keys), CHUNK):
            await self._release(
                keys=[PREFIX + k for k in keys[start : start + CHUNK]], args=entry_ids[start : start + CHUNK]
            )
