"""Which unit each case and feedback item belongs to, in Redis (SPEC section 7).

A source restricted to some units may send events only about cases and feedback items
received for those units. Ingest checks this in the same script call that publishes a
request, against the index (field: the case or feedback code; value: ``<time µs> <entry ms>
<entry seq> <unit>`` of the ``received`` event that wins by SPEC section 2, the latest
``time``, on equal times the one accepted last, i.e. the later stream entry).

Ingest updates it for every ``received`` it publishes (any source), and metrics for every
``received`` it validates itself (entries other producers wrote straight to the stream), so
the index follows the same corrections as the facts.

Retention: the index lives in monthly generation hashes, ``tthc:units:case:<yyyymm>`` and
``tthc:units:feedback:<yyyymm>`` (the UTC month of the wall clock when written). A
``received`` writes the winner (itself or the owner already known) into the current
generation; a lookup reads the current generation and the ``N`` before it
(``TTHC_UNIT_INDEX_MONTHS``) and takes the latest owner, as ``later`` orders them; each
generation expires ``N`` months after its month closes, exactly when lookups stop reading
it. So a case stays known at least ``N`` months after its last ``received`` was indexed, and
is forgotten at most ``N + 1`` months after: restricted sources then get "not known yet".
About 130 bytes of Redis memory per case. The first write into a generation sets its expiry;
a script call looks all its subjects up with one ``HMGET`` per generation that exists.

The hashes without a month (``tthc:units:case``, ``tthc:units:feedback``) are the index of
before generations: they are read as the oldest generation, never written, and expire
(set once, at the first write after the upgrade) when the generation current then does.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import redis.asyncio as aredis

from .events import CaseReceived, Event, FeedbackReceived

CASE_UNITS = "tthc:units:case"
FEEDBACK_UNITS = "tthc:units:feedback"
"""Base names: generation ``<base>:<yyyymm>``; the base name alone is the index of before generations."""

DEFAULT_INDEX_MONTHS = 13
"""``TTHC_UNIT_INDEX_MONTHS``: a case stays known this many months after its last ``received``."""

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


def month_number(instant: datetime) -> int:
    """Months since year 0 of the instant's UTC month (consecutive months differ by one)."""
    utc = instant.astimezone(UTC)
    return utc.year * 12 + utc.month - 1


def month_start(number: int) -> datetime:
    return datetime(number // 12, number % 12 + 1, 1, tzinfo=UTC)


def generation_key(base: str, number: int) -> str:
    return f"{base}:{number // 12:04d}{number % 12 + 1:02d}"


@dataclass(frozen=True, slots=True)
class IndexKeys:
    """The keys of one script call: for each index, the current generation first, then the
    ``N`` before it, then the hash of before generations; and when the current one expires."""

    case: tuple[str, ...]
    feedback: tuple[str, ...]
    expire_at: int
    """Unix seconds: ``N`` months after the current generation's month closes."""

    @property
    def keys(self) -> list[str]:
        return [*self.case, *self.feedback]


def index_keys(now: datetime, months: int) -> IndexKeys:
    current = month_number(now)

    def generations(base: str) -> tuple[str, ...]:
        return (*(generation_key(base, current - back) for back in range(months + 1)), base)

    expire_at = int(month_start(current + 1 + months).timestamp())
    return IndexKeys(generations(CASE_UNITS), generations(FEEDBACK_UNITS), expire_at)


class IndexGenerations:
    """The generations to use now: ``months`` of retention, read on the wall clock."""

    def __init__(self, months: int = DEFAULT_INDEX_MONTHS, clock: Callable[[], float] = time.time) -> None:
        if months < 1:
            raise ValueError(f"the unit index must keep at least one month (it is {months})")
        self.months = months
        self.clock = clock

    def now(self) -> IndexKeys:
        return index_keys(datetime.fromtimestamp(self.clock(), UTC), self.months)


LUA_INDEX = """
-- An index value: "<time us> <entry ms> <entry seq> <unit>";
-- an owner: {t, ms, seq, unit, value, the generation holding it (nil: not stored yet)}.
local function parse_owner(value, generation)
  if not value then return nil end
  local t, ms, seq, unit = string.match(value, '^(%d+) (%d+) (%d+) (.*)$')
  return {tonumber(t), tonumber(ms), tonumber(seq), unit, value, generation}
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
-- One index: its generations are KEYS[first .. first + count - 1], the current one first and
-- the hash of before generations last; only those that exist are read. known[subject]: its
-- latest owner over them (false: none), once looked up.
local function open_index(first, count, expire_at)
  local index = {current = KEYS[first], legacy = KEYS[first + count - 1], expire_at = expire_at,
                 read = {}, known = {}, written = false}
  for k = first, first + count - 1 do
    if redis.call('EXISTS', KEYS[k]) == 1 then index.read[#index.read + 1] = KEYS[k] end
  end
  return index
end
-- Both indexes, from KEYS[first] on: the case generations, then as many feedback generations.
local function open_indexes(first, expire_at)
  local count = (#KEYS - first + 1) / 2
  return open_index(first, count, expire_at), open_index(first + count, count, expire_at)
end
-- Look subjects up in every generation at once: one HMGET per generation and 1,000 subjects.
local function prefetch(index, subjects)
  local wanted = {}
  for _, subject in ipairs(subjects) do
    if index.known[subject] == nil then
      index.known[subject] = false
      wanted[#wanted + 1] = subject
    end
  end
  for _, key in ipairs(index.read) do
    for start = 1, #wanted, 1000 do
      local stop = math.min(start + 999, #wanted)
      local values = redis.call('HMGET', key, unpack(wanted, start, stop))
      for k = 1, stop - start + 1 do
        local owner, subject = parse_owner(values[k], key), wanted[start + k - 1]
        local best = index.known[subject]
        if owner and (not best or later(owner, best)) then index.known[subject] = owner end
      end
    end
  end
end
-- The latest owner of subject over every generation, or nil.
local function find_owner(index, subject)
  if index.known[subject] == nil then prefetch(index, {subject}) end
  return index.known[subject] or nil
end
local function note_write(index)
  if index.written then return end
  index.written = true
  if redis.call('TTL', index.current) == -1 then redis.call('EXPIREAT', index.current, index.expire_at) end
  if index.read[1] ~= index.current then table.insert(index.read, 1, index.current) end
  if redis.call('TTL', index.legacy) == -1 then redis.call('EXPIREAT', index.legacy, index.expire_at) end
end
-- A received: the later of owner and the owner known goes into the current generation (the
-- subject stays known N more months), unless it is there already.
local function index_received(index, subject, owner)
  local known = find_owner(index, subject)
  local winner = (known == nil or later(owner, known)) and owner or known
  if known ~= nil and known[6] == index.current and known[5] == winner[5] then return end
  redis.call('HSET', index.current, subject, winner[5])
  winner[6] = index.current
  index.known[subject] = winner
  note_write(index)
end
"""
"""Lua helpers for both writers of the index (ingest's publish, metrics' direct entries)."""

INDEX_DIRECT_ENTRIES = (
    LUA_INDEX
    + """
-- KEYS: the index generations (open_indexes).
-- ARGV: expire at, then per received event: kind (R/F), subject, unit, time us, entry id.
local cases, items = open_indexes(1, ARGV[1])
local wanted = {R = {}, F = {}}
for i = 2, #ARGV, 5 do table.insert(wanted[ARGV[i]], ARGV[i + 1]) end
prefetch(cases, wanted.R)
prefetch(items, wanted.F)
for i = 2, #ARGV, 5 do
  local index = ARGV[i] == 'R' and cases or items
  index_received(index, ARGV[i + 1], owner_of(ARGV[i + 3], ARGV[i + 4], ARGV[i + 2]))
end
return (#ARGV - 1) / 5
"""
)
"""Metrics' script: index the ``received`` events of entries it validated itself."""


async def index_direct(
    redis: aredis.Redis,
    received: Sequence[tuple[ScopeOp, bytes]],
    generations: IndexGenerations | None = None,
) -> None:
    """Index the ``received`` events (op, stream entry id) of entries another producer wrote."""
    if not received:
        return
    keys = (generations or IndexGenerations()).now()
    args: list[str | int | bytes] = [keys.expire_at]
    for op, entry_id in received:
        args += [op.kind, op.subject, op.unit, op.time_us, entry_id]
    await redis.eval(INDEX_DIRECT_ENTRIES, len(keys.keys), *keys.keys, *args)
