"""Alert state in Redis: survives a restart of the alerts service.

- ``tthc:alerts:state``: every alert that is pending, firing or resolved (recently),
  so pending timers continue and nothing is announced twice after a restart;
- ``tthc:alerts:outbox``: alerts whose last change Alertmanager has not accepted yet,
  so a resolution is never lost;
- ``tthc:alerts:warned``: the due-soon items already warned about, with their deadline, and
  ``tthc:alerts:warned:due``, the same items by deadline (a sorted set), so the tick forgets
  those whose deadline passed without reading them all.

Each change of status is written with its ``tthc:alerts`` entry in one atomic step. With a
lease (``tthc_contract.lease``), every write is fenced: applied only while this instance
holds the evaluator's lease, so an evaluator that stalled and was replaced writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import orjson
import redis.asyncio as aredis

from tthc_contract.lease import Fence, Unfenced, Writes
from tthc_contract.streams import ALERTS, ALERTS_MAXLEN, BODY_FIELD

from .evaluator import Alert
from .records import DueSoonWarning, dump, load, public

Record = Alert | DueSoonWarning

STATE = "tthc:alerts:state"
OUTBOX = "tthc:alerts:outbox"
WARNED = "tthc:alerts:warned"
WARNED_DUE = "tthc:alerts:warned:due"
WARNED_PER_READ = 10_000
"""Fields per ``HMGET`` of ``WARNED`` (a batch of 1,000 due-soon bodies can name more)."""
FORGET_PER_TICK = 10_000
"""At most this many items past their deadline forgotten per tick (the next tick goes on)."""


def warned_key(unit: str, code: str) -> str:
    """A due-soon item's field in ``WARNED``."""
    return f"{unit}\x1f{code}"


class AlertStore:
    def __init__(self, redis: aredis.Redis, fence: Fence | None = None) -> None:
        self.redis: Any = redis  # replies are bytes (decode_responses off); the stubs say bytes | str
        self.fence = fence or Unfenced(redis)

    async def load(self) -> dict[str, Record]:
        raw = await self.redis.hgetall(STATE)
        return {key.decode(): load(orjson.loads(value)) for key, value in raw.items()}

    async def index_warned(self) -> None:
        """Items warned about before ``WARNED_DUE`` existed (an earlier release) get their place
        in it, once: adding one already there changes nothing (the evaluator, as its term starts:
        the writes are fenced)."""
        if await self.redis.hlen(WARNED) <= await self.redis.zcard(WARNED_DUE):
            return
        async for chunk in _scanned(self.redis):
            await self.fence.write(Writes().zadd(WARNED_DUE, {k: _score(due.decode()) for k, due in chunk}))

    async def save(
        self,
        keep: Iterable[Record],
        changed: Iterable[Record],
        forget: Iterable[str],
        *,
        warned: dict[tuple[str, str], str] | None = None,
    ) -> None:
        """Persist ``keep``; publish and queue for delivery ``changed``; drop ``forget``;
        remember the due-soon items ``warned`` about (``(unit, code)`` → due): one atomic write."""
        keep, changed, forget = list(keep), list(changed), list(forget)
        writes = Writes()
        if keep:
            writes.hset(STATE, {r.id: orjson.dumps(dump(r)) for r in keep})
        if forget:
            writes.hdel(STATE, forget)
        for record in changed:
            writes.xadd(ALERTS, {BODY_FIELD: orjson.dumps(public(record))}, maxlen=ALERTS_MAXLEN)
        if changed:
            writes.sadd(OUTBOX, [r.id for r in changed])
        if warned:
            writes.hset(WARNED, {warned_key(*item): due for item, due in warned.items()})
            writes.zadd(WARNED_DUE, {warned_key(*item): _score(due) for item, due in warned.items()})
        await self.fence.write(writes)

    async def outbox(self) -> set[str]:
        return {m.decode() for m in await self.redis.smembers(OUTBOX)}

    async def delivered(self, ids: Iterable[str]) -> None:
        await self.fence.write(Writes().srem(OUTBOX, ids))

    async def warned(self, items: list[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of the items ``(unit, code)`` were warned about already: one round trip
        (``HMGET``s of at most ``WARNED_PER_READ`` fields each, pipelined)."""
        wanted = list(dict.fromkeys(items))
        if not wanted:
            return set()
        async with self.redis.pipeline(transaction=False) as pipe:
            for start in range(0, len(wanted), WARNED_PER_READ):
                pipe.hmget(WARNED, [warned_key(*item) for item in wanted[start : start + WARNED_PER_READ]])
            replies = await pipe.execute()
        dues = [due for reply in replies for due in reply]
        return {item for item, due in zip(wanted, dues, strict=True) if due is not None}

    async def forget_warned_before(self, instant: datetime) -> int:
        """Items whose deadline passed can no longer be warned about: forget them (at most
        ``FORGET_PER_TICK``, read by deadline: the cost follows the items forgotten)."""
        stale = await self.redis.zrangebyscore(
            WARNED_DUE, "-inf", f"({instant.timestamp()}", start=0, num=FORGET_PER_TICK
        )
        await self.fence.write(Writes().hdel(WARNED, stale).zrem(WARNED_DUE, stale))
        return len(stale)


def _score(due: str) -> float:
    return datetime.fromisoformat(due).timestamp()


async def _scanned(redis: Any) -> Any:
    """``WARNED``'s fields and deadlines, a thousand or so at a time."""
    cursor = 0
    while True:
        cursor, fields = await redis.hscan(WARNED, cursor, count=1_000)
        if fields:
            yield list(fields.items())
        if cursor == 0:
            return
