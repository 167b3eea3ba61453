from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import redis.asyncio as aredis
import yaml

from tthc_contract.plan import Plan, parse_plan
from tthc_contract.signing import EntrySigner
from tthc_ingest.app import create_app
from tthc_ingest.keys import KeyRing, key_hash
from tthc_ingest.publisher import EventPublisher

from ..conftest import PLAN_PATH

SIGNING_KEY = b"test-signing-key-0123456789abcdef"
KT_KEY = "kt-system-key"
VPDKDD_KEY = "vpdkdd-system-key"


@pytest.fixture(scope="session")
def ingest_plan() -> Plan:
    """The shipped plan plus sources restricted to Phòng Kinh tế and to the land office."""
    data = yaml.safe_load(PLAN_PATH.read_text(encoding="utf-8"))
    data["sources"].append({"id": "kt-system", "key_sha256": key_hash(KT_KEY), "units": ["kt"]})
    data["sources"].append({"id": "vpdkdd-system", "key_sha256": key_hash(VPDKDD_KEY), "units": ["vpdkdd"]})
    return parse_plan(data)


@pytest.fixture
async def make_client(ingest_plan: Plan) -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    opened: list[tuple[httpx.AsyncClient, aredis.Redis]] = []

    def make(redis_url: str, extra_keys: dict[str, str] | None = None) -> httpx.AsyncClient:
        redis = aredis.Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=2)
        app = create_app(
            ingest_plan,
            KeyRing(ingest_plan, extra_keys or {}),
            EntrySigner(SIGNING_KEY),
            EventPublisher(redis),
        )
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ingest")
        opened.append((client, redis))
        return client

    yield make
    for client, redis in opened:
        await client.aclose()
        await redis.aclose()


@pytest.fixture
async def client(make_client: Callable[..., httpx.AsyncClient], redis_url: str) -> httpx.AsyncClient:
    return make_client(redis_url)


def auth(key: str = "demo-igate-key") -> dict[str, Any]:
    return {"Authorization": f"Bearer {key}"}
