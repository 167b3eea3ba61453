"""The same cases, sent once as CloudEvents and once as the portal's sync records (each
dossier re-sent at every change, as a one-stop-shop system does), give the same indicators:
every code, every unit, month and year. Real Redis, the real ClickHouse engine."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
import redis.asyncio as aredis

from tthc_cli.simulate.generator import Generator, Timed
from tthc_cli.simulate.portal_records import split, sync_request
from tthc_cli.simulate.profile import build_profiles
from tthc_contract.indicators import CODES
from tthc_contract.periods import LOCAL_TZ, parse_period
from tthc_contract.plan import Plan
from tthc_contract.streams import EVENTS
from tthc_ingest.app import create_app
from tthc_ingest.keys import KeyRing
from tthc_ingest.publisher import EventPublisher
from tthc_metrics import reads
from tthc_metrics.indicators import indicator_list
from tthc_metrics.store import Store
from tthc_metrics.writer import Writer

from ..conftest import start_afresh
from .conftest import SIGNER

pytestmark = pytest.mark.asyncio
PERIODS = [parse_period(p) for p in ("2026-01", "2026-02", "2026-03", "2026-Q1", "2026")]
AT = datetime(2026, 3, 20, 12, 0, tzinfo=LOCAL_TZ)
HEADERS = {"Authorization": "Bearer demo-igate-key"}


def whole_seconds(timed: Timed) -> Timed:
    """The portal writes whole seconds: so do both paths here."""
    event = dict(timed.event)
    event["time"] = _floor(event["time"])
    if isinstance(event.get("data"), dict) and "due" in event["data"]:
        event["data"] = {**event["data"], "due": _floor(event["data"]["due"])}
    return Timed(timed.at.replace(microsecond=0), timed.seq, event)


def _floor(value: str) -> str:
    return datetime.fromisoformat(value).replace(microsecond=0).isoformat()


def representable(case: list[Timed]) -> bool:
    """A record carries no offline payment, no paper result, no procedure without a result."""
    for timed in case:
        kind, data = timed.event["type"], timed.event.get("data") or {}
        if kind == "tthc.case.received" and data.get("result_document") is False:
            return False
        if kind == "tthc.case.paid" and data["channel"] == "offline":
            return False
        if kind == "tthc.case.result_issued" and not data["electronic"]:
            return False
    return True


def cases(plan: Plan) -> list[list[Timed]]:
    units = [u for u, _ in plan.walk() if not plan.children[u]]
    shares = [
        "*.online_rate=0.85",
        "*.on_time_rate=0.8",
        "*.sync_rate=0.9",
        "*.satisfaction_rate=0.9",
        "*.feedback_per_case=0.1",
    ]
    generator = Generator(build_profiles(units, shares), 7, "igate", "eq")
    rnd = random.Random(7)
    out = []
    while len(out) < 240:
        received = datetime(2026, 1, 1, tzinfo=LOCAL_TZ) + timedelta(days=rnd.uniform(0, 70))
        case = [whole_seconds(t) for t in generator.case(generator.next_unit(), received, timedelta(days=1))]
        case = [t for t in case if t.at <= AT]
        if representable(case):
            out.append(case)
    return out


async def stored_counts(client: aredis.Redis, writer: Writer, store: Store, plan: Plan) -> dict[Any, Any]:
    """Store what ingest published, then every indicator of every unit and period."""
    entries = [(entry_id, fields) for entry_id, fields in await client.xrange(EVENTS)]
    for start in range(0, len(entries), 1000):
        await writer.write(entries[start : start + 1000])
    counts = reads.counts_by_unit(store, plan, PERIODS, AT)
    return {key: indicator_list(value, plan.targets(key[0])) for key, value in counts.items()}


async def test_cloudevents_and_portal_records_give_the_same_indicators(
    redis: aredis.Redis, writer: Writer, store: Store, plan: Plan
) -> None:
    app = create_app(plan, KeyRing(plan, {}), SIGNER, EventPublisher(redis))
    every = cases(plan)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ingest") as ingest:
        events = sorted(t for case in every for t in case)
        for start in range(0, len(events), 500):
            body = orjson.dumps([t.event for t in events[start : start + 500]])
            assert (await ingest.post("/v1/events", content=body, headers=HEADERS)).status_code == 202
        as_events = await stored_counts(redis, writer, store, plan)

        await start_afresh(store, redis)
        records: list[tuple[datetime, dict[str, Any], bool]] = []
        others: list[Timed] = []
        for case in every:
            snapshots, rest = split(case)
            records += [(at, record, i > 0) for i, (at, record) in enumerate(snapshots)]
            others += rest
        records.sort(key=lambda r: r[0])
        for start in range(0, len(records), 25):
            chunk = records[start : start + 25]
            request = sync_request([r for _, r, _ in chunk], updating=any(u for _, _, u in chunk))
            response = await ingest.post("/v1/dvcqg", content=orjson.dumps(request), headers=HEADERS)
            assert response.status_code == 200, response.text
        body = orjson.dumps([t.event for t in sorted(others)])
        assert (await ingest.post("/v1/events", content=body, headers=HEADERS)).status_code == 202
        as_records = await stored_counts(redis, writer, store, plan)

    assert as_records == as_events
    root_quarter = {i["code"]: i for i in as_events[(plan.root, "2026-Q1")]}
    assert set(root_quarter) == set(CODES) and root_quarter["online_rate"]["denominator"] >= 200
    assert any(i["met"] is False for i in root_quarter.values()), (
        "some targets missed: the data is not trivial"
    )
    assert (
        root_quarter["online_payment_rate"]["denominator"] > 0
        and root_quarter["feedback_on_time_rate"]["denominator"] > 0
    )
