"""Drill: Alertmanager as an HA pair, each peer SIGKILLed in turn while alerts fire and
resolve; every firing and every resolution of every alert reaches the webhook exactly once.

Two real ``prometheus-alertmanager`` processes form one gossip cluster
(``--cluster.listen-address`` / ``--cluster.peer`` on free localhost ports) with the same
rendered configuration; the alerts service (its engine driven by snapshots, its deliverer
posting to both peers, each on its own) sends every alert to both.

Why the pair notifies once, not twice, and loses nothing:

- Both peers hold every alert (the alerts service posts to each) and group them alike, but
  the peers are ordered by name (a ULID taken at start: the first started is first). A
  peer at position ``n`` waits ``n × --cluster.peer-timeout`` before its notification
  pipeline reads the **notification log**; the first peer notifies at once, then logs what
  it sent and gossips that entry to the other within a gossip interval. The second finds
  the entry when its wait ends and sends nothing; had the first died before notifying, the
  second finds no entry and notifies itself. The first peer killed inside its group wait,
  or between two group intervals, has sent nothing yet, so nothing is doubled; nothing is
  lost because the other peer holds the same alerts.
- A peer that restarts joins the cluster and receives the log (and the silences) in a full
  state sync before it notifies; the alerts service posts to it again what is still firing
  and the changes it has not accepted, and the log tells it these were already notified.
- The peer timeout (3 s) exceeds the group interval (2 s) by more than a gossip round:
  two peers whose groups tick at different moments (one restarted) still see the other's
  entry before they would send.

The kills are placed, from the webhook's timestamps, where the notifying peer has not
sent yet (inside the group wait of a new group; just after a group-interval tick of an
existing one), so the drill is deterministic; the Alertmanager documentation calls its
delivery at-least-once: a peer killed between sending and gossiping repeats that one
notification (docs/alerts.md).
"""

from __future__ import annotations

import asyncio
import json
import signal
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aredis
from prometheus_client import REGISTRY

from tthc_alerts import delivery
from tthc_alerts.alertmanager import AlertmanagerClient
from tthc_alerts.am_config import Delivery, write
from tthc_alerts.delivery import Deliverer, Peer
from tthc_alerts.engine import AlertEngine
from tthc_contract.periods import period_of
from tthc_contract.plan import Plan

from ..alerts.conftest import new_engine, plan_with
from ..alerts.snapshots import snapshot
from ..servers import AlertmanagerServer, free_port
from ..waiting import eventually as until

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.slow,
    pytest.mark.faults,
    pytest.mark.real_clock,
    pytest.mark.clock,
]
GROUP_WAIT_S, GROUP_INTERVAL_S, PEER_TIMEOUT_S = 2.5, 2.0, 3.0
"""The group wait leaves the drill 2.2 s to kill the notifier inside it (two HTTP checks and a
SIGKILL, slower when three test workers share two cores)."""
SETTLED_S = GROUP_WAIT_S + GROUP_INTERVAL_S + PEER_TIMEOUT_S + 2.0
"""Anything a peer still owed, or would double, has reached the webhook by then."""


class TimedSink:
    """A webhook that keeps each notification with the moment it arrived."""

    def __init__(self) -> None:
        received: list[tuple[float, dict[str, Any]]] = []
        self.received = received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append((time.monotonic(), json.loads(body)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def notices(self, unit: str, status: str) -> list[float]:
        """When ``unit``'s alert was notified in ``status`` (each notice is one unit's group)."""
        return [
            at
            for at, body in self.received
            if body["groupLabels"].get("unit") == unit and any(a["status"] == status for a in body["alerts"])
        ]


class ClusterPeer(AlertmanagerServer):
    """One peer of the pair: gossip on its own port, the other peer's as ``--cluster.peer``."""

    def __init__(self, workdir: Path, gossip_port: int, other_port: int) -> None:
        super().__init__(workdir)
        self.gossip_port, self.other_port = gossip_port, other_port

    def arguments(self) -> list[str]:
        return [
            f"--storage.path={self.workdir / 'data'}",
            f"--cluster.listen-address=127.0.0.1:{self.gossip_port}",
            f"--cluster.peer=127.0.0.1:{self.other_port}",
            f"--cluster.peer-timeout={PEER_TIMEOUT_S:g}s",
            "--cluster.gossip-interval=50ms",
            "--cluster.pushpull-interval=1s",
            "--cluster.reconnect-interval=500ms",
        ]

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.process = None

    def status(self) -> dict[str, Any]:
        return httpx.get(self.url + "/api/v2/status", timeout=5).json()["cluster"]  # type: ignore[no-any-return]

    def holds(self, unit: str) -> bool:
        alerts = httpx.get(self.url + "/api/v2/alerts", params={"filter": f'unit="{unit}"'}, timeout=5).json()
        return bool(alerts)


@dataclass
class Pair:
    first: ClusterPeer
    second: ClusterPeer
    config: Path
    sink: TimedSink
    engine: AlertEngine
    deliverer: Deliverer

    def peer(self, server: ClusterPeer) -> Peer:
        return next(p for p in self.deliverer.peers if p.client.url == server.url)

    async def change(self, unit: str, online: int) -> float:
        """A snapshot of ``unit`` (online_rate ``online``/100), delivered to every peer that
        answers; returns when that was done."""
        now = datetime.now(UTC)
        await self.engine.on_snapshot(
            snapshot(self.engine.plan, unit, period_of(now, "month").code, now, online_rate=(online, 100))
        )
        await until(lambda: self.delivered(unit))
        return time.monotonic()

    async def delivered(self, unit: str) -> bool:
        """Every peer that answers has accepted ``unit``'s changes as they are now."""
        queued = [i for i in await self.engine.store.outbox() if i.startswith(unit + "/")]
        answering = [p for p in self.deliverer.peers if p.failing is None]
        records = [r for i in queued if (r := self.engine.records.get(i)) is not None]
        return all(p.has_accepted(r) for r in records for p in answering)


def rendered(tmp: Path, plan: Plan) -> Path:
    timing = Delivery(
        group_wait=timedelta(seconds=GROUP_WAIT_S), group_interval=timedelta(seconds=GROUP_INTERVAL_S)
    )
    return write(plan, timing, tmp / "am-config")


async def clustered(*peers: ClusterPeer) -> None:
    def ready() -> bool:
        statuses = [p.status() for p in peers]
        return all(s["status"] == "ready" and len(s["peers"]) == len(peers) for s in statuses)

    await until(ready)


def first_in_line(peers: tuple[ClusterPeer, ClusterPeer]) -> ClusterPeer:
    """The peer that notifies at once: the first by name (``cluster.name``)."""
    return min(peers, key=lambda p: p.status()["name"])


@pytest.fixture
async def pair(tmp_path: Path, redis: aredis.Redis, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Pair]:
    monkeypatch.setattr(delivery, "BACKOFF_MAX_S", 1.0)  # a peer back is posted to within a second
    sink = TimedSink()
    plan = plan_with(alerts={"pending": "0s", "repeat": "1h"}, routes=[{"units": ["*"], "webhook": sink.url}])
    config = rendered(tmp_path, plan)
    gossip = free_port(), free_port()
    first = ClusterPeer(tmp_path / "am-1", gossip[0], gossip[1])
    second = ClusterPeer(tmp_path / "am-2", gossip[1], gossip[0])
    first.start(config)
    second.start(config)
    engine = await new_engine(plan, redis)
    clients = [AlertmanagerClient(first.url), AlertmanagerClient(second.url)]
    deliverer = Deliverer(engine, clients, plan, repost_s=1.0, source_url="http://metrics.example")
    running = asyncio.create_task(deliverer.run())
    try:
        await clustered(first, second)
        yield Pair(first, second, config, sink, engine, deliverer)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        for server in (first, second):
            server.stop()
        for client in clients:
            await client.close()
        sink.server.shutdown()


def posts(peer: Peer, outcome: str) -> float:
    value = REGISTRY.get_sample_value(
        "tthc_alerts_alertmanager_posts_total", {"peer": peer.name, "outcome": outcome}
    )
    return value or 0.0


async def kill_the_notifier_inside_a_group_wait(pair: Pair) -> ClusterPeer:
    """hcc starts firing; the peer that would notify it dies before its group wait ends."""
    notifier = first_in_line((pair.first, pair.second))
    posted_at = await pair.change("hcc", online=80)
    await until(lambda: pair.first.holds("hcc") and pair.second.holds("hcc"))
    notifier.kill()
    assert time.monotonic() - posted_at < GROUP_WAIT_S - 0.3, "killed before it could notify"
    await until(lambda: pair.sink.notices("hcc", "firing"))
    return notifier


async def kill_the_notifier_between_two_ticks(pair: Pair, unit: str) -> ClusterPeer:
    """``unit`` fires (a new group: notified by the first in line at its first flush, so
    its group ticks every group interval from then); just after a tick, it resolves, and
    the peer that would notify the resolution dies before the next tick."""
    notifier = first_in_line((pair.first, pair.second))
    await pair.change(unit, online=80)
    [notified_at] = await until(lambda: pair.sink.notices(unit, "firing"))
    ticks_after = GROUP_INTERVAL_S * (int((time.monotonic() - notified_at) / GROUP_INTERVAL_S) + 1)
    await asyncio.sleep(notified_at + ticks_after + 0.2 - time.monotonic())
    tick = notified_at + ticks_after
    await pair.change(unit, online=100)
    notifier.kill()
    assert time.monotonic() - tick < GROUP_INTERVAL_S - 0.4, "killed before its next tick"
    await until(lambda: pair.sink.notices(unit, "resolved"))
    return notifier


async def test_a_pair_notifies_once_though_each_peer_is_killed_in_turn(pair: Pair) -> None:
    # Both peers up: kt fires; the first in line notifies, the other dedupes by the log.
    await pair.change("kt", online=80)
    await until(lambda: pair.sink.notices("kt", "firing"))

    # The notifier killed while hcc is in its group wait: the other peer notifies it.
    dead = await kill_the_notifier_inside_a_group_wait(pair)
    alive = pair.second if dead is pair.first else pair.first
    # With one peer down, the other is still posted to and notifies: kt resolves, vp fires.
    failed_before, ok_before = posts(pair.peer(dead), "failed"), posts(pair.peer(alive), "ok")
    await pair.change("kt", online=100)
    await pair.change("vp", online=80)
    await until(lambda: pair.sink.notices("kt", "resolved") and pair.sink.notices("vp", "firing"))
    assert pair.peer(dead).failing is not None and pair.peer(alive).failing is None
    assert posts(pair.peer(dead), "failed") > failed_before and posts(pair.peer(alive), "ok") > ok_before

    # Back on its data: it learns the log, is sent what it missed, and repeats nothing.
    dead.start(pair.config)
    await clustered(pair.first, pair.second)
    await until(lambda: pair.peer(dead).failing is None and dead.holds("hcc") and dead.holds("vp"))
    assert first_in_line((pair.first, pair.second)) is alive, "a restarted peer comes last"

    # The other one killed while a resolution is owed: the restarted peer notifies it.
    await kill_the_notifier_between_two_ticks(pair, "vpdkdd")
    await pair.change("hcc", online=100)
    await pair.change("vp", online=100)
    await until(lambda: pair.sink.notices("hcc", "resolved") and pair.sink.notices("vp", "resolved"))
    await asyncio.sleep(SETTLED_S)

    told = {
        (unit, status): len(pair.sink.notices(unit, status))
        for unit in ("kt", "hcc", "vp", "vpdkdd")
        for status in ("firing", "resolved")
    }
    assert told == dict.fromkeys(told, 1), f"each firing and each resolution exactly once: {told}"
    assert len(pair.sink.received) == 8
