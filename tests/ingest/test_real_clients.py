"""The bridge fed by two real one-stop-shop systems as they are (SPEC section 9.1): OpenCPS v2 and
HuanVu201's provincial system, their requests reproduced byte for byte from their public code
(``real_clients/README.md`` names the files and commits). Real Redis, a stand-in portal.

Relay mode: every request (login, look-ups, sync, progress) reaches the portal at the right path
with identical bytes and the bridge's key nowhere; the portal's answer comes back unchanged;
every record ends up either published as the scenario expects or kept with its reason, and
counted. Translate mode: the same sync requests, answered by the bridge itself. After the plan
is fixed, a replay publishes the kept records, once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from urllib.parse import parse_qsl

import httpx
import pytest
import redis
import redis.asyncio as aredis

from tthc_contract.plan import Plan
from tthc_contract.signing import EntrySigner
from tthc_contract.streams import DEAD, INGEST_STATS
from tthc_ingest.app import create_app
from tthc_ingest.dvcqg.relay import PortalRelay
from tthc_ingest.dvcqg.replay import replay
from tthc_ingest.keys import KeyRing
from tthc_ingest.publisher import EventPublisher

from .client_runs import CLIENTS, KEY, Exchange, letters, outcome_problems, overlay_plan, play, published
from .real_clients.scenarios import BY_NAME, SCENARIOS
from .standin_portal import StandInPortal

pytestmark = pytest.mark.asyncio
SIGNER = EntrySigner(b"r" * 32)
HOP_BY_HOP = {"host", "content-length", "connection"}


@pytest.fixture
def portal() -> Iterator[StandInPortal]:
    p = StandInPortal()
    yield p
    p.close()


async def bridge(redis_url: str, plan: Plan, relay: PortalRelay | None) -> httpx.AsyncClient:
    app = create_app(plan, KeyRing(plan, {}), SIGNER, EventPublisher(aredis.Redis.from_url(redis_url)), relay)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ingest", timeout=30)


@pytest.fixture
async def relayed(redis_url: str, portal: StandInPortal) -> AsyncIterator[httpx.AsyncClient]:
    async with await bridge(redis_url, overlay_plan(), PortalRelay(portal.url, 5.0)) as client:
        yield client


def wire_problems(x: Exchange) -> list[str]:
    """How what the portal received and what the client got back differ from the wire."""
    r, got, name = x.request, x.received, f"{x.scenario.name} {x.request.operation}"
    if got is None:
        return [f"{name}: never reached the portal"]
    query = [(k, v) for k, v in parse_qsl(r.query, keep_blank_values=True) if k != "key"]
    problems = [
        f"{name}: {what}"
        for what, bad in (
            (f"method {got.method}", got.method != r.method),
            (f"path {got.path} != {r.path}", got.path != r.path),
            (f"query {got.query!r}", parse_qsl(got.query, keep_blank_values=True) != query),
            ("body changed", got.body != r.body),
            ("the key reached the portal", KEY in got.query or KEY.encode() in got.body),
            ("the key's header reached the portal", any(KEY in v for v in got.headers.values())),
            (f"answer {x.response.status_code}", x.response.status_code != 200),
            ("answer body changed", x.response.content != x.answer),
            ("answer headers", not x.response.headers.get("x-portal-trace", "").startswith(x.scenario.name)),
        )
        if bad
    ]
    problems += [
        f"{name}: header {k}: {got.headers.get(k.lower())!r} != {v!r}"
        for k, v in r.headers.items()
        if k.lower() not in HOP_BY_HOP and got.headers.get(k.lower()) != v
    ]
    return problems


@pytest.mark.parametrize("client", CLIENTS)
async def test_relay_stands_in_for_the_portal_and_loses_nothing(
    client: str, relayed: httpx.AsyncClient, portal: StandInPortal, redis_url: str
) -> None:
    exchanges = await play(relayed, client, SCENARIOS, portal)
    assert [p for x in exchanges for p in wire_problems(x)] == []
    assert len(portal.received) == len(exchanges)
    events, kept = published(redis_url), letters(redis_url)
    problems = [
        p for s in SCENARIOS for p in outcome_problems(s, s.expected[client], events, kept, synced=True)
    ]
    assert problems == []
    assert [s.name for s in SCENARIOS if s.expected[client].kind == "not_sent"] == [
        s.name for s in SCENARIOS if not any(x.scenario is s for x in exchanges)
    ]
    sync = [x for x in exchanges if x.request.operation in ("sync", "sync_update")]
    steps = [x for x in exchanges if x.request.operation == "progress"]
    stats = redis.Redis.from_url(redis_url).hgetall(INGEST_STATS)
    dead = sum(len(v) for v in kept.values())
    assert int(stats[b"dvcqg_records"]) + dead == len(sync), "each sync record translated or kept"
    assert int(stats[b"dvcqg_progress"]) == sum(x.request.body.count(b'"ThoiDiemXuLy"') for x in steps)
    others = len(exchanges) - len(sync) - len(steps)
    assert int(stats.get(b"dvcqg_forwarded", 0)) == others, "logins and look-ups counted, never stored"
    assert all(b"password" not in f[b"original.record"] for v in kept.values() for f in v)


@pytest.mark.parametrize("client", CLIENTS)
async def test_translate_mode_answers_the_same_sync_requests_itself(client: str, redis_url: str) -> None:
    async with await bridge(redis_url, overlay_plan(), None) as translating:
        exchanges = await play(translating, client, SCENARIOS, None)
    events = published(redis_url)
    for x in exchanges:
        expected = x.scenario.expected[client]
        if x.request.operation in ("login", "lookup"):
            assert x.response.status_code == 400 and "TTHC_DVCQG_UPSTREAM" in x.response.json()["message"]
        elif x.request.operation == "progress" or expected.kind != "dead":
            assert x.response.status_code == 200 and "thành công" in x.response.json()["message"].lower()
        else:
            refused = x.response.json()["records"]
            assert (
                x.response.status_code == 422 and expected.reason in refused[0]["field"] + refused[0]["error"]
            )
    problems = [
        p
        for s in SCENARIOS
        for p in outcome_problems(s, _no_letters(s.expected[client]), events, {}, synced=False)
    ]
    assert problems == [] and redis.Redis.from_url(redis_url).xlen(DEAD) == 0


def _no_letters(expected: object) -> object:
    """Translate mode keeps nothing: a refused record is the sender's to fix and send again."""
    from .real_clients.expectations import NO_EVENT, Expected

    assert isinstance(expected, Expected)
    return NO_EVENT if expected.kind == "dead" else expected


async def test_after_the_plan_is_fixed_a_replay_counts_the_kept_records_once(
    relayed: httpx.AsyncClient, portal: StandInPortal, redis_url: str
) -> None:
    unknown = BY_NAME["agency_unknown"]
    await play(relayed, "opencps", (unknown, BY_NAME["in_progress"]), portal)
    assert published(redis_url).get(unknown.dossier.code) is None and letters(redis_url)[unknown.dossier.code]
    client = aredis.Redis.from_url(redis_url)
    try:
        unchanged = await replay(client, overlay_plan(), SIGNER)
        assert unchanged.replayed == 0 and unchanged.still_dead == {"unit_unknown": 1}
        assert unknown.dossier.agency_name is not None
        fixed = overlay_plan(**{unknown.dossier.agency_name: "vhxh"})
        first = await replay(client, fixed, SIGNER)
        again = await replay(client, fixed, SIGNER)
    finally:
        await client.aclose()
    assert (first.replayed, again.replayed) == (1, 0) and letters(redis_url) == {}
    events = published(redis_url)[unknown.dossier.code]
    received = [e for e in events if e["type"] == "tthc.case.received"]
    assert len(received) == 1 and received[0]["data"]["unit"] == "vhxh"
    assert any(e["type"] == "tthc.case.synced" for e in events), "the portal had accepted it"
