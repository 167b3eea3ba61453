"""``tthc:dead``: entries metrics refuses, with the reason and the original fields.

Each dead letter keeps the original entry id and every original field (prefixed with
``original.``), so an operator can read why and replay it once fixed. The running
total lives in a counter (the stream itself is capped).
"""

from __future__ import annotations

import redis.asyncio as aredis

from tthc_contract.streams import DEAD, DEAD_MAXLEN, EVENTS

from .entries import DeadLetter

DEAD_TOTAL = "tthc:metrics:dead_total"


class DeadLetterBox:
    def __init__(self, redis: aredis.Redis) -> None:
        self._redis = redis

    async def send(self, letters: list[DeadLetter]) -> None:
        if not letters:
            return
        async with self._redis.pipeline(transaction=True) as pipe:
            for letter in letters:
                fields: dict[bytes, bytes] = {
                    b"reason": letter.reason.encode(),
                    b"stream": EVENTS.encode(),
                    b"entry_id": letter.entry_id,
                }
                fields.update({b"original." + k: v for k, v in letter.fields.items()})
                pipe.xadd(DEAD, fields, maxlen=DEAD_MAXLEN, approximate=True)  # type: ignore[arg-type]
            pipe.incrby(DEAD_TOTAL, len(letters))
            await pipe.execute()

    async def total(self) -> int:
        return int(await self._redis.get(DEAD_TOTAL) or 0)
