"""Reading the case → unit index as its scripts do, over every generation (tests only)."""

from __future__ import annotations

import redis
import redis.asyncio as aredis

from tthc_contract.unit_index import CASE_UNITS, FEEDBACK_UNITS

PATTERN = "tthc:units:*"


def _is_generation_of(key: bytes, base: str) -> bool:
    name = key.decode()
    return name == base or (name.startswith(base + ":") and name[len(base) + 1 :].isdigit())


def _rank(value: bytes) -> tuple[int, int, int]:
    """An index value's order: its time, then its stream entry (the latest wins)."""
    t, ms, seq, _ = value.split(b" ", 3)
    return int(t), int(ms), int(seq)


def latest(values: list[bytes | None]) -> bytes | None:
    present = [v for v in values if v is not None]
    return max(present, key=_rank) if present else None


def index_hashes(client: redis.Redis) -> dict[bytes, dict[bytes, bytes]]:
    """Every hash of both indexes (all generations), by key."""
    return {key: client.hgetall(key) for key in sorted(client.scan_iter(match=PATTERN))}


def owner(client: redis.Redis, base: str, subject: str) -> bytes | None:
    """The value that wins for ``subject`` over every generation of ``base``."""
    keys = [k for k in client.scan_iter(match=PATTERN) if _is_generation_of(k, base)]
    return latest([client.hget(key, subject) for key in keys])


async def owner_async(client: aredis.Redis, base: str, subject: str) -> bytes | None:
    keys = [k async for k in client.scan_iter(match=PATTERN) if _is_generation_of(k, base)]
    return latest([await client.hget(key, subject) for key in keys])


__all__ = ["CASE_UNITS", "FEEDBACK_UNITS", "index_hashes", "latest", "owner", "owner_async"]
