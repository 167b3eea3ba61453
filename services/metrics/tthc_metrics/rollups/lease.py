"""The rollups' lease: one refresh at a time over the whole deployment, each with a larger version.

A refresh holds ``tthc:rollups:lease`` (``SET NX PX``, renewed while it runs) and takes a
version from ``tthc:rollups:version``: the larger of the last one plus one and the clock in
microseconds, so versions keep growing even if Redis lost the key (the clock is then ahead of
every version written before). On release it learns whether the lease was still its own: if
not (it stalled past the lease's time and another refresh ran), it must refresh again.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import redis.asyncio as aredis

from tthc_contract.tasks import cancelled

LEASE = "tthc:rollups:lease"
VERSION = "tthc:rollups:version"
TTL_MS = 30_000
_TAKE = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local last = tonumber(redis.call('GET', KEYS[2]) or '0')
  local version = math.max(last + 1, tonumber(ARGV[3]))
  redis.call('SET', KEYS[2], string.format('%d', version))
  return string.format('%d', version)
end
return false
"""
_RENEW = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0"
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


@dataclass
class Held:
    version: int
    kept: bool = True
    """False once the lease was found to be someone else's: the work must be done again."""


class RefreshLease:
    def __init__(self, redis: aredis.Redis, ttl_ms: int = TTL_MS) -> None:
        self.redis = redis
        self.ttl_ms = ttl_ms
        self._take = redis.register_script(_TAKE)
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)

    @contextlib.asynccontextmanager
    async def held(self) -> AsyncIterator[Held]:
        token = f"{os.getpid()}-{time.monotonic_ns()}"
        version = await self._acquire(token)
        held = Held(version)
        renewing = asyncio.create_task(self._keep(token, held))
        try:
            yield held
        finally:
            await cancelled(renewing)
            if not await self._release(keys=[LEASE], args=[token]):
                held.kept = False

    async def _acquire(self, token: str) -> int:
        delay = 0.002
        while True:
            now_us = time.time_ns() // 1000
            version = await self._take(keys=[LEASE, VERSION], args=[token, self.ttl_ms, now_us])
            if version is not None:
                return int(version)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.1)

    async def _keep(self, token: str, held: Held) -> None:
        while True:
            await asyncio.sleep(self.ttl_ms / 3000)
            if not await self._renew(keys=[LEASE], args=[token, self.ttl_ms]):
                held.kept = False
                return
