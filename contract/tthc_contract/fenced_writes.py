"""Redis commands applied together in one script, all or none, only while a check holds.

``Writes`` collects the commands (long ones split below Lua's ``unpack`` limit); a ``Fence``
applies them: ``Unfenced`` always, ``tthc_contract.lease.Lease`` only while its holding still
holds the lease (the fencing token, checked in the same script).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import redis.asyncio as aredis

CHUNK = 1_000
"""Values per command inside the write script (Lua's ``unpack`` takes at most 8,000)."""

WRITE = """
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return redis.error_reply('FENCED the lease ' .. KEYS[1] .. ' is not held by this writer')
end
local i, applied = 2, 0
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  redis.call(unpack(ARGV, i + 1, i + n))
  i, applied = i + n + 1, applied + 1
end
return applied
"""


class Writes:
    """Redis commands to apply together, all or none (``Lease.write``, ``Unfenced.write``)."""

    def __init__(self) -> None:
        self.commands: list[list[Any]] = []

    def __bool__(self) -> bool:
        return bool(self.commands)

    def command(self, *args: Any) -> Writes:
        self.commands.append(list(args))
        return self

    def _variadic(self, name: str, key: str, values: list[Any], per: int = 1) -> Writes:
        step = CHUNK - CHUNK % per
        for start in range(0, len(values), step):
            self.command(name, key, *values[start : start + step])
        return self

    def hset(self, key: str, mapping: Mapping[Any, Any]) -> Writes:
        return self._variadic("HSET", key, [x for pair in mapping.items() for x in pair], per=2)

    def hdel(self, key: str, fields: Iterable[Any]) -> Writes:
        return self._variadic("HDEL", key, list(fields))

    def zadd(self, key: str, scores: Mapping[Any, float]) -> Writes:
        """``ZADD key score member ...`` for each member and its score."""
        return self._variadic(
            "ZADD", key, [x for member, score in scores.items() for x in (score, member)], per=2
        )

    def zrem(self, key: str, members: Iterable[Any]) -> Writes:
        return self._variadic("ZREM", key, list(members))

    def sadd(self, key: str, members: Iterable[Any]) -> Writes:
        return self._variadic("SADD", key, list(members))

    def srem(self, key: str, members: Iterable[Any]) -> Writes:
        return self._variadic("SREM", key, list(members))

    def xadd(self, key: str, fields: Mapping[Any, Any], maxlen: int) -> Writes:
        """``XADD key MAXLEN ~ maxlen * field value ...``."""
        return self.command("XADD", key, "MAXLEN", "~", maxlen, "*", *[x for p in fields.items() for x in p])

    def arguments(self) -> list[Any]:
        return [x for command in self.commands for x in (len(command), *command)]


async def apply(script: Any, key: str, value: bytes, writes: Writes) -> None:
    if writes:
        await script(keys=[key], args=[value, *writes.arguments()])


class Fence(Protocol):
    async def write(self, writes: Writes) -> None: ...


class Unfenced:
    """The same atomic writes without a lease (a single writer by construction, tests)."""

    def __init__(self, redis: aredis.Redis) -> None:
        self._write = redis.register_script(WRITE)

    async def write(self, writes: Writes) -> None:
        await apply(self._write, "tthc:lease:none", b"", writes)
