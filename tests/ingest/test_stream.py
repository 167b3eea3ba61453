"""What lands in tthc:events: order, format, signatures, and a consumer group reading it."""

from __future__ import annotations

import httpx
import orjson
import pytest
import redis

from tthc_contract.examples import example_events
from tthc_contract.signing import EntrySigner
from tthc_contract.streams import EVENT_FIELD, EVENTS

from .conftest import SIGNING_KEY, auth

pytestmark = pytest.mark.asyncio


async def test_a_batch_of_every_type_lands_in_order_for_a_consumer_group(
    client: httpx.AsyncClient, redis_url: str
) -> None:
    events = list(example_events().values())
    response = await client.post("/v1/events", json=events, headers=auth())
    assert response.json() == {"accepted": len(events)}
    r = redis.Redis.from_url(redis_url)
    r.xgroup_create(EVENTS, "reader", id="0")
    [(_, entries)] = r.xreadgroup("reader", "c1", {EVENTS: ">"})
    assert [orjson.loads(f[EVENT_FIELD])["id"] for _, f in entries] == [e["id"] for e in events]
    signer = EntrySigner(SIGNING_KEY)
    for (_, fields), sent in zip(entries, events, strict=True):
        opened = signer.open(fields)
        assert opened is not None, "ingest signs what it publishes"
        stored = orjson.loads(opened.event)
        assert {k: stored[k] for k in ("id", "source", "type", "subject")} == {
            k: sent[k] for k in ("id", "source", "type", "subject")
        }
    received = orjson.loads(entries[0][1][EVENT_FIELD])
    assert received["data"]["reused_data"] is True and received["data"]["fee"] is True


async def test_duplicates_are_accepted_for_downstream_dedup(
    client: httpx.AsyncClient, redis_url: str
) -> None:
    event = example_events()["tthc.case.synced"]
    for _ in range(2):
        assert (await client.post("/v1/events", json=event, headers=auth())).status_code == 202
    assert redis.Redis.from_url(redis_url).xlen(EVENTS) == 2


async def test_a_tampered_entry_does_not_open() -> None:
    signer = EntrySigner(SIGNING_KEY)
    fields = signer.entry(b"igate", b"e1", b'{"id":"e1"}')
    assert signer.open(fields) is not None
    assert signer.open({**fields, EVENT_FIELD: b'{"id":"e2"}'}) is None
    assert EntrySigner(b"another-key-0123456789").open(fields) is None
    assert signer.open({EVENT_FIELD: b"{}"}) is None
