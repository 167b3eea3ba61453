"""GET /v1/alerts and /health of the alerts service (SPEC section 5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
import redis.asyncio as aredis

from tthc_alerts.alertmanager import AlertmanagerClient
from tthc_alerts.api import create_api
from tthc_alerts.delivery import Deliverer
from tthc_contract.periods import period_of
from tthc_contract.streams import ALERT_FIELDS

from ..servers import free_port
from .conftest import new_engine, plan_with
from .snapshots import snapshot

pytestmark = pytest.mark.asyncio
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # the engine's clock is a parameter
MONTH = period_of(NOW, "month").code


async def test_alerts_by_status(redis: aredis.Redis) -> None:
    plan = plan_with(alerts={"pending": "0s"})
    engine = await new_engine(plan, redis)
    await engine.on_snapshot(snapshot(plan, "kt", MONTH, NOW, online_rate=(80, 100)))
    await engine.on_snapshot(snapshot(plan, "hcc", MONTH, NOW, sync_rate=(99, 100)))
    await engine.on_snapshot(snapshot(plan, "hcc", MONTH, NOW + timedelta(minutes=1)))
    deliverer = Deliverer(
        engine, AlertmanagerClient(f"http://127.0.0.1:{free_port()}"), plan, repost_s=1, source_url="http://m"
    )
    app = create_api(engine, deliverer)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://alerts") as client:
        firing = (await client.get("/v1/alerts")).json()["alerts"]
        assert [a["id"] for a in firing] == [f"kt/online_rate/{MONTH}"]
        assert set(firing[0]) == set(ALERT_FIELDS)
        assert firing[0]["value"] == 0.8 and firing[0]["target"] == 0.9 and firing[0]["resolved_at"] is None
        resolved = (await client.get("/v1/alerts", params={"status": "resolved"})).json()["alerts"]
        assert [a["id"] for a in resolved] == [f"hcc/sync_rate/{MONTH}"]
        assert len((await client.get("/v1/alerts", params={"status": "all"})).json()["alerts"]) == 2
        bad = await client.get("/v1/alerts", params={"status": "pending"})
        assert bad.status_code == 400 and bad.json()["error"] == "bad_status"
        health = await client.get("/health")
        assert health.status_code == 503, "no Alertmanager listens: the health must say so"
        assert health.json()["alertmanager"].startswith("unreachable at http://127.0.0.1:")
        assert health.json()["redis"] == "ok" and health.json()["alerts_firing"] == 1
