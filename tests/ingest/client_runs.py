"""Playing the real clients' requests (``real_clients``) against the bridge, and checking what it
made of them against the scenarios' hand-written expectations (SPEC sections 9 and 9.1)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import orjson
import redis
import yaml

from tthc_contract.periods import LOCAL_TZ
from tthc_contract.plan import Plan, parse_plan
from tthc_contract.streams import DEAD, EVENTS

from ..conftest import PLAN_PATH
from .real_clients import huanvu, opencps
from .real_clients.expectations import PLAN_OVERLAY, Expected, ExpectedCase
from .real_clients.scenario_kit import Scenario
from .real_clients.wire import WireRequest
from .standin_portal import Answer, Received, StandInPortal

KEY = "demo-igate-key"
CLIENTS = ("opencps", "huanvu")


def overlay_plan(**dvcqg_units: str) -> Plan:
    """The shipped plan with the fixtures' overlay (and more agency names, when given)."""
    data = yaml.safe_load(PLAN_PATH.read_text(encoding="utf-8"))
    for section, values in PLAN_OVERLAY.items():
        data[section] = {**data.get(section, {}), **values}
    data["dvcqg"] = {**data["dvcqg"], "units": {**data["dvcqg"]["units"], **dvcqg_units}}
    return parse_plan(data)


def wire_requests(client: str, s: Scenario) -> list[WireRequest]:
    if client == "opencps":
        return opencps.requests(s.dossier, opencps.CONFIG.with_key(KEY), exists=s.exists, logged_in=False)
    return huanvu.requests(s.dossier, huanvu.CONFIG.with_key(KEY), exists=s.exists)


def answer_of(client: str, s: Scenario, request: WireRequest) -> bytes:
    if client == "opencps":
        return opencps.portal_answer(request, s.dossier, opencps.CONFIG, exists=s.exists)
    return huanvu.portal_answer(request, exists=s.exists)


@dataclass
class Exchange:
    scenario: Scenario
    request: WireRequest
    response: httpx.Response
    answer: bytes
    """What the portal answered (relay mode)."""
    received: Received | None
    """What the portal received (relay mode)."""


async def play(
    bridge: httpx.AsyncClient, client: str, scenarios: tuple[Scenario, ...], portal: StandInPortal | None
) -> list[Exchange]:
    """Every request of every scenario, in order, as the client sends them."""
    out = []
    for s in scenarios:
        for n, request in enumerate(wire_requests(client, s)):
            answer = answer_of(client, s, request)
            if portal is not None:
                portal.script = _scripted(answer, f"{s.name}-{n}")
            before = len(portal.received) if portal else 0
            response = await bridge.request(
                request.method, request.url("/v1/dvcqg"), headers=request.headers, content=request.body
            )
            received = portal.received[before] if portal and len(portal.received) > before else None
            out.append(Exchange(s, request, response, answer, received))
    return out


def _scripted(body: bytes, trace: str) -> Callable[[Received], Answer]:
    headers = [("Content-Type", "application/json; charset=utf-8"), ("X-Portal-Trace", trace)]
    return lambda _: Answer(200, body, headers)


def published(url: str) -> dict[str, list[dict[str, Any]]]:
    """Distinct events on ``tthc:events`` (by id), by subject."""
    by_id = {}
    for _, fields in redis.Redis.from_url(url).xrange(EVENTS):
        event = orjson.loads(fields[b"event"])
        by_id[event["id"]] = event
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in by_id.values():
        out[event["subject"]].append(event)
    return out


def letters(url: str) -> dict[str, list[dict[bytes, bytes]]]:
    """The bridge's dead letters, by the MaHoSo of the record they keep."""
    out: dict[str, list[dict[bytes, bytes]]] = defaultdict(list)
    for _, fields in redis.Redis.from_url(url).xrange(DEAD):
        if b"original.record" in fields:
            out[str(orjson.loads(fields[b"original.record"]).get("MaHoSo"))].append(fields)
    return out


def aware(local: datetime) -> datetime:
    return local.replace(tzinfo=LOCAL_TZ)


def _one(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == kind]


def case_problems(events: list[dict[str, Any]], c: ExpectedCase, synced: bool) -> list[str]:
    """What differs between the events of one case and its expectation (empty: all as expected)."""
    problems = []
    received = _one(events, "tthc.case.received")
    if len(received) != 1:
        return [f"{len(received)} received events"]
    r, data = received[0], received[0]["data"]
    wanted = {
        "unit": c.unit,
        "procedure": c.procedure,
        "channel": c.channel,
        "field": c.field or None,
        "fee": c.fee,
        "reused_data": c.reused_data,
        "personal_storage": c.personal_storage,
        "citizen_data": c.citizen_data,
    }
    problems += [f"{k}: {data.get(k)!r} != {v!r}" for k, v in wanted.items() if data.get(k) != v]
    if datetime.fromisoformat(r["time"]) != aware(c.received):
        problems.append(f"received at {r['time']}, expected {c.received}")
    if datetime.fromisoformat(data["due"]) != aware(c.due):
        problems.append(f"due {data['due']}, expected {c.due}")
    problems += _resolution_problems(events, c)
    problems += _flag_problems(events, c, synced)
    return problems


def _resolution_problems(events: list[dict[str, Any]], c: ExpectedCase) -> list[str]:
    resolved = _one(events, "tthc.case.resolved")
    if c.outcome is None:
        return [f"resolved {resolved}"] if resolved else []
    if len(resolved) != 1:
        return [f"{len(resolved)} resolved events, expected {c.outcome}"]
    got = resolved[0]
    assert c.end is not None
    problems = []
    if got["data"]["outcome"] != c.outcome:
        problems.append(f"outcome {got['data']['outcome']} != {c.outcome}")
    if datetime.fromisoformat(got["time"]) != aware(c.end):
        problems.append(f"ended {got['time']}, expected {c.end}")
    return problems


def _flag_problems(events: list[dict[str, Any]], c: ExpectedCase, synced: bool) -> list[str]:
    digitized = {e["data"]["scope"] for e in _one(events, "tthc.case.digitized")}
    electronic = any(e["data"]["electronic"] for e in _one(events, "tthc.case.result_issued"))
    paid = _one(events, "tthc.case.paid")
    checks = {
        "digitized dossier": ("dossier" in digitized, c.digitized),
        "electronic result": (electronic and "result" in digitized, c.electronic_result),
        "synced": (bool(_one(events, "tthc.case.synced")), synced),
        "rescheduled": (bool(_one(events, "tthc.case.rescheduled")), False),
        "paid": (bool(paid), c.paid_channel is not None),
    }
    problems = [f"{name}: {got} != {want}" for name, (got, want) in checks.items() if got != want]
    if paid and c.paid_channel is not None:
        data = paid[0]["data"]
        if (data["channel"], data["amount"]) != (c.paid_channel, c.paid_amount):
            problems.append(f"paid {data}, expected {c.paid_channel} {c.paid_amount}")
    return problems


def outcome_problems(
    s: Scenario,
    expected: Expected,
    events: dict[str, list[dict[str, Any]]],
    kept: dict[str, Any],
    synced: bool,
) -> list[str]:
    """How one scenario's result differs from its expectation, for one client."""
    code = s.dossier.code
    mine, dead = events.get(code, []), kept.get(code, [])
    if expected.kind == "case":
        assert expected.case is not None
        return [f"{s.name}: {p}" for p in case_problems(mine, expected.case, synced)] + (
            [f"{s.name}: also dead-lettered"] if dead else []
        )
    if expected.kind == "dead":
        reasons = [letter[b"reason"].decode() for letter in dead]
        ok = dead and all(expected.reason in r for r in reasons)
        return ([] if ok else [f"{s.name}: kept {reasons}, expected a reason naming {expected.reason}"]) + (
            [f"{s.name}: {len(mine)} events published"] if mine else []
        )
    return [f"{s.name}: {len(mine)} events, {len(dead)} letters"] if mine or dead else []
