"""``tthc:dead`` (plumbing both ingest and metrics write to): what could not be stored, with
the reason and the original fields.

Each dead letter names where it came from (``stream``: ``tthc:events`` for stream entries,
``dvcqg`` for portal records the bridge could not translate in relay mode), keeps the
original entry id (if any) and every original field (prefixed with ``original.``), so an
operator can read why and replay it once fixed. The running total lives in a counter (the
stream itself is capped).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import redis.asyncio as aredis

from .streams import DEAD, DEAD_MAXLEN, EVENTS

DEAD_TOTAL = "tthc:metrics:dead_total"


@dataclass(frozen=True, slots=True)
class DeadLetter:
    entry_id: bytes
    fields: Mapping[bytes, bytes]
    reason: str
    origin: str = EVENTS


class DeadLetterBox:
    def __init__(self, redis: aredis.Redis) -> None:
        self._redis = redis

    async def send(self, letters: Sequence[DeadLetter]) -> None:
        if not letters:
            return
        async with self._redis.pipeline(transaction=True) as pipe:
            for letter in letters:
                fields: dict[bytes, bytes] = {
                    b"reason": letter.reason.encode(),
                    b"stream": letter.origin.encode(),
                    b"entry_id": letter.entry_id,
                }
                fields.update({b"original." + k: v for k, v in letter.fields.items()})
                pipe.xadd(DEAD, fields, maxlen=DEAD_MAXLEN, approximate=True)  # type: ignore[arg-type]
            pipe.incrby(DEAD_TOTAL, len(letters))
            await pipe.execute()

    async def total(self) -> int:
        return int(await self._redis.get(DEAD_TOTAL) or 0)
