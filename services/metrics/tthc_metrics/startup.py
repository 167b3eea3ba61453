"""Start-up of metrics: the store migrated and the plan loaded, or the reason why not yet.

Until ClickHouse takes the migrations and the plan, metrics neither reads the stream nor
says it is healthy (``/health`` answers 503 with the reason), and retries with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import redis.asyncio as aredis
from redis.exceptions import LockError

from tthc_contract.logs import get_logger
from tthc_contract.plan import Plan
from tthc_contract.redis_client import REDIS_ERRORS
from tthc_contract.tasks import cancelled

from .api import ApiState
from .seen import EventClaims
from .store import Store, StoreUnavailable

log = get_logger("tthc.metrics.startup")


LOST_STORE = (
    "ClickHouse holds no tthc tables while Redis remembers stored events (claims tthc:seen:*): "
    "the store was lost or replaced. Restore its data directory or volume; or, to store the whole "
    "stream again, delete the claims (redis-cli --scan --pattern 'tthc:seen:*' | xargs redis-cli del)"
)
HALF_STORE = "ClickHouse holds tthc tables but no schema_state table: refusing to migrate over them"


async def store_problem(store: Store, claims: EventClaims) -> str | None:
    """Why migrating would lose data: a store that came back empty (or half) while Redis
    remembers what it held. Creating empty tables then would skip every remembered event."""
    tables = await asyncio.to_thread(store.tables)
    if tables & {"schema_state", "schema_migrations"}:  # the current scheme, or the numbered files before it
        return None
    if tables & {"events", "case_facts", "feedback_facts"}:
        return HALF_STORE
    return LOST_STORE if await claims.remembers_any() else None


SCHEMA_LOCK = "tthc:schema:lock"
SCHEMA_LOCK_TTL_S = 15
"""Renewed every third of it while the holder works (migrations run off the event loop, so
renewal never waits for them): a holder that was killed frees the lock within 15 s."""


class Stopped(Exception):
    """Asked to stop while waiting for the schema lock."""


@contextlib.asynccontextmanager
async def schema_lock(redis: aredis.Redis, stop: asyncio.Event) -> AsyncIterator[None]:
    """One instance migrates at a time (the others wait, then find the schema current): on a
    cluster every statement is ON CLUSTER, and a rebuild must run once. Waiting ends when
    ``stop`` is set (``Stopped``)."""
    lock = redis.lock(SCHEMA_LOCK, timeout=SCHEMA_LOCK_TTL_S, sleep=0.5)
    while not await lock.acquire(blocking_timeout=1.0):
        if stop.is_set():
            raise Stopped

    async def renew() -> None:
        while True:
            await asyncio.sleep(SCHEMA_LOCK_TTL_S / 3)
            await lock.reacquire()

    renewing = asyncio.create_task(renew())
    try:
        yield
    finally:
        await cancelled(renewing)
        with contextlib.suppress(LockError, *REDIS_ERRORS):
            await lock.release()


async def prepare_store(
    store: Store,
    plan: Plan,
    stop: asyncio.Event,
    state: ApiState,
    claims: EventClaims,
    *,
    reader: tuple[str, str] | None = None,
) -> bool:
    """Migrate and load the plan, retrying until ClickHouse takes them; False if stopped first.

    Until then ``/health`` answers 503 with the reason (``state.starting``)."""
    delay = 0.5
    while not stop.is_set():
        try:
            problem = await store_problem(store, claims)
            if problem is None:
                state.starting = "applying migrations (another instance may hold the schema lock)"
                async with schema_lock(state.redis, stop):
                    applied = await asyncio.to_thread(store.migrate)
                    await asyncio.to_thread(store.sync_plan, plan)
                if reader is not None:
                    await asyncio.to_thread(store.ensure_reader, *reader)
        except Stopped:
            return False
        except (StoreUnavailable, *REDIS_ERRORS) as exc:
            problem = f"cannot apply the migrations: {str(exc)[:300]}"
        if problem is not None:
            state.starting = problem
            log.error("clickhouse.not_ready", problem=problem[:500], store=store.redacted, retry_in_s=delay)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await stop.wait()
            delay = min(delay * 2, 30.0)
            continue
        log.info("clickhouse.ready", store=store.redacted, migrations_applied=applied)
        state.starting = None
        return True
    return False
