"""202 only once a replica holds the events (``WAIT``, SPEC section 7 "With Sentinel"): a real
primary, alone or with a real replica, and the ingest app in-process."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from tthc_cli.bench.fixtures import realistic_events
from tthc_contract.plan import Plan
from tthc_contract.redis_client import connect
from tthc_contract.signing import EntrySigner
from tthc_contract.streams import EVENTS, INGEST_STATS
from tthc_ingest.app import create_app
from tthc_ingest.keys import KeyRing
from tthc_ingest.publisher import EventPublisher, ReplicaWait

from ..sentinels import NO_SYNC_DELAY
from ..servers import RedisServer, until
from .dvcqg_records import bridge_plan, record, sync_request

pytestmark = pytest.mark.asyncio
HEADERS = {"Authorization": "Bearer demo-igate-key", "Content-Type": "application/json"}
WAIT = ReplicaWait(replicas=1, timeout_ms=200)
PATIENT = ReplicaWait(replicas=1, timeout_ms=5_000)
"""Where the replica is there and must confirm: WAIT returns as soon as it does, and a busy
machine (the whole suite on two cores) may take longer than 200 ms to schedule it."""


@pytest.fixture
def primary(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "primary", *NO_SYNC_DELAY)
    server.start()
    yield server
    server.stop(signal.SIGKILL)  # nothing to keep; SIGTERM waits for the disk (fsync)


@pytest.fixture
def replica(tmp_path: Path, primary: RedisServer) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "replica", "--replicaof", "127.0.0.1", str(primary.port))
    server.start()
    until(lambda: server.client().info("replication")["master_link_status"] == "up", 30, "(replica in sync)")
    yield server
    server.stop(signal.SIGKILL)


async def ingest(plan: Plan, url: str, wait: ReplicaWait) -> AsyncIterator[httpx.AsyncClient]:
    """The app on ``url``, with the shipped plan and a DVCQG agency mapped (``bridge_plan``)."""
    client = connect(url)
    app = create_app(plan, KeyRing(plan, {}), EntrySigner(b"k" * 32), EventPublisher(client, wait=wait))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ingest") as http:
        yield http
    await client.aclose()


@pytest.fixture
async def waiting(primary: RedisServer) -> AsyncIterator[httpx.AsyncClient]:
    """Ingest waiting for one replica (200 ms at most)."""
    async for http in ingest(bridge_plan(), primary.url, WAIT):
        yield http


@pytest.fixture
async def patient(primary: RedisServer) -> AsyncIterator[httpx.AsyncClient]:
    """Ingest waiting for one replica that is there (5 s at most)."""
    async for http in ingest(bridge_plan(), primary.url, PATIENT):
        yield http


def stats(server: RedisServer) -> dict[str, int]:
    return {k.decode(): int(v) for k, v in server.client().hgetall(INGEST_STATS).items()}  # type: ignore[union-attr]


async def test_without_a_replica_wait_fails_and_the_answer_is_503(
    waiting: httpx.AsyncClient, primary: RedisServer, plan: Plan
) -> None:
    events = realistic_events(plan, 20, seed=21, run_id="no-replica")
    response = await waiting.post("/v1/events", content=orjson.dumps(events), headers=HEADERS)
    assert response.status_code == 503, response.text
    body = response.json()
    assert body["error"] == "not_replicated" and "0 of 1 replicas" in body["detail"]
    assert "stored once" in body["detail"] and response.headers["retry-after"] == "1"
    assert primary.client().xlen(EVENTS) == len(events)  # on the primary: a retry is a duplicate
    assert stats(primary) == {"202": 0, "503": 1, "events_accepted": 0, "not_replicated": 1}


async def test_the_bridge_answers_503_in_the_portals_shape(
    waiting: httpx.AsyncClient, primary: RedisServer
) -> None:
    body = sync_request(record(MaHoSo="H-WAIT-1"))
    response = await waiting.post("/v1/dvcqg", content=orjson.dumps(body), headers=HEADERS)
    assert response.status_code == 503, response.text
    answer = response.json()
    assert answer["error_code"] == "503" and "0 of 1 replicas" in answer["message"]
    assert "gửi lại" in answer["message"]
    assert stats(primary)["not_replicated"] == 1 and stats(primary).get("dvcqg_records", 0) == 0


async def test_with_a_replica_the_answer_is_202_and_the_replica_holds_the_events(
    patient: httpx.AsyncClient, primary: RedisServer, replica: RedisServer, plan: Plan
) -> None:
    events = realistic_events(plan, 500, seed=22, run_id="replica")
    for start in range(0, len(events), 100):
        batch = events[start : start + 100]
        response = await patient.post("/v1/events", content=orjson.dumps(batch), headers=HEADERS)
        assert response.status_code == 202, response.text
        assert replica.client().xlen(EVENTS) == start + len(batch)  # there when 202 is answered
    assert stats(primary) == {"202": 5, "events_accepted": 500}


async def test_a_replica_that_stops_answering_makes_ingest_answer_503_until_it_is_back(
    waiting: httpx.AsyncClient, primary: RedisServer, replica: RedisServer, plan: Plan
) -> None:
    first = realistic_events(plan, 20, seed=23, run_id="stalled")
    assert replica.process is not None
    replica.process.send_signal(signal.SIGSTOP)
    try:
        response = await waiting.post("/v1/events", content=orjson.dumps(first), headers=HEADERS)
        assert response.status_code == 503 and response.json()["error"] == "not_replicated"
    finally:
        replica.process.send_signal(signal.SIGCONT)
    answers = []  # the source retries, as a 503 asks, until the replica has caught up
    while not answers or (answers[-1] == 503 and len(answers) < 50):
        response = await waiting.post("/v1/events", content=orjson.dumps(first), headers=HEADERS)
        answers.append(response.status_code)
        await asyncio.sleep(0.1 if response.status_code == 503 else 0)
    assert answers[-1] == 202 and set(answers[:-1]) <= {503}, answers
    refused = len(answers)  # the first 503 and those of the retries
    assert replica.client().xlen(EVENTS) == (refused + 1) * len(first)  # metrics keeps one of each
    assert stats(primary) == {
        "202": 1,
        "503": refused,
        "events_accepted": len(first),
        "not_replicated": refused,
    }


async def test_without_replicas_to_wait_for_nothing_waits(primary: RedisServer, plan: Plan) -> None:
    events = realistic_events(plan, 10, seed=24, run_id="no-wait")
    async for http in ingest(plan, primary.url, ReplicaWait()):
        response = await http.post("/v1/events", content=orjson.dumps(events), headers=HEADERS)
        assert response.status_code == 202, response.text


async def test_a_new_primary_without_the_script_gets_it_loaded(
    patient: httpx.AsyncClient, primary: RedisServer, replica: RedisServer, plan: Plan
) -> None:
    """After a failover the promoted replica may not have the script cached: it is loaded."""
    events = realistic_events(plan, 20, seed=25, run_id="noscript")
    response = await patient.post("/v1/events", content=orjson.dumps(events[:10]), headers=HEADERS)
    assert response.status_code == 202, response.text
    primary.client().script_flush()
    response = await patient.post("/v1/events", content=orjson.dumps(events[10:]), headers=HEADERS)
    assert response.status_code == 202, response.text
    assert replica.client().xlen(EVENTS) == 20
