from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis.asyncio as aredis
import structlog
from hypothesis import settings

from tthc_contract.plan import Plan, load_plan
from tthc_contract.redis_client import connect
from tthc_metrics.schema.current import PLAN_TABLES, SCHEMA
from tthc_metrics.store import Store

from .servers import Mailbox, RedisServer, WebhookSink

REPO = Path(__file__).resolve().parent.parent
PLAN_PATH = REPO / "deploy" / "plans" / "dong-phu-2026.yaml"
DEMO_KEY = "demo-igate-key"
DATA_TABLES = [
    name for name, t in SCHEMA.tables.items() if t not in PLAN_TABLES and t.engine.family != "Null"
]
QUIET_LIBRARIES = (
    "clickhouse_connect", "urllib3", "httpx", "httpcore", "faststream", "tthc.faststream", "uvicorn",
    "asyncio", "chdb", "redis", "mail.log", "niquests", "PIL",
)  # fmt: skip
"""Libraries the tests drive into warnings on purpose (a store stopped, a Redis killed: the
retries are expected): only their errors reach a test's captured log. Their debug and info
lines are kept out by ``log_level`` in pyproject.toml."""

settings.register_profile("tthc", deadline=None)
settings.load_profile("tthc")
"""No per-example deadline: speed is measured in ``tthc bench`` against a same-run baseline,
not in tests; the suite runs on three workers on two cores (``make unit``), so one example
may wait for the CPU while the other workers' tests hold it."""


@pytest.fixture(scope="session", autouse=True)
def quiet_libraries() -> None:
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.ERROR)


@pytest.fixture(autouse=True)
def logging_as_it_was() -> Iterator[None]:
    """A test that configures logging for the process (``configure_logging``, say at DEBUG)
    leaves it as it found it: otherwise every later test would print every library's debug
    lines through the services' handler. Restores the root logger (``setLevel`` also clears
    the loggers' cached levels) and structlog's configuration."""
    root = logging.getLogger()
    level, handlers = root.level, root.handlers[:]
    config, context = structlog.get_config(), structlog.contextvars.get_contextvars()
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.configure(**config)
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(**context)


@pytest.fixture(scope="session")
def plan() -> Plan:
    return load_plan(PLAN_PATH)


@pytest.fixture(scope="session")
def session_store(tmp_path_factory: pytest.TempPathFactory, plan: Plan) -> Iterator[Store]:
    """The process's one embedded engine (chDB hosts one data directory per process)."""
    store = Store("chdb://" + str(Path(tmp_path_factory.mktemp("chdb")).resolve()))
    store.migrate()
    store.sync_plan(plan)
    yield store
    store.close()


def empty_store(store: Store) -> None:
    """Empty what the tests write (the engine stays: chDB hosts one per process)."""
    for table in DATA_TABLES:
        store.call("write", lambda c, t=table: c.command(f"TRUNCATE TABLE {t}"))


async def start_afresh(store: Store, redis: aredis.Redis) -> None:
    """An empty store and an empty Redis database, within one test (hypothesis examples)."""
    empty_store(store)
    await redis.flushdb()


@pytest.fixture
def store(session_store: Store, plan: Plan) -> Store:
    empty_store(session_store)
    session_store.sync_plan(plan)
    return session_store


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


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[aredis.Redis]:
    """An async client (hiredis-packed, as the services use) on the clean test database."""
    client = connect(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def sink() -> Iterator[WebhookSink]:
    """An HTTP endpoint collecting what Alertmanager's webhooks POST to it."""
    s = WebhookSink()
    yield s
    s.close()


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    """A real SMTP server on localhost (aiosmtpd), keeping what it receives."""
    box = Mailbox()
    box.controller.start()
    yield box
    box.controller.stop()
