"""Delivery to every peer of an Alertmanager cluster, each on its own: a peer that hangs or is
down delays no other, is retried alone, and a change leaves the outbox only once every peer
accepted it. (A real pair, with peers killed: ``tests/faults/test_alertmanager_pair.py``.)"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import redis.asyncio as aredis
from prometheus_client import REGISTRY

from tthc_alerts.alertmanager import AlertmanagerClient, DeliveryFailed, display_url
from tthc_alerts.api import create_api
from tthc_alerts.delivery import Deliverer
from tthc_contract.periods import period_of
from tthc_contract.settings import Settings, parse_alertmanager_urls

from ..waiting import eventually
from .conftest import new_engine, plan_with
from .snapshots import snapshot

pytestmark = pytest.mark.asyncio
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # the engine's clock is a parameter
MONTH = period_of(NOW, "month").code
PLAN = plan_with(alerts={"pending": "0s"})


class FakePeer(AlertmanagerClient):
    """An Alertmanager peer that accepts, refuses, or hangs, as told."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.mode = "up"
        self.posted: list[list[dict[str, Any]]] = []

    async def post(self, alerts: list[dict[str, Any]]) -> None:
        if self.mode == "hang":
            await asyncio.sleep(3600)
        if self.mode == "down":
            raise DeliveryFailed(f"Alertmanager at {self.name} unreachable")
        self.posted.append(alerts)

    async def ready(self, timeout_s: float = 2.0) -> bool:
        return self.mode == "up"


def posts(peer: FakePeer, outcome: str) -> float:
    labels = {"peer": peer.name, "outcome": outcome}
    return REGISTRY.get_sample_value("tthc_alerts_alertmanager_posts_total", labels) or 0.0


async def test_a_hanging_or_down_peer_delays_no_other_and_is_caught_up_alone(redis: aredis.Redis) -> None:
    engine = await new_engine(PLAN, redis)
    first, second = FakePeer("http://am-1.test:9093"), FakePeer("http://am-2.test:9093")
    deliverer = Deliverer(engine, [first, second], PLAN, repost_s=60, source_url="http://m")
    second.mode = "hang"
    running = asyncio.create_task(deliverer.run())
    try:
        await engine.on_snapshot(snapshot(PLAN, "kt", MONTH, NOW, online_rate=(80, 100)))
        await eventually(lambda: first.posted)
        assert [a["labels"]["unit"] for a in first.posted[0]] == ["kt"], "not held up by the hanging peer"
        assert await engine.store.outbox() == {f"kt/online_rate/{MONTH}"}, "queued until every peer has it"

        running.cancel()  # the hanging post is abandoned; the peer is down from now on
        await asyncio.gather(running, return_exceptions=True)
        second.mode = "down"
        failed = posts(second, "failed")
        running = asyncio.create_task(deliverer.run())
        await engine.on_snapshot(snapshot(PLAN, "hcc", MONTH, NOW, online_rate=(80, 100)))
        await eventually(lambda: any(a["labels"]["unit"] == "hcc" for p in first.posted for a in p))
        await eventually(lambda: deliverer.peers[1].failing is not None)
        assert deliverer.peers[0].failing is None and posts(second, "failed") > failed
        assert "am-2.test" in (deliverer.failing or "") and "am-1.test" not in (deliverer.failing or "")

        second.mode = "up"  # back: sent what it missed, then the outbox empties
        await eventually(lambda: deliverer.peers[1].failing is None, timeout=15)
        await eventually(lambda: _empty(engine.store.outbox()))
        assert {a["labels"]["unit"] for p in second.posted for a in p} == {"kt", "hcc"}
        assert posts(first, "ok") > 0 and posts(second, "ok") > 0
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


async def _empty(outbox: Any) -> bool:
    return not await outbox


async def test_health_names_the_peers_that_do_not_answer(redis: aredis.Redis) -> None:
    engine = await new_engine(PLAN, redis)
    first, second = FakePeer("http://am-1.test:9093"), FakePeer("http://user:secret@am-2.test:9093/")
    app = create_api(engine, Deliverer(engine, [first, second], PLAN, repost_s=60, source_url="http://m"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://alerts") as client:
        assert (await client.get("/health")).json()["alertmanager"] == "ok"
        second.mode = "down"
        one_down = await client.get("/health")
        assert one_down.status_code == 200, "one peer answers: alerts still reach the units"
        assert one_down.json()["alertmanager"] == "unreachable at http://am-2.test:9093", "no password shown"
        assert one_down.json()["role"] == "evaluator"
        first.mode = "down"
        assert (await client.get("/health")).status_code == 503


async def test_every_peer_is_listed_and_checked() -> None:
    urls = parse_alertmanager_urls(" http://am-1:9093/ , https://am-2.example:9443,")
    assert urls == ["http://am-1:9093", "https://am-2.example:9443"]
    assert Settings(alertmanager_url="http://a:9093,http://b:9093").alertmanager_urls == [
        "http://a:9093",
        "http://b:9093",
    ]
    assert Settings().alertmanager_urls == ["http://127.0.0.1:9093"]
    for bad, fragment in [
        ("", "at least one"),
        (" , ", "at least one"),
        ("am-1:9093", "is not one"),
        ("http://a:9093,ftp://b", "'ftp://b' is not one"),
        ("http://a:9093,http://a:9093/", "twice"),
    ]:
        with pytest.raises(ValueError, match=fragment):
            parse_alertmanager_urls(bad)
    with pytest.raises(ValueError, match="TTHC_ALERTMANAGER_URL"):
        Settings(alertmanager_url="http://a:9093;http://b:9093")
    assert display_url("http://user:pw@am:9093/") == "http://am:9093"


async def test_a_change_is_posted_alone_and_every_firing_alert_at_each_repost(redis: aredis.Redis) -> None:
    """Many alerts firing: a new one is posted alone (not behind all the others), and every
    firing alert is posted again at each repost (Alertmanager forgets those not re-posted)."""
    engine = await new_engine(PLAN, redis)
    peer = FakePeer("http://am-1.test:9093")
    deliverer = Deliverer(engine, [peer], PLAN, repost_s=1.5, source_url="http://m")
    units = [u for u in PLAN.unit_codes if u != PLAN.root]
    for unit in units[:-1]:
        await engine.on_snapshot(snapshot(PLAN, unit, MONTH, NOW, online_rate=(80, 100), sync_rate=(90, 100)))
    running = asyncio.create_task(deliverer.run())
    try:
        await eventually(lambda: _empty(engine.store.outbox()))
        firing = 2 * (len(units) - 1)
        assert len(peer.posted[0]) == firing, "the first post has everything"
        posted = len(peer.posted)
        await engine.on_snapshot(snapshot(PLAN, units[-1], MONTH, NOW, online_rate=(80, 100)))
        await eventually(lambda: len(peer.posted) > posted)
        assert [a["labels"]["unit"] for a in peer.posted[posted]] == [units[-1]], "the change alone"
        await eventually(lambda: any(len(p) == firing + 1 for p in peer.posted[posted + 1 :]), timeout=5)
        posted = len(peer.posted)
        counts = {"online_rate": (80, 100), "sync_rate": (90, 100), "digitization_rate": (50, 100)}
        await engine.on_snapshot(snapshot(PLAN, units[0], MONTH, NOW + timedelta(seconds=1), **counts))
        await eventually(lambda: any(len(p) < firing for p in peer.posted[posted:]))
        change = next(p for p in peer.posted[posted:] if len(p) < firing)
        assert {a["labels"]["unit"] for a in change} == {units[0]}, "with its unit's group, not the others"
        assert sorted(a["labels"]["indicator"] for a in change) == sorted(counts)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
