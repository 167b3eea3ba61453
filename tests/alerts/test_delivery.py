"""Delivery through a real Alertmanager (Debian's package), started by the tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aredis

from tthc_alerts.alertmanager import AlertmanagerClient
from tthc_alerts.delivery import Deliverer
from tthc_alerts.engine import AlertEngine
from tthc_contract.periods import period_of

from ..servers import AlertmanagerServer, Mailbox, WebhookSink
from ..waiting import eventually
from .conftest import alertmanager_for, new_engine, plan_with
from .snapshots import snapshot

pytestmark = [pytest.mark.asyncio, pytest.mark.slow, pytest.mark.real_clock, pytest.mark.clock]
NOW = datetime.now(UTC)
MONTH = period_of(NOW, "month").code


def notifications_for(sink: WebhookSink, unit: str) -> list[dict[str, Any]]:
    return [n for n in sink.received if n["groupLabels"].get("unit") == unit]


async def fire(engine: AlertEngine, unit: str, **counts: tuple[int, int]) -> None:
    await engine.on_snapshot(snapshot(engine.plan, unit, MONTH, NOW, **counts))


async def start_delivery(
    engine: AlertEngine, server: AlertmanagerServer
) -> tuple[Deliverer, asyncio.Task[None]]:
    deliverer = Deliverer(
        engine, AlertmanagerClient(server.url), engine.plan, repost_s=0.5, source_url="http://metrics.example"
    )
    return deliverer, asyncio.create_task(deliverer.run())


class ClientWithHook(AlertmanagerClient):
    """A real client that notes each post and runs ``during(alerts)`` before sending it (a
    snapshot arriving while the post is in flight)."""

    def __init__(self, url: str, during: Callable[[list[dict[str, Any]]], Awaitable[None]]) -> None:
        super().__init__(url)
        self.during = during
        self.posted: list[list[dict[str, Any]]] = []

    async def post(self, alerts: list[dict[str, Any]]) -> None:
        self.posted.append(alerts)
        await self.during(alerts)
        await super().post(alerts)


async def test_grouped_per_unit_repeated_resolved(
    tmp_path: Path, redis: aredis.Redis, sink: WebhookSink
) -> None:
    plan = plan_with(alerts={"pending": "0s", "repeat": "3s"}, routes=[{"units": ["*"], "webhook": sink.url}])
    server = alertmanager_for(tmp_path, plan)
    engine = await new_engine(plan, redis)
    _deliverer, task = await start_delivery(engine, server)
    try:
        await fire(engine, "kt", online_rate=(80, 100), sync_rate=(95, 100))
        await fire(engine, "hcc", digitization_rate=(90, 100))
        await eventually(lambda: bool(notifications_for(sink, "kt")) and bool(notifications_for(sink, "hcc")))
        first = notifications_for(sink, "kt")[0]
        assert first["status"] == "firing" and len(first["alerts"]) == 2  # one message, both of kt's alerts
        assert {a["labels"]["indicator"] for a in first["alerts"]} == {"online_rate", "sync_rate"}
        summary = next(a for a in first["alerts"] if a["labels"]["indicator"] == "online_rate")[
            "annotations"
        ]["summary"]
        assert summary.startswith("Phòng Kinh tế: Tỷ lệ hồ sơ trực tuyến tháng") and "80% (80/100)" in summary
        assert {a["labels"]["alertname"] for a in first["alerts"]} == {"TTHCIndicatorBelowTarget"}
        assert notifications_for(sink, "hcc")[0]["alerts"][0]["labels"]["unit"] == "hcc"
        await eventually(lambda: len(notifications_for(sink, "kt")) >= 2, timeout=20)  # repeat after 3s
        await fire(engine, "kt")  # everything back on target
        await eventually(
            lambda: any(n["status"] == "resolved" for n in notifications_for(sink, "kt")), timeout=20
        )
        resolved = [n for n in notifications_for(sink, "kt") if n["status"] == "resolved"][-1]
        assert "đã đạt 100%" in resolved["alerts"][0]["annotations"]["summary"]
        assert await engine.store.outbox() == set()
    finally:
        task.cancel()
        server.stop()


async def test_a_change_made_while_posting_stays_queued(
    tmp_path: Path, redis: aredis.Redis, sink: WebhookSink
) -> None:
    """kt comes back on target while its firing alert is on its way to Alertmanager: the
    resolution is not taken for delivered with it, and the next round posts it."""
    plan = plan_with(alerts={"pending": "0s"}, routes=[{"units": ["*"], "webhook": sink.url}])
    server = alertmanager_for(tmp_path, plan)
    engine = await new_engine(plan, redis)

    async def resolved_during_the_first(_alerts: list[dict[str, Any]]) -> None:
        if len(client.posted) == 1:
            await fire(engine, "kt")  # a snapshot arrives while this post is in flight

    client = ClientWithHook(server.url, resolved_during_the_first)
    posted = client.posted
    deliverer = Deliverer(engine, client, engine.plan, repost_s=0.5, source_url="http://metrics.example")
    key = f"kt/online_rate/{MONTH}"
    try:
        await fire(engine, "kt", online_rate=(80, 100))
        await deliverer.deliver_once()
        assert [a["labels"]["indicator"] for a in posted[0]] == ["online_rate"]
        assert await engine.store.outbox() == {key}, "the resolution is still to be posted"
        await eventually(lambda: bool(notifications_for(sink, "kt")))  # the firing alert, notified
        await deliverer.deliver_once()
        [resolution] = posted[1]
        assert datetime.fromisoformat(resolution["endsAt"]) <= datetime.now(UTC)
        assert await engine.store.outbox() == set()
        await eventually(
            lambda: any(n["status"] == "resolved" for n in notifications_for(sink, "kt")), timeout=20
        )
    finally:
        server.stop()


def told_resolved(sink: WebhookSink, indicator: str) -> list[dict[str, Any]]:
    """kt's notices that announce ``indicator`` resolved."""
    return [
        n
        for n in notifications_for(sink, "kt")
        if any(a["labels"]["indicator"] == indicator and a["status"] == "resolved" for a in n["alerts"])
    ]


async def test_a_resolution_is_announced_once_though_its_counts_change(
    tmp_path: Path, redis: aredis.Redis, sink: WebhookSink
) -> None:
    """kt's online alert resolves; a snapshot that only changes its counts arrives while the
    resolution is on its way. Posted again for those counts, the resolved alert would stay in
    kt's group in Alertmanager (a resolved alert is dropped from its group after the notice
    only if it was not posted again meanwhile), and the group's next notice, when another
    alert of kt starts, would announce the resolution a second time."""
    plan = plan_with(alerts={"pending": "0s"}, routes=[{"units": ["*"], "webhook": sink.url}])
    server = alertmanager_for(tmp_path, plan)
    engine = await new_engine(plan, redis)

    async def counts_change(alerts: list[dict[str, Any]]) -> None:
        if any(datetime.fromisoformat(a["endsAt"]) <= datetime.now(UTC) for a in alerts):
            await fire(engine, "kt", online_rate=(20, 20))  # still resolved, other counts

    client = ClientWithHook(server.url, counts_change)
    posted = client.posted
    deliverer = Deliverer(engine, client, plan, repost_s=60, source_url="http://metrics.example")
    try:
        await fire(engine, "kt", online_rate=(80, 100))
        await deliverer.deliver_once()
        await eventually(lambda: bool(notifications_for(sink, "kt")))
        await fire(engine, "kt")  # back on target: resolved
        await deliverer.deliver_once()
        await eventually(lambda: bool(told_resolved(sink, "online_rate")), timeout=20)
        await deliverer.deliver_once(full=False)  # the next round owes nothing
        assert await engine.store.outbox() == set()
        assert [[a["labels"]["indicator"] for a in p] for p in posted] == [["online_rate"], ["online_rate"]]

        await fire(engine, "kt", online_rate=(20, 20), sync_rate=(50, 100))  # another alert of kt starts
        await deliverer.deliver_once(full=False)
        await eventually(
            lambda: any(a["labels"]["indicator"] == "sync_rate" for n in sink.received for a in n["alerts"])
        )
        await asyncio.sleep(3)  # group_interval is 1 s: a notice owed would have come
        assert len(told_resolved(sink, "online_rate")) == 1, "the resolution is announced once"
    finally:
        server.stop()


async def test_a_silence_mutes_a_unit(tmp_path: Path, redis: aredis.Redis, sink: WebhookSink) -> None:
    plan = plan_with(alerts={"pending": "0s"}, routes=[{"units": ["*"], "webhook": sink.url}])
    server = alertmanager_for(tmp_path, plan)
    silence = {
        "matchers": [{"name": "unit", "value": "kt", "isRegex": False, "isEqual": True}],
        "startsAt": NOW.isoformat(),
        "endsAt": (NOW + timedelta(hours=1)).isoformat(),
        "createdBy": "test",
        "comment": "Phòng Kinh tế đã báo cáo nguyên nhân",
    }
    assert httpx.post(server.url + "/api/v2/silences", json=silence).status_code == 200
    engine = await new_engine(plan, redis)
    _, task = await start_delivery(engine, server)
    try:
        await fire(engine, "kt", online_rate=(80, 100))
        await fire(engine, "vp", online_rate=(80, 100))
        await eventually(lambda: bool(notifications_for(sink, "vp")))
        await asyncio.sleep(3)
        assert notifications_for(sink, "kt") == []
        alerts = httpx.get(server.url + "/api/v2/alerts", params={"filter": 'unit="kt"'}).json()
        assert alerts and alerts[0]["status"]["state"] == "suppressed"
    finally:
        task.cancel()
        server.stop()


async def test_email_in_vietnamese(tmp_path: Path, redis: aredis.Redis, mailbox: Mailbox) -> None:
    plan = plan_with(alerts={"pending": "0s"}, routes=[{"units": ["kt"], "email": "kt@dongphu.gov.vn"}])
    server = alertmanager_for(tmp_path, plan, mailbox_port=mailbox.port)
    engine = await new_engine(plan, redis)
    _, task = await start_delivery(engine, server)
    try:
        await fire(engine, "kt", feedback_on_time_rate=(19, 20))
        await eventually(lambda: bool(mailbox.messages))
        message = mailbox.messages[0]
        assert message["To"] == "kt@dongphu.gov.vn"
        assert message["Subject"] == "[Chỉ tiêu TTHC] Phòng Kinh tế: 1 cảnh báo cần xử lý"
        text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
        assert "Kính gửi Phòng Kinh tế" in text
        assert (
            "Tỷ lệ xử lý phản ánh, kiến nghị đúng hạn" in text
            and "95% (19/20), thấp hơn chỉ tiêu 100%" in text
        )
        assert "còn thiếu 1" in text
    finally:
        task.cancel()
        server.stop()


async def test_alertmanager_down_then_up_delivers_what_is_still_true(
    tmp_path: Path, redis: aredis.Redis, sink: WebhookSink
) -> None:
    plan = plan_with(alerts={"pending": "0s"}, routes=[{"units": ["*"], "webhook": sink.url}])
    server = alertmanager_for(tmp_path, plan)
    server.stop()
    engine = await new_engine(plan, redis)
    deliverer, task = await start_delivery(engine, server)
    try:
        await fire(engine, "kt", online_rate=(80, 100))
        await fire(engine, "hcc", online_rate=(80, 100))
        await fire(engine, "hcc")  # hcc recovered while Alertmanager was away
        await eventually(lambda: deliverer.failing is not None)
        assert len(await engine.store.outbox()) == 2 and engine.listed("firing")[0]["unit"] == "kt"
        server.start(tmp_path / "am-config" / "alertmanager.yml")
        await eventually(lambda: bool(notifications_for(sink, "kt")))
        await eventually(lambda: deliverer.failing is None)
        assert await engine.store.outbox() == set()
        await asyncio.sleep(2)
        assert all(n["status"] == "resolved" for n in notifications_for(sink, "hcc")), (
            "no stale firing for hcc"
        )
    finally:
        task.cancel()
        server.stop()
