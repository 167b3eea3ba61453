"""The counts per unit that two real one-stop-shop systems' bytes make (SPEC sections 9 and 9.1),
through the bridge in relay mode, the stream and the store: the indicators' counts of March 2026
are those the scenarios' hand-written expectations give. Real Redis, the real ClickHouse engine."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import httpx
import pytest
import redis.asyncio as aredis

from tthc_contract.periods import LOCAL_TZ, parse_period
from tthc_contract.streams import EVENTS
from tthc_ingest.app import create_app
from tthc_ingest.dvcqg.relay import PortalRelay
from tthc_ingest.keys import KeyRing
from tthc_ingest.publisher import EventPublisher
from tthc_metrics import reads
from tthc_metrics.store import Store
from tthc_metrics.writer import Writer

from ..ingest.client_runs import CLIENTS, overlay_plan, play
from ..ingest.real_clients.expectations import ExpectedCase
from ..ingest.real_clients.scenarios import SCENARIOS
from ..ingest.standin_portal import StandInPortal
from .conftest import SIGNER

pytestmark = pytest.mark.asyncio
MARCH = parse_period("2026-03")
AT = datetime(2026, 3, 31, 23, 0, tzinfo=LOCAL_TZ)
KEYS = ("cases", "online", "synced", "reused", "result_cases", "e_results", "payments", "portal_payments")


def expected_counts(client: str) -> dict[str, Counter[str]]:
    """Per unit: cases, online, synced, reused, e-results among approved cases, payments."""
    out: dict[str, Counter[str]] = {}
    for s in SCENARIOS:
        c: ExpectedCase | None = s.expected[client].case
        if c is None:
            continue
        n = out.setdefault(c.unit, Counter())
        n["cases"] += 1
        n["online"] += c.channel.startswith("online")
        n["synced"] += 1
        n["reused"] += c.reused_data
        n["result_cases"] += c.outcome == "approved"
        n["e_results"] += c.outcome == "approved" and c.electronic_result
        n["payments"] += c.paid_channel is not None
        n["portal_payments"] += c.paid_channel == "national_portal"
    return out


@pytest.mark.parametrize("client", CLIENTS)
async def test_the_counts_per_unit_are_those_the_bytes_give(
    client: str, redis: aredis.Redis, writer: Writer, store: Store
) -> None:
    plan = overlay_plan()
    store.sync_plan(plan)
    portal = StandInPortal()
    app = create_app(plan, KeyRing(plan, {}), SIGNER, EventPublisher(redis), PortalRelay(portal.url, 5.0))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://i") as bridge:
            await play(bridge, client, SCENARIOS, portal)
    finally:
        portal.close()
    entries = await redis.xrange(EVENTS)
    await writer.write(entries)
    await writer.write(entries)  # a re-sent request: the same events, counted once
    got = reads.counts_by_unit(store, plan, [MARCH], AT)
    want = expected_counts(client)
    for unit in sorted(plan.unit_codes - {plan.root}):
        counts: dict[str, Any] = got[(unit, MARCH.code)]
        expected = want.get(unit, Counter())
        assert {k: counts[k] for k in KEYS} == {k: expected[k] for k in KEYS}, unit
    root = got[(plan.root, MARCH.code)]
    assert root["cases"] == sum(n["cases"] for n in want.values()) > 10
