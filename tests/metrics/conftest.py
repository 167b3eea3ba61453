from __future__ import annotations

import itertools
from typing import Any, TypeVar

import orjson
import pytest
import redis.asyncio as aredis

from tthc_contract.dead_letters import DeadLetterBox
from tthc_contract.events import canonical_json
from tthc_contract.plan import Plan
from tthc_contract.signing import EntrySigner
from tthc_contract.streams import EVENTS, METRICS_GROUP
from tthc_contract.validation import ValidationContext
from tthc_metrics.crash_witness import CrashWitness
from tthc_metrics.rollups.service import Rollups
from tthc_metrics.seen import EventClaims
from tthc_metrics.store import Store
from tthc_metrics.writer import Writer

W = TypeVar("W", bound=Writer)
SIGNER = EntrySigner(b"metrics-test-signing-key-0123456789")


async def settled(redis: aredis.Redis) -> bool:
    """Every entry of ``tthc:events`` read by metrics (lag 0) and acknowledged (nothing pending)."""
    [group] = [g for g in await redis.xinfo_groups(EVENTS) if g["name"] == METRICS_GROUP.encode()]
    return bool(group["lag"] == 0 and group["pending"] == 0)


@pytest.fixture
def writer(store: Store, redis: aredis.Redis, plan: Plan) -> Writer:
    return make_writer(store, redis, plan)


def make_writer(
    store: Store,
    redis: aredis.Redis,
    plan: Plan,
    *,
    name: str = "test-writer",
    alive_ms: int = 60_000,
    kind: type[W] = Writer,  # type: ignore[assignment]
    **extra: Any,
) -> W:
    """A writer as metrics builds one (``kind``: a subclass a test records with)."""
    units = plan.unit_codes
    return kind(
        store=store,
        redis=redis,
        claims=EventClaims(redis, 3600),
        dead=DeadLetterBox(redis),
        signer=SIGNER,
        context=lambda: ValidationContext(units=units),
        witness=CrashWitness(redis, name, alive_ms=alive_ms),
        rollups=Rollups(redis),
        **extra,
    )


def signed_entry(event: dict[str, Any]) -> dict[bytes, bytes]:
    return SIGNER.entry(event["source"].encode(), event["id"].encode(), canonical_json(event))


_entry_ids = itertools.count(1)


def entries(events: list[dict[str, Any]], signed: bool = True) -> list[tuple[bytes, Any]]:
    """Stream entries for ``events``, as ingest (signed) or a direct producer would write them.

    Entry ids never repeat, as in a real stream (a claim is made for one entry id).
    """
    out = []
    for event in events:
        fields = signed_entry(event) if signed else {b"event": orjson.dumps(event)}
        out.append((f"{next(_entry_ids)}-0".encode(), fields))
    return out
