"""Publishing entries to ``tthc:events``: one round trip, all or nothing, unit scope checked.

One script call per request: Redis runs a script atomically, so either every entry is
appended or none; the unit of every case and feedback item is checked against the index
in the same call (SPEC section 7), and the index follows the ``received`` events published.

With replicas to wait for (``TTHC_REDIS_WAIT_REPLICAS``), ``WAIT`` follows the script on the
same connection, in the same round trip: the request is answered 202 only once that many
replicas hold its entries (SPEC section 7, "With Sentinel"). Fewer in time: ``ReplicasBehind``
(the entries are on the primary; a retried request is stored once, by identity).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aredis
from redis.exceptions import NoScriptError

from tthc_contract.redis_client import REDIS_ERRORS, follow_primary
from tthc_contract.settings import Settings
from tthc_contract.streams import EVENTS, INGEST_STATS
from tthc_contract.unit_index import LUA_INDEX, OP_ARGS, IndexGenerations, ScopeOp

from .intake import OutOfScope

# KEYS: stream, stats, then the index generations (``open_indexes``: case ones, feedback ones).
# ARGV: when the current generation expires, fields per entry (2 × field count), entries,
#       restricted (1/0), unit count, units..., then OP_ARGS values per entry (its ScopeOp),
#       then the entries' field names and values.
_PUBLISH = (
    LUA_INDEX
    + """
local expire_at, per, n = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local restricted, nunits = ARGV[4] == '1', tonumber(ARGV[5])
local allowed = {}
for i = 1, nunits do allowed[ARGV[5 + i]] = true end
local op_at, field_at = 5 + nunits, 5 + nunits + 5 * n
local cases, items = open_indexes(3, expire_at)
local indexes = {R = cases, C = cases, F = items, G = items}
local overlay = {[cases] = {}, [items] = {}}  -- received earlier in this request: {t, op index, unit}
local refused = {}
local wanted = {[cases] = {}, [items] = {}}  -- the subjects looked up: at once, below
for i = 1, n do
  local base = op_at + (i - 1) * 5
  local kind, subject, case = ARGV[base + 1], ARGV[base + 2], ARGV[base + 5]
  if restricted or kind == 'R' or kind == 'F' then table.insert(wanted[indexes[kind]], subject) end
  if restricted and case ~= '' then table.insert(wanted[cases], case) end
end
prefetch(cases, wanted[cases])
prefetch(items, wanted[items])

local function unit_now(index, subject)
  local mine = overlay[index][subject]
  if mine then return mine[3] end
  local owner = find_owner(index, subject)
  return owner and owner[4]
end
local function check(i, index, subject, must_exist, what)
  local unit = unit_now(index, subject)
  if unit == nil then
    if must_exist then refused[#refused + 1] = {i - 1, what .. '_unknown', subject, ''} end
  elseif not allowed[unit] then
    refused[#refused + 1] = {i - 1, what .. '_elsewhere', subject, unit}
  end
end

for i = 1, n do
  local base = op_at + (i - 1) * 5
  local kind, subject, unit, t, case = ARGV[base + 1], ARGV[base + 2], ARGV[base + 3], ARGV[base + 4], ARGV[base + 5]
  local index = indexes[kind]
  if restricted then
    check(i, index, subject, kind == 'C' or kind == 'G', (kind == 'R' or kind == 'C') and 'case' or 'feedback')
    if case ~= '' then check(i, cases, case, true, 'about_case') end
  end
  if kind == 'R' or kind == 'F' then
    local earlier = overlay[index][subject]
    if earlier == nil or tonumber(t) >= earlier[1] then  -- equal times: accepted last wins
      overlay[index][subject] = {tonumber(t), i, unit}
    end
  end
end
if #refused > 0 then return {0, refused} end

local ids = {}
for i = 1, n do
  local at = field_at + (i - 1) * per
  ids[i] = redis.call('XADD', KEYS[1], '*', unpack(ARGV, at + 1, at + per))
end
for _, index in ipairs({cases, items}) do
  for subject, mine in pairs(overlay[index]) do
    local t = ARGV[op_at + (mine[2] - 1) * 5 + 4]
    index_received(index, subject, owner_of(t, ids[mine[2]], mine[3]))
  end
end
redis.call('HINCRBY', KEYS[2], 'events_accepted', n)
redis.call('HINCRBY', KEYS[2], '202', 1)
return {n, {}}
"""
)


def _arguments(
    expire_at: int,
    entries: Sequence[dict[bytes, bytes]],
    ops: Sequence[ScopeOp],
    allowed_units: frozenset[str] | None,
) -> list[bytes | str | int]:
    """The script's ARGV (see ``_PUBLISH``)."""
    assert len(ops) == len(entries), "one scope op per entry"
    per = 2 * len(entries[0])
    units = sorted(allowed_units) if allowed_units is not None else []
    args: list[bytes | str | int] = [
        expire_at,
        per,
        len(entries),
        int(allowed_units is not None),
        len(units),
        *units,
    ]
    for op in ops:
        args += op.args()
    for fields in entries:
        assert 2 * len(fields) == per, "every entry of a request has the same fields"
        for name, value in fields.items():
            args += (name, value)
    assert len(args) == 5 + len(units) + OP_ARGS * len(ops) + per * len(entries)
    return args


class RedisUnavailable(Exception):
    pass


@dataclass(frozen=True)
class ReplicaWait:
    """``WAIT replicas timeout_ms`` after each publish; ``replicas`` 0: no wait."""

    replicas: int = 0
    timeout_ms: int = 1000

    @classmethod
    def of(cls, settings: Settings) -> ReplicaWait:
        return cls(settings.wait_replicas, settings.redis_wait_ms)


class ReplicasBehind(Exception):
    """Published on the primary, but fewer replicas than wanted confirmed it in time."""

    def __init__(self, confirmed: int, wait: ReplicaWait) -> None:
        super().__init__(f"{confirmed} of {wait.replicas} replicas confirmed within {wait.timeout_ms} ms")
        self.confirmed, self.wait = confirmed, wait


class EventPublisher:
    def __init__(
        self, redis: aredis.Redis, index: IndexGenerations | None = None, wait: ReplicaWait | None = None
    ) -> None:
        self._redis = redis
        self._index = index or IndexGenerations()
        self._publish = redis.register_script(_PUBLISH)
        self.wait = wait or ReplicaWait()

    async def publish(
        self,
        entries: Sequence[dict[bytes, bytes]],
        ops: Sequence[ScopeOp],
        allowed_units: frozenset[str] | None = None,
    ) -> list[OutOfScope]:
        """Publish every entry, or none of them: returns the events out of the source's
        units (``allowed_units``; ``None`` means every unit) and publishes nothing if any.
        Raises ``RedisUnavailable`` (nothing published) or ``ReplicasBehind`` (published on
        the primary only)."""
        if not entries:
            return []
        index = self._index.now()
        try:
            (_, refused), confirmed = await self._run(
                [EVENTS, INGEST_STATS, *index.keys], _arguments(index.expire_at, entries, ops, allowed_units)
            )
        except REDIS_ERRORS as exc:
            raise RedisUnavailable(str(exc)) from exc
        if refused:
            return [OutOfScope(int(i), p.decode(), c.decode(), u.decode()) for i, p, c, u in refused]
        if confirmed < self.wait.replicas:
            await self._not_replicated(len(entries))
            raise ReplicasBehind(confirmed, self.wait)
        return []

    async def _run(self, keys: list[str], args: list[bytes | str | int]) -> tuple[Any, int]:
        """The script's reply, and how many replicas confirmed its writes (0 when not waiting)."""
        if not self.wait.replicas:
            return await self._publish(keys=keys, args=args), 0
        for _ in range(2):
            pipe = self._redis.pipeline(transaction=False)  # one connection: WAIT follows its writes
            pipe.evalsha(self._publish.sha, len(keys), *keys, *args)
            pipe.execute_command("WAIT", self.wait.replicas, self.wait.timeout_ms)
            try:
                reply, confirmed = await pipe.execute()
                return reply, int(confirmed)
            except NoScriptError:  # a new primary (a failover) or a flushed cache: nothing ran
                await self._redis.script_load(_PUBLISH)
        raise RedisUnavailable("the publish script could not be loaded")

    async def _not_replicated(self, events: int) -> None:
        """The script counted a 202: it is a 503 now (the app counts that), and one more
        ``not_replicated``. The primary may have moved (a switchover leaves the old one
        running, without replicas, until Sentinel demotes it): the next request asks the
        sentinels again. Never fails."""
        with contextlib.suppress(*REDIS_ERRORS):
            pipe = self._redis.pipeline(transaction=False)
            pipe.hincrby(INGEST_STATS, "202", -1)
            pipe.hincrby(INGEST_STATS, "events_accepted", -events)
            pipe.hincrby(INGEST_STATS, "not_replicated", 1)
            await pipe.execute()
            await follow_primary(self._redis)

    @property
    def redis(self) -> aredis.Redis:
        return self._redis

    async def count(self, field: str, amount: int) -> None:
        """Add to a count of the answers hash (``/v1/status`` and the samples read it); never fails."""
        with contextlib.suppress(*REDIS_ERRORS):
            await self._redis.hincrby(INGEST_STATS, field, amount)

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
