"""A store seeded with a year of realistic cases, the metrics API over it, and a panel's SQL
run on it as Grafana would send it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import httpx
import redis.asyncio as aredis

from tthc_cli.bench.fixtures import realistic_events
from tthc_contract.periods import period_of
from tthc_contract.plan import Plan
from tthc_dashboards.grafana_sql import expand
from tthc_metrics.alert_archive import alert_row
from tthc_metrics.api import ApiState, create_api
from tthc_metrics.results import RecentResults
from tthc_metrics.snapshots import SnapshotPublisher
from tthc_metrics.store import Store

from ..metrics.conftest import entries, make_writer
from ..metrics.events import ALERT_CHANGE

RANGE = timedelta(days=400)
"""The dashboards' time range in these tests: every seeded case falls inside it."""


@asynccontextmanager
async def seeded(store: Store, redis: aredis.Redis, plan: Plan) -> AsyncIterator[httpx.AsyncClient]:
    """4,000 events of whole case lifecycles over the past year, one alert change two hours
    ago, and a client of the metrics API (with ``plan``'s targets) over them."""
    writer = make_writer(store, redis, plan)
    events = realistic_events(plan, 4000, seed=9, run_id="dash")
    for start in range(0, len(events), 1000):
        await writer.write(entries(events[start : start + 1000]))
    ms = int((datetime.now().timestamp() - 7200) * 1000)
    store.insert_alert_changes([alert_row(f"{ms}-0".encode(), ALERT_CHANGE)])
    async with api(store, redis, plan) as client:
        yield client


@asynccontextmanager
async def api(store: Store, redis: aredis.Redis, plan: Plan) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the metrics API over the store, judging by ``plan``'s targets."""
    writer = make_writer(store, redis, plan)
    state = ApiState(
        plan,
        store,
        redis,
        writer.dead,
        writer.stats,
        SnapshotPublisher(store, redis, plan, interval_s=60, min_gap_s=0),
        RecentResults(0),
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_api(state)), base_url="http://m"
    ) as client:
        yield client


def seeded_month(end: datetime) -> str:
    """A month wholly inside the seeded data (it runs from 380 to about 65 days before now)."""
    return period_of(end - timedelta(days=150), "month").code


def run(store: Store, sql: str, variables: dict[str, str], end: datetime, span: timedelta = RANGE) -> Any:
    """The panel's SQL as Grafana sends it for the range ``end - span .. end``, run."""
    return store.call("read", lambda c: c.query(expand(sql, end - span, end, variables)))


async def api_numbers(client: httpx.AsyncClient, unit: str, period: str) -> dict[str, dict[str, Any]]:
    response = await client.get("/v1/indicators", params={"unit": unit, "period": period})
    assert response.status_code == 200, response.text
    return {i["code"]: i for i in response.json()["indicators"]}
