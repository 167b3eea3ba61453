"""What CloudEvents clients and API tools expect of ingest, and hostile input (issue 8, 6–7)."""

from __future__ import annotations

import asyncio
import copy
import gzip
import socket
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
import orjson
import pytest
import redis
import uvicorn
from cloudevents.core.bindings.http import to_binary_event, to_structured_event
from cloudevents.core.v1.event import CloudEvent

from tthc_contract import http_server
from tthc_contract.examples import example_events
from tthc_contract.http_server import server_config
from tthc_contract.streams import EVENTS
from tthc_ingest import body as body_module

from ..servers import free_port
from .conftest import auth

pytestmark = pytest.mark.asyncio
RECEIVED = example_events()["tthc.case.received"]


def stored(url: str) -> list[dict[str, Any]]:
    return [orjson.loads(f[b"event"]) for _, f in redis.Redis.from_url(url).xrange(EVENTS)]


def sdk_event(**overrides: Any) -> CloudEvent:
    """The example event as the official SDK (cloudevents 2.2) builds it."""
    attributes = {k: v for k, v in RECEIVED.items() if k not in ("data", "time")}
    attributes["time"] = datetime.fromisoformat(RECEIVED["time"])
    return CloudEvent(
        {**attributes, "datacontenttype": "application/json", **overrides}, copy.deepcopy(RECEIVED["data"])
    )


def to_binary(event: CloudEvent) -> tuple[dict[str, str], bytes]:
    message = to_binary_event(event)
    return dict(message.headers), message.body


def to_structured(event: CloudEvent) -> tuple[dict[str, str], bytes]:
    message = to_structured_event(event)
    return dict(message.headers), message.body


async def test_binary_content_mode_from_the_official_sdk(client: httpx.AsyncClient, redis_url: str) -> None:
    headers, data = to_binary(
        sdk_event(traceparent="00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    )
    response = await client.post("/v1/events", content=data, headers={**headers, **auth()})
    assert response.status_code == 202, response.text
    [event] = stored(redis_url)
    assert {k: event[k] for k in ("id", "source", "type", "subject")} == {
        k: RECEIVED[k] for k in ("id", "source", "type", "subject")
    }
    assert datetime.fromisoformat(event["time"]) == datetime.fromisoformat(RECEIVED["time"])
    assert event["data"]["unit"] == "kt" and event["data"]["fee"] is True
    assert event["datacontenttype"] == "application/json" and event["traceparent"].startswith("00-4bf9")


async def test_binary_mode_is_validated_like_structured(client: httpx.AsyncClient, redis_url: str) -> None:
    headers, data = to_binary(sdk_event())
    headers["ce-time"] = "2026-03-05T08:30:00"
    response = await client.post("/v1/events", content=data, headers={**headers, **auth()})
    assert response.status_code == 422
    assert "must carry an explicit UTC offset" in str(response.json()["detail"])
    headers, _ = to_binary(sdk_event())
    response = await client.post("/v1/events", content=b"{not json", headers={**headers, **auth()})
    assert response.status_code == 400 and "binary mode" in response.json()["detail"]
    assert stored(redis_url) == []


async def test_structured_mode_of_the_sdk_and_json_with_charset(
    client: httpx.AsyncClient, redis_url: str
) -> None:
    headers, data = to_structured(sdk_event(datacontenttype="application/json; charset=utf-8"))
    response = await client.post("/v1/events", content=data, headers={**headers, **auth()})
    assert response.status_code == 202, response.text
    assert stored(redis_url)[0]["datacontenttype"] == "application/json; charset=utf-8"


async def test_gzip_bodies_and_other_encodings(client: httpx.AsyncClient, redis_url: str) -> None:
    plain = orjson.dumps([RECEIVED])
    ok = await client.post(
        "/v1/events", content=gzip.compress(plain), headers={**auth(), "Content-Encoding": "gzip"}
    )
    assert ok.status_code == 202
    other = await client.post("/v1/events", content=plain, headers={**auth(), "Content-Encoding": "br"})
    assert other.status_code == 415 and "gzip" in other.json()["detail"]
    bomb = gzip.compress(b" " * (6 * 1024 * 1024))  # 6 KiB on the wire, 6 MiB once inflated
    assert len(bomb) < 64 * 1024
    big = await client.post("/v1/events", content=bomb, headers={**auth(), "Content-Encoding": "gzip"})
    assert big.status_code == 413
    broken = await client.post(
        "/v1/events", content=gzip.compress(plain)[:-9], headers={**auth(), "Content-Encoding": "gzip"}
    )
    assert broken.status_code == 400 and broken.json()["error"] == "invalid_gzip"
    assert len(stored(redis_url)) == 1


async def test_405_names_the_allowed_method(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/events")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json() == {"error": "method_not_allowed", "detail": "GET is not allowed here; use POST"}


@pytest.mark.parametrize("depth", [255, 300, 1000])
async def test_deeply_nested_extensions_are_refused_not_a_500(
    client: httpx.AsyncClient, redis_url: str, depth: int
) -> None:
    body = orjson.dumps(RECEIVED)[:-1] + b',"ext":' + b'{"a":' * depth + b'"x"' + b"}" * depth + b"}"
    response = await client.post("/v1/events", content=body, headers=auth())
    assert response.status_code == 422
    assert "must be a string, a boolean or an integer" in str(response.json()["detail"])
    deeper = b'{"ext":' * 1100 + b"1" + b"}" * 1100
    assert (await client.post("/v1/events", content=deeper, headers=auth())).status_code == 400
    assert stored(redis_url) == []


async def test_a_control_character_cannot_merge_two_identities(
    client: httpx.AsyncClient, redis_url: str
) -> None:
    sneaky = {**RECEIVED, "id": "igate-000001\x1figate"}
    response = await client.post("/v1/events", json=sneaky, headers=auth())
    assert response.status_code == 422 and "control characters" in str(response.json()["detail"])
    assert stored(redis_url) == []


@pytest.fixture
async def live_ingest(make_client: Any, redis_url: str) -> AsyncIterator[str]:
    """ingest's app behind a real uvicorn server (the bounded protocol) in this process."""
    asgi = make_client(redis_url)._transport.app
    port = free_port()
    server = uvicorn.Server(server_config(asgi, "127.0.0.1", port))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


async def test_a_client_sending_too_much_at_once_reads_the_413(live_ingest: str) -> None:
    request = urllib.request.Request(
        live_ingest + "/v1/events",
        data=b"[" + b" " * (6 * 1024 * 1024) + b"]",
        headers={**auth(), "Content-Type": "application/json"},
    )

    def send() -> tuple[int, dict[str, Any]]:
        try:
            urllib.request.urlopen(request, timeout=30)
        except urllib.error.HTTPError as exc:
            return exc.code, orjson.loads(exc.read())
        raise AssertionError("accepted a 6 MiB body")

    status, body = await asyncio.to_thread(send)
    assert status == 413 and body["error"] == "body_too_large"


def _raw_exchange(url: str, data: bytes, wait_s: float) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=wait_s) as conn:
        conn.sendall(data)
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
        return received


async def test_slow_headers_and_slow_bodies_are_cut_off(
    live_ingest: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http_server, "HEADER_TIMEOUT_S", 0.5)
    monkeypatch.setattr(body_module, "BODY_TIMEOUT_S", 0.5)
    answer = await asyncio.to_thread(
        _raw_exchange, live_ingest, b"POST /v1/events HTTP/1.1\r\nHost: x\r\n", 5
    )
    assert answer.startswith(b"HTTP/1.1 408") and b"headers did not arrive within 0.5 s" in answer
    silent = await asyncio.to_thread(_raw_exchange, live_ingest, b"", 5)
    assert silent.startswith(b"HTTP/1.1 408")
    head = "POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer demo-igate-key\r\nContent-Length: 500\r\n\r\n"
    answer = await asyncio.to_thread(_raw_exchange, live_ingest, head.encode() + b"[{", 5)
    assert b" 408 " in answer.split(b"\r\n")[0] and b"did not arrive within 0.5 s" in answer
