"""Every answer of SPEC section 5 for ingest, against a real Redis."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import orjson
import pytest
import redis

from tthc_contract.examples import example_events
from tthc_contract.streams import EVENTS

from ..servers import RedisServer
from .conftest import KT_KEY, auth

pytestmark = pytest.mark.asyncio


def received(**data: Any) -> dict[str, Any]:
    event = copy.deepcopy(example_events()["tthc.case.received"])
    event["data"].update(data)
    return event


def xlen(url: str) -> int:
    return int(redis.Redis.from_url(url).xlen(EVENTS))


async def refused(client: httpx.AsyncClient, url: str, status: int, **request: Any) -> dict[str, Any]:
    before = xlen(url)
    response = await client.post("/v1/events", **request)
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "detail"} and body["detail"]
    assert xlen(url) == before, "a refused request must publish nothing"
    return body


async def test_one_event_is_accepted(client: httpx.AsyncClient, redis_url: str) -> None:
    response = await client.post("/v1/events", json=received(), headers=auth())
    assert response.status_code == 202
    assert response.json() == {"accepted": 1}
    assert xlen(redis_url) == 1


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"{not json", "not valid JSON"),
        (b'"just a string"', "must be one event"),
        (b"42", "must be one event"),
        (b"null", "must be one event"),
        (b"", "not valid JSON"),
    ],
)
async def test_body_that_is_not_json_or_not_events(
    client: httpx.AsyncClient, redis_url: str, content: bytes, fragment: str
) -> None:
    body = await refused(
        client, redis_url, 400, content=content, headers={**auth(), "Content-Type": "application/json"}
    )
    assert fragment in body["detail"]


async def test_media_types_fix_the_shape(client: httpx.AsyncClient, redis_url: str) -> None:
    await refused(
        client,
        redis_url,
        400,
        content=orjson.dumps([received()]),
        headers={**auth(), "Content-Type": "application/cloudevents+json"},
    )
    await refused(
        client,
        redis_url,
        400,
        content=orjson.dumps(received()),
        headers={**auth(), "Content-Type": "application/cloudevents-batch+json"},
    )
    ok = await client.post(
        "/v1/events",
        content=orjson.dumps(received()),
        headers={**auth(), "Content-Type": "application/cloudevents+json; charset=utf-8"},
    )
    assert ok.status_code == 202


@pytest.mark.parametrize(
    ("event", "fragment"),
    [
        ({**received(), "time": "2026-03-05T08:30:00"}, "time: must carry an explicit UTC offset"),
        ({**received(), "time": "2099-01-01T00:00:00Z"}, "more than 5 minutes in the future"),
        (received(due="2026-03-01T00:00:00+07:00"), "data.due:"),
        (received(unit="phuong-9"), "data.unit: 'phuong-9' is not a unit of the plan"),
        (received(channel="fax"), "data.channel: must be"),
        (received(colour="red"), "data.colour: is not a field of tthc.case.received data"),
        ({**received(), "id": ""}, "id: String should have at least 1 character"),
        ({**received(), "type": "tthc.case.lost"}, "type: must be one of"),
        (
            {
                **example_events()["tthc.case.paid"],
                "data": {"payment_id": "p", "channel": "offline", "amount": -5},
            },
            "data.amount: must be 0 or more",
        ),
        (
            {
                **example_events()["tthc.case.paid"],
                "data": {"payment_id": "p", "channel": "offline", "amount": 1.5},
            },
            "data.amount: must be a whole number",
        ),
    ],
)
async def test_each_rule_gets_422_with_a_useful_message(
    client: httpx.AsyncClient, redis_url: str, event: dict[str, Any], fragment: str
) -> None:
    body = await refused(client, redis_url, 422, json=[received(), event], headers=auth())
    assert body["error"] == "invalid_events"
    [item] = body["detail"]
    assert item["index"] == 1 and item["id"] == event["id"]
    assert any(fragment in e for e in item["errors"]), item["errors"]


async def test_every_invalid_event_is_listed(client: httpx.AsyncClient, redis_url: str) -> None:
    batch = [received() for _ in range(6)]
    batch[1]["time"] = "yesterday"
    batch[3] = "not an object"
    batch[4]["data"]["unit"] = "nowhere"
    body = await refused(client, redis_url, 422, json=batch, headers=auth())
    assert [(i["index"], i["id"]) for i in body["detail"]] == [
        (1, batch[1]["id"]),
        (3, None),
        (4, batch[4]["id"]),
    ]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Basic ZGVtbw=="},
        {"Authorization": "Bearer "},
    ],
)
async def test_missing_or_unknown_key(
    client: httpx.AsyncClient, redis_url: str, headers: dict[str, str]
) -> None:
    body = await refused(client, redis_url, 401, json=received(), headers=headers)
    assert body["error"] == "unauthorized"


async def test_foreign_source_and_unit_not_owned(client: httpx.AsyncClient, redis_url: str) -> None:
    body = await refused(
        client, redis_url, 403, json=[received(), {**received(), "source": "other"}], headers=auth()
    )
    assert (
        body["detail"][0]["index"] == 1
        and "is not the source of this API key" in body["detail"][0]["errors"][0]
    )
    own = {**received(), "source": "kt-system"}
    foreign_unit = {**received(unit="vpdkdd"), "source": "kt-system"}
    body = await refused(client, redis_url, 403, json=[own, foreign_unit], headers=auth(KT_KEY))
    assert "may not send for unit 'vpdkdd'" in body["detail"][0]["errors"][0]
    assert (await client.post("/v1/events", json=own, headers=auth(KT_KEY))).status_code == 202


async def test_extra_keys_may_send_for_every_unit(make_client: Any, redis_url: str) -> None:
    client = make_client(redis_url, {"secret-portal-key": "portal"})
    event = {**received(unit="thue10"), "source": "portal"}
    response = await client.post("/v1/events", json=event, headers=auth("secret-portal-key"))
    assert response.status_code == 202


async def test_too_many_events_and_too_large_a_body(client: httpx.AsyncClient, redis_url: str) -> None:
    body = await refused(client, redis_url, 413, json=[received()] * 5001, headers=auth())
    assert "at most 5000" in body["detail"]
    big = {**received(), "padding": "x" * (5 * 1024 * 1024)}
    body = await refused(client, redis_url, 413, json=big, headers=auth())
    assert body["error"] == "body_too_large"
    assert (await client.post("/v1/events", json=[received()] * 5000, headers=auth())).status_code == 202


async def test_redis_down_gives_503_and_publishes_nothing(
    make_client: Any, redis_server: RedisServer, redis_url: str
) -> None:
    client = make_client(redis_url)
    assert (await client.post("/v1/events", json=received(), headers=auth())).status_code == 202
    redis_server.stop()
    try:
        response = await client.post("/v1/events", json=[received()] * 10, headers=auth())
        assert response.status_code == 503
        assert response.json()["error"] == "redis_unavailable"
        assert (await client.get("/health")).status_code == 503
    finally:
        redis_server.start()
    assert xlen(redis_url) == 1
    assert (await client.get("/health")).json() == {"status": "ok", "redis": "ok"}


async def test_keys_never_appear_in_logs(
    client: httpx.AsyncClient, capfd: pytest.CaptureFixture[str]
) -> None:
    from tthc_contract.logs import configure_logging

    configure_logging("ingest", "DEBUG")
    await client.post("/v1/events", json=received(), headers=auth("very-secret-wrong-key"))
    await client.post("/v1/events", json=received(), headers=auth())
    out, err = capfd.readouterr()
    assert "very-secret-wrong-key" not in out + err and "demo-igate-key" not in out + err


async def test_openapi_documents_every_event_type(client: httpx.AsyncClient) -> None:
    assert (await client.get("/docs")).status_code == 200
    spec = (await client.get("/openapi.json")).json()
    examples = spec["paths"]["/v1/events"]["post"]["requestBody"]["content"]["application/cloudevents+json"][
        "examples"
    ]
    assert set(examples) == set(example_events())


async def test_answers_are_counted_for_the_operations_dashboard(
    client: httpx.AsyncClient, redis_url: str
) -> None:
    await client.post("/v1/events", json=[received(), received()], headers=auth())
    await client.post("/v1/events", json=received(), headers={"Authorization": "Bearer nope"})
    await client.post("/v1/events", json={**received(), "time": "soon"}, headers=auth())
    stats = redis.Redis.from_url(redis_url).hgetall("tthc:ingest:stats")
    assert stats == {b"202": b"1", b"events_accepted": b"2", b"401": b"1", b"422": b"1"}
