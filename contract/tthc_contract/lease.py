"""A lease in Redis with a fencing token: one writer of a kind at a time, deployment-wide.

- **Acquire**: one script takes the next token (``<key>:token``) and ``SET <key> "<token>
  <holder>" NX PX <ttl>``; the counter moves on only if the set succeeds, so tokens only
  grow and the lease's value names one holding.
- **Renew**: every ``ttl / 3`` while the key still holds this holding's value. A standby tries
  to acquire every ``poll``. A holder that dies (SIGKILL, a lost machine) leaves its key to
  expire: a standby takes over within ``ttl + poll`` (10 + 2 s by default,
  ``takeover_bound_s``); one stopped cleanly releases it: within ``poll``.
- **Fencing**: a holder that stalled (a long pause, a partition) may believe it holds the
  lease after its key expired and another took it. Every write of a fenced writer goes
  through ``Lease.write``: one script checks that the key still holds this holding's value
  and only then applies the commands, all or none; else nothing is written and
  ``LeaseLost`` is raised. No write of an ex-holder can land after a takeover.

``Lease.lead(work, standby)`` runs ``work`` while the lease is held (cancelled as soon as it
is lost) and ``standby`` while it is not."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable

import redis.asyncio as aredis
from redis.exceptions import ResponseError

from .fenced_writes import WRITE, Fence, Unfenced, Writes, apply
from .logs import get_logger
from .redis_client import REDIS_ERRORS
from .tasks import cancelled, honour_cancel

__all__ = ["Fence", "Lease", "LeaseLost", "Unfenced", "Writes", "takeover_bound_s"]

log = get_logger("tthc.lease")

PREFIX = "tthc:lease:"
DEFAULT_TTL_MS = 10_000
DEFAULT_POLL_MS = 2_000
TAKEOVER_LIMIT_S = 15.0
"""What the deployment promises: a standby writes within this after its writer died."""

_ACQUIRE = """
local token = tonumber(redis.call('GET', KEYS[2]) or '0') + 1
local value = string.format('%d', token) .. ' ' .. ARGV[1]
if redis.call('SET', KEYS[1], value, 'NX', 'PX', ARGV[2]) then
  redis.call('SET', KEYS[2], string.format('%d', token))
  return value
end
return false
"""
_RENEW = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0"
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


def takeover_bound_s(ttl_ms: int = DEFAULT_TTL_MS, poll_ms: int = DEFAULT_POLL_MS) -> float:
    """Longest time from a holder's death to a standby holding the lease."""
    return (ttl_ms + poll_ms) / 1000


class LeaseLost(Exception):
    """The lease is not (or no longer) held by this writer: nothing was written."""


class Lease:
    """``name`` names the work (``tthc:lease:<name>``); ``holder`` this process (host-pid)."""

    def __init__(
        self,
        redis: aredis.Redis,
        name: str,
        *,
        holder: str,
        ttl_ms: int = DEFAULT_TTL_MS,
        poll_ms: int = DEFAULT_POLL_MS,
    ) -> None:
        self.name, self.holder = name, holder
        self.key, self.token_key = PREFIX + name, PREFIX + name + ":token"
        self.ttl_ms, self.poll_ms = ttl_ms, poll_ms
        self.value: bytes | None = None
        """``b"<token> <holder>"`` while held."""
        self._valid_until = 0.0
        self._lost = asyncio.Event()
        self._acquire = redis.register_script(_ACQUIRE)
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)
        self._write = redis.register_script(WRITE)

    @property
    def token(self) -> int | None:
        return int(self.value.split(b" ", 1)[0]) if self.value else None

    def held(self) -> bool:
        """As far as this process knows (renewed recently); Redis checks its writes anyway."""
        return self.value is not None and time.monotonic() < self._valid_until

    def _valid_from(self, sent_at: float) -> None:
        self._valid_until = sent_at + self.ttl_ms * 0.9 / 1000

    async def acquire(self) -> bool:
        sent_at = time.monotonic()
        value = await self._acquire(keys=[self.key, self.token_key], args=[self.holder, self.ttl_ms])
        if value is None:
            return False
        self.value = value
        self._valid_from(sent_at)
        self._lost.clear()
        log.info("lease.acquired", lease=self.name, token=self.token, holder=self.holder)
        return True

    async def renew(self) -> bool:
        if self.value is None:
            return False
        sent_at = time.monotonic()
        if await self._renew(keys=[self.key], args=[self.value, self.ttl_ms]):
            self._valid_from(sent_at)
            return True
        self._forget("another holder has it")
        return False

    async def release(self) -> bool:
        """Give the lease up (if this holding still has it): a standby takes it at once."""
        if self.value is None:
            return False
        value, self.value = self.value, None
        log.info("lease.released", lease=self.name, token=int(value.split(b" ", 1)[0]))
        return bool(await self._release(keys=[self.key], args=[value]))

    def _forget(self, why: str) -> None:
        if self.value is not None:
            log.warning("lease.lost", lease=self.name, token=self.token, reason=why)
        self.value = None
        self._lost.set()

    async def write(self, writes: Writes) -> None:
        """Apply ``writes`` atomically if this holding still holds the lease in Redis."""
        if self.value is None:
            raise LeaseLost(f"the lease {self.key} is not held by {self.holder}")
        try:
            await apply(self._write, self.key, self.value, writes)
        except ResponseError as exc:
            if not str(exc).startswith("FENCED"):
                raise
            self._forget("a write was fenced off")
            raise LeaseLost(str(exc)) from exc

    async def lead(
        self, work: Callable[[], Awaitable[None]], standby: Callable[[], Awaitable[None]] | None = None
    ) -> None:
        """Run ``work`` while holding the lease and ``standby`` while not, until cancelled
        (or until ``work`` returns); the lease is released on the way out."""
        try:
            while True:
                await self._until_held(standby)
                if await self._while_held(work):
                    return
        finally:
            # Bounded: with Redis down the key expires by itself; a stop must not wait on it.
            with contextlib.suppress(TimeoutError, *REDIS_ERRORS):
                async with asyncio.timeout(self.ttl_ms / 3000):
                    await asyncio.shield(self.release())

    async def _until_held(self, standby: Callable[[], Awaitable[None]] | None) -> None:
        following = asyncio.create_task(_run(standby)) if standby else None
        try:
            while True:
                if await self._attempt(self.acquire):
                    return
                await asyncio.sleep(self.poll_ms / 1000)
        finally:
            if following is not None:
                await _cancelled(following)

    async def _while_held(self, work: Callable[[], Awaitable[None]]) -> bool:
        """Whether ``work`` returned; False when it stepped down (the lease lost or
        unrenewable, or ``work`` stopped by a lost lease or Redis): then it is tried again."""
        task = asyncio.create_task(_run(work))
        lost = asyncio.create_task(self._lost.wait())
        try:
            while self.held() and not lost.done():
                done, _ = await asyncio.wait({task, lost}, timeout=self.ttl_ms / 3000)
                if task in done:
                    if _finished(task):
                        return True
                    await self._attempt(self.release)
                    return False
                if not lost.done():
                    await self._attempt(self.renew)
            self._forget("not renewed in time")
            return False
        finally:
            lost.cancel()
            await _cancelled(task)

    async def _attempt(self, step: Callable[[], Awaitable[bool]]) -> bool:
        """``step``, given at most a renewal period: a Redis that hangs is a Redis down."""
        try:
            async with asyncio.timeout(self.ttl_ms / 3000):
                done = await step()
        except (TimeoutError, *REDIS_ERRORS) as exc:
            log.warning("lease.redis_unavailable", lease=self.name, error=str(exc)[:200])
            done = False
        honour_cancel()
        return done


async def _run(work: Callable[[], Awaitable[None]]) -> None:
    await work()


def _finished(task: asyncio.Task[None]) -> bool:
    """``work`` ended by itself: True if it returned; False if it lost the lease or Redis
    (it stepped down, the lease is tried again); any other error is raised."""
    exc = task.exception()
    if exc is None:
        return True
    if isinstance(exc, (LeaseLost, *REDIS_ERRORS)):
        log.warning("lease.work_stopped", error=str(exc)[:200])
        return False
    raise exc


async def _cancelled(task: asyncio.Task[None]) -> None:
    """Cancel ``task`` and wait until it ends (``cancelled``); an error other than a lost
    lease or Redis is raised."""
    await cancelled(task)
    exc = None if task.cancelled() else task.exception()
    if exc is not None and not isinstance(exc, (LeaseLost, *REDIS_ERRORS)):
        raise exc
