"""``tthc:dead`` (plumbing both ingest and metrics write to): what could not be stored, with
the reason and the original fields.

Each dead letter names where it came from (``stream``: ``tthc:events`` for stream entries,
``dvcqg`` for portal records the bridge could not translate in relay mode), keeps the
original entry id (if any) and every original field (prefixed with ``original.``), so an
operator can read why and replay it once fixed.

Bounded by design: at most ``DEAD_MAXLEN`` (20,000) letters are kept, the oldest going first,
and at most ``MAX_ORIGINAL_BYTES`` (32 KiB) of original field values per letter, so the stream
holds at most about 640 MB, and about 60 MB when letters average 3 KB. The running totals
(``tthc:metrics:dead_total`` and ``tthc:dead:by_reason``) count every letter ever sent,
exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import redis.asyncio as aredis

from .streams import DEAD, DEAD_MAXLEN, EVENTS

DEAD_TOTAL = "tthc:metrics:dead_total"
DEAD_BY_REASON = "tthc:dead:by_reason"
"""Letters ever sent, by ``<origin>:<reason code>`` (a hash of counters; a few dozen fields)."""
MAX_ORIGINAL_BYTES = 32 * 1024
"""Original field values kept per letter at most: the smaller fields whole first, then what
is left for the larger ones; a field kept cut has ``<name>.truncated`` = its length."""


@dataclass(frozen=True, slots=True)
class DeadLetter:
    entry_id: bytes
    fields: Mapping[bytes, bytes]
    reason: str
    origin: str = EVENTS
    code: str = "invalid"
    """A short reason code, for counts by reason (``invalid_event``, ``poison``, ``unit_unknown``)."""


@dataclass(frozen=True, slots=True)
class StoredLetter:
    """A letter as kept in ``tthc:dead``."""

    letter_id: bytes
    reason: str
    code: str
    origin: str
    entry_id: bytes
    original: dict[bytes, bytes]


def _stored(letter_id: bytes, fields: Mapping[bytes, bytes]) -> StoredLetter:
    prefix = b"original."
    return StoredLetter(
        letter_id,
        fields.get(b"reason", b"").decode(errors="replace"),
        fields.get(b"reason_code", b"").decode(errors="replace") or "invalid",
        fields.get(b"stream", b"").decode(errors="replace"),
        fields.get(b"entry_id", b""),
        {k[len(prefix) :]: v for k, v in fields.items() if k.startswith(prefix)},
    )


def _kept(fields: Mapping[bytes, bytes]) -> dict[bytes, bytes]:
    """The original fields within ``MAX_ORIGINAL_BYTES``, in their order; cut ones say so."""
    budget = MAX_ORIGINAL_BYTES
    kept: dict[bytes, int] = {}
    for name, value in sorted(fields.items(), key=lambda item: len(item[1])):
        kept[name] = min(len(value), budget)
        budget -= kept[name]
    out: dict[bytes, bytes] = {}
    for name, value in fields.items():
        out[b"original." + name] = value[: kept[name]]
        if kept[name] < len(value):
            out[b"original." + name + b".truncated"] = str(len(value)).encode()
    return out


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
                    b"reason_code": letter.code.encode(),
                    b"stream": letter.origin.encode(),
                    b"entry_id": letter.entry_id,
                    **_kept(letter.fields),
                }
                pipe.xadd(DEAD, fields, maxlen=DEAD_MAXLEN, approximate=True)  # type: ignore[arg-type]
                pipe.hincrby(DEAD_BY_REASON, f"{letter.origin}:{letter.code}", 1)
            pipe.incrby(DEAD_TOTAL, len(letters))
            await pipe.execute()

    async def total(self) -> int:
        return int(await self._redis.get(DEAD_TOTAL) or 0)

    async def by_reason(self) -> dict[str, int]:
        """Letters ever sent, by ``<origin>:<reason code>``."""
        counts: dict[bytes, bytes] = await self._redis.hgetall(DEAD_BY_REASON)  # type: ignore[assignment]
        return {k.decode(): int(v) for k, v in sorted(counts.items())}

    async def letters(self, after: bytes = b"-", count: int = 1000) -> list[StoredLetter]:
        """Up to ``count`` kept letters, oldest first, after the letter id ``after`` (exclusive)."""
        start = after if after == b"-" else b"(" + after
        rows: list[tuple[bytes, dict[bytes, bytes]]] = await self._redis.xrange(
            DEAD, start, b"+", count=count
        )  # type: ignore[assignment]
        return [_stored(letter_id, fields) for letter_id, fields in rows]

    async def remove(self, letter_ids: Sequence[bytes]) -> None:
        if letter_ids:
            await self._redis.xdel(DEAD, *letter_ids)
