"""Which unit each case and feedback item belongs to, in Redis (SPEC section 7).

A source restricted to some units may send events only about cases and feedback items
received for those units. Ingest checks this in the same script call that publishes a
request, against two hashes (field: the case or feedback code):

- ``tthc:units:case``, ``tthc:units:feedback``: ``<time µs> <entry ms> <entry seq> <unit>`` of
  the ``received`` event that wins by SPEC section 2 (the latest ``time``; on equal times
  the one accepted last, i.e. the later stream entry).

Ingest updates them for every ``received`` it publishes (any source), and metrics for
every ``received`` it validates itself (entries other producers wrote straight to the
stream), so the index follows the same corrections as the facts. Each entry costs about
100 bytes of Redis memory and is kept for good: a case may get events months later.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import redis.asyncio as aredis

from .events import CaseReceived, Event, FeedbackReceived

CASE_UNITS = "tthc:units:case"
FEEDBACK_UNITS = "tthc:units:feedback"

OpKind = Literal["R", "C", "F", "G"]
"""R: a case received; C: another case event; F: a feedback item received; G: another feedback event."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class ScopeOp:
    """What an event says about the unit of its case or feedback item."""

    kind: OpKind
    subject: str
    unit: str = ""
    time_us: int = 0
    case: str = ""
    """The case a feedback item is about (``data.case``), if any."""

    def args(self) -> list[str | int]:
        return [self.kind, self.subject, self.unit, self.time_us, self.case]


def micros(instant: datetime) -> int:
    return (instant - _EPOCH) // timedelta(microseconds=1)


def scope_op(event: Event) -> ScopeOp:
    if isinstance(event, CaseReceived):
        return ScopeOp("R", event.subject, event.data.unit, micros(event.time))
    if isinstance(event, FeedbackReceived):
        return ScopeOp("F", event.subject, event.data.unit, micros(event.time), event.data.case or "")
    return ScopeOp("G" if event.type.startswith("tthc.feedback.") else "C", event.subject)


OP_ARGS = 5
"""Values per op in a script's ARGV (``ScopeOp.args``)."""

LUA_INDEX = """
-- An index value: "<time us> <entry ms> <entry seq> <unit>"; an owner: {t, ms, seq, unit, value}.
local function parse_owner(value)
  if not value then return nil end
  local t, ms, seq, unit = string.match(value, '^(%d+) (%d+) (%d+) (.*)$')
  return {tonumber(t), tonumber(ms), tonumber(seq), unit, value}
end
local function owner_of(t, entry_id, unit)
  local ms, seq = string.match(entry_id, '^(%d+)-(%d+)$')
  return parse_owner(t .. ' ' .. ms .. ' ' .. seq .. ' ' .. unit)
end
local function later(a, b)  -- is owner a later than owner b (time, then acceptance)?
  for k = 1, 3 do
    if a[k] ~= b[k] then return a[k] > b[k] end
  end
  return true
end
-- Record owner for subject unless a later one is already there.
local function index_received(hash, subject, owner)
  local old = parse_owner(redis.call('HGET', hash, subject))
  if old == nil or later(owner, old) then
    redis.call('HSET', hash, subject, owner[5])
  end
end
"""
"""Lua helpers for both writers of the index (ingest's publish, metrics' direct entries)."""

INDEX_DIRECT_ENTRIES = (
    LUA_INDEX
    + """
-- KEYS: case index, feedback index. ARGV: per received event: kind (R/F), subject, unit, time us, entry id.
for i = 1, #ARGV, 5 do
  local hash = ARGV[i] == 'R' and KEYS[1] or KEYS[2]
  index_received(hash, ARGV[i + 1], owner_of(ARGV[i + 3], ARGV[i + 4], ARGV[i + 2]))
end
return #ARGV / 5
"""
)
"""Metrics' script: index the ``received`` events of entries it validated itself."""


async def index_direct(redis: aredis.Redis, received: Sequence[tuple[ScopeOp, bytes]]) -> None:
    """Index the ``received`` events (op, stream entry id) of entries another producer wrote."""
    args: list[str | int | bytes] = []
    for op, entry_id in received:
        args += [op.kind, op.subject, op.unit, op.time_us, entry_id]
    if args:
        await redis.eval(INDEX_DIRECT_ENTRIES, 2, CASE_UNITS, FEEDBACK_UNITS, *args)
