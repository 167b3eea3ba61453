"""Trimming ``tthc:events`` below what every consumer group has stored (SPEC section 7, "Bounded").

An entry may go once every group of the stream has acknowledged it (metrics acknowledges
only after storing). The floor is the smallest entry some group has not acknowledged: for
each group its smallest pending entry, or, with nothing pending, the entry after its last
delivered one; the minimum over the groups. With no group at all nothing is trimmed. One
script computes the floor and trims below it (``XTRIM MINID``), atomically, so an entry a
consumer reads meanwhile cannot be lost between the two.

Whole stream nodes go first, at most ``step`` entries per call so that Redis stays
responsive to everyone else; then what is left below the floor in the first node, exactly.
"""

from __future__ import annotations

import asyncio

import redis.asyncio as aredis
from redis.exceptions import ResponseError

from tthc_contract.logs import get_logger
from tthc_contract.redis_client import REDIS_ERRORS
from tthc_contract.streams import EVENTS

from . import observability as om

log = get_logger("tthc.metrics.trimmer")

TRIM_STEP = 10_000
"""Entries removed per script call at most (whole nodes; Redis's own default limit for ``~``)."""

_TRIM = """
-- KEYS[1]: the stream. ARGV[1]: entries to remove by whole nodes at most.
-- Returns {entries removed, the floor ('' when there is no group)}.
local function next_id(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  if #seq > 15 then return id end  -- beyond exact arithmetic: keep that one entry
  return ms .. '-' .. string.format('%d', tonumber(seq) + 1)
end
local function number_before(a, b)  -- decimal strings without leading zeros
  if #a ~= #b then return #a < #b end
  return a < b
end
local function before(a, b)  -- is entry id a before entry id b?
  local ams, aseq = string.match(a, '^(%d+)-(%d+)$')
  local bms, bseq = string.match(b, '^(%d+)-(%d+)$')
  if ams ~= bms then return number_before(ams, bms) end
  return number_before(aseq, bseq)
end

if redis.call('EXISTS', KEYS[1]) == 0 then return {0, ''} end
local floor = nil
for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local info = {}
  for k = 1, #group, 2 do info[group[k]] = group[k + 1] end
  local pending = redis.call('XPENDING', KEYS[1], info['name'])
  local first = pending[1] > 0 and pending[2] or next_id(info['last-delivered-id'])
  if floor == nil or before(first, floor) then floor = first end
end
if floor == nil then return {0, ''} end
local removed = redis.call('XTRIM', KEYS[1], 'MINID', '~', floor, 'LIMIT', ARGV[1])
if removed == 0 then removed = redis.call('XTRIM', KEYS[1], 'MINID', floor) end
return {removed, floor}
"""


class StreamTrimmer:
    """Removes the entries of a stream that every consumer group has acknowledged."""

    def __init__(self, redis: aredis.Redis, stream: str = EVENTS, step: int = TRIM_STEP) -> None:
        self.redis = redis
        self.stream = stream
        self.step = step
        self._trim = redis.register_script(_TRIM)

    async def trim(self) -> int:
        """Trim as far as every group allows; returns how many entries went."""
        total = 0
        while True:
            removed, floor = await self._trim(keys=[self.stream], args=[self.step])
            if not removed:
                break
            total += int(removed)
        if total:
            om.STREAM_TRIMMED.inc(total)
            log.info("metrics.stream_trimmed", stream=self.stream, entries=total, below=floor.decode())
        return total

    async def run(self, every_s: float) -> None:
        """Trim every ``every_s`` seconds, for good; a failure waits for the next time."""
        while True:
            try:
                await self.trim()
            except (*REDIS_ERRORS, ResponseError) as exc:
                log.warning("metrics.trim_failed", stream=self.stream, error=str(exc)[:200])
            await asyncio.sleep(every_s)
