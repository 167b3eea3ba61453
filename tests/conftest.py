from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tthc_contract.plan import Plan, load_plan

from .servers import RedisServer

REPO = Path(__file__).resolve().parent.parent
PLAN_PATH = REPO / "deploy" / "plans" / "dong-phu-2026.yaml"
DEMO_KEY = "demo-igate-key"


@pytest.fixture(scope="session")
def plan() -> Plan:
    return load_plan(PLAN_PATH)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """A clean database of the session's Redis for each test."""
    if redis_server.process is None or redis_server.process.poll() is not None:
        redis_server.start()
    redis_server.client().flushall()
    return redis_server.url
