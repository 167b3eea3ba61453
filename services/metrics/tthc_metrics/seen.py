"""Which entry each event belongs to: ``(source, id)`` claimed for one stream entry in Redis.

Before a batch is written, each event is claimed for its stream entry: an identity no
entry holds, or one this very entry claimed before (a delivery after a crash), means
"store it"; an identity another entry holds means the event is a duplicate and changes
nothing, even when its content differs. A claim never loses an event: an entry that
claimed but crashed before storing is delivered again and finds its own claim. Claims
of events ClickHouse refused are released.

Claims live in generation hashes (``tthc:seen:<n>``, field identity, value entry id),
each half of ``TTHC_DEDUP_WINDOW`` wide and expiring a window after it closes; a claim
is looked up in the current generation and the two before it, so it is remembered for
at least the window (35 days by default) and at most one and a half. After that an
exact re-send is still harmless: every write is idempotent. One script call claims
thousands of identities with one ``HMGET`` per generation and one ``HSET``: about a
third of the Redis time of a ``SET NX GET EX`` per event.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import redis.asyncio as aredis

PREFIX = "tthc:seen:"
GENERATIONS = 3
"""Generations looked up: the current one and the two before it (a window is two)."""

_CLAIM = """
local n = (#ARGV - 1) / 2
local ids = {}
for i = 1, n do ids[i] = ARGV[2 * i] end
local owners = redis.call('HMGET', KEYS[1], unpack(ids))
for k = 2, #KEYS do
  local older = redis.call('HMGET', KEYS[k], unpack(ids))
  for i = 1, n do
    if not owners[i] then owners[i] = older[i] end
  end
end
local new, added, duplicates = {}, 0, {}
for i = 1, n do
  local mine = ARGV[2 * i + 1]
  if not owners[i] then
    new[added + 1] = ids[i]
    new[added + 2] = mine
    added = added + 2
  elseif owners[i] ~= mine then
    duplicates[#duplicates + 1] = i - 1
  end
end
if added > 0 then
  redis.call('HSET', KEYS[1], unpack(new))
  redis.call('EXPIREAT', KEYS[1], ARGV[1])
end
return duplicates
"""

_RELEASE = """
for i = 1, #ARGV, 2 do
  for _, key in ipairs(KEYS) do
    if redis.call('HGET', key, ARGV[i]) == ARGV[i + 1] then redis.call('HDEL', key, ARGV[i]) end
  end
end
return #ARGV / 2
"""

CHUNK = 3_000
"""Identities per script call: bounded, so Redis stays responsive to everyone else (and
below Lua's limit of 8,000 values per ``unpack``)."""


class EventClaims:
    def __init__(self, redis: aredis.Redis, window_s: int, clock: Callable[[], float] = time.time) -> None:
        if window_s < GENERATIONS:
            raise ValueError(f"the deduplication window must be at least {GENERATIONS} seconds")
        self._redis = redis
        self._window_s = window_s
        # Rounded up: the generations looked up must span the whole window, odd or not.
        self._width_s = -(-window_s // (GENERATIONS - 1))
        self._clock = clock
        self._claim = redis.register_script(_CLAIM)
        self._release = redis.register_script(_RELEASE)

    def _generations(self) -> tuple[list[str], int]:
        """The generation keys to look in (current first) and when the current one expires."""
        current = int(self._clock()) // self._width_s
        keys = [f"{PREFIX}{current - back}" for back in range(GENERATIONS)]
        return keys, (current + 1) * self._width_s + self._window_s

    async def claim(self, keys: list[bytes], entry_ids: list[bytes]) -> list[bool]:
        """For each event: True when this entry should store it, False for a duplicate.

        The identities must be distinct (``entries.decode`` keeps the first of a batch).
        """
        if len(set(keys)) != len(keys):
            raise ValueError("claim: the same identity twice in one call")
        generations, expire_at = self._generations()
        owned = [True] * len(keys)
        for start in range(0, len(keys), CHUNK):
            pairs = _interleave(keys[start : start + CHUNK], entry_ids[start : start + CHUNK])
            for position in await self._claim(keys=generations, args=[expire_at, *pairs]):
                owned[start + int(position)] = False
        return owned

    async def remembers_any(self) -> bool:
        """Whether any claim is kept: some event was stored (or is being stored) before."""
        cursor = 0
        while True:
            cursor, found = await self._redis.scan(cursor, match=PREFIX + "*", count=1000)
            if found:
                return True
            if cursor == 0:
                return False

    async def release(self, keys: list[bytes], entry_ids: list[bytes]) -> None:
        generations, _ = self._generations()
        for start in range(0, len(keys), CHUNK):
            pairs = _interleave(keys[start : start + CHUNK], entry_ids[start : start + CHUNK])
            await self._release(keys=generations, args=pairs)


def _interleave(keys: list[bytes], entry_ids: list[bytes]) -> list[bytes]:
    pairs: list[bytes] = [b""] * (2 * len(keys))
    pairs[0::2] = keys
    pairs[1::2] = entry_ids
    return pairs
