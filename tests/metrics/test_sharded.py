"""The cluster variant of the schema, proven without a cluster: K shards emulated as K databases
in the embedded engine (each row routed by the sharding key a Distributed table applies, read
through the Merge engine with FINAL per shard). On Hypothesis histories every indicator,
Biểu 06 and scorecard number equals the single-node answer (issue: past one machine)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import redis.asyncio as aredis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tthc_contract.periods import parse_period
from tthc_contract.plan import Plan
from tthc_metrics import reads
from tthc_metrics.reports.figures import bieu06_rows
from tthc_metrics.schema.table_engines import Topology
from tthc_metrics.scorecard.service import scorecard
from tthc_metrics.store import Store

from ..conftest import DATA_TABLES, start_afresh
from .conftest import make_writer
from .test_indicators import BASE, histories, store_events

pytestmark = pytest.mark.asyncio
SHARDS = 3
DATABASES = itertools.count()


@pytest.fixture(scope="module")
def sharded(session_store: Store, plan: Plan) -> Iterator[Store]:
    name = f"sharded_{next(DATABASES)}"
    session_store.call("write", lambda c: c.command(f"CREATE DATABASE {name}"))
    store = Store(f"{session_store.dsn}?database={name}", Topology("shards", shards=SHARDS))
    store.migrate()
    store.sync_plan(plan)
    yield store
    store.close()


def empty(store: Store) -> None:
    for table in DATA_TABLES:
        for name in store_tables(store, table):
            store.call("write", lambda c, t=name: c.command(f"TRUNCATE TABLE {t}"))


def store_tables(store: Store, table: str) -> list[str]:
    """The tables that hold ``table``'s rows: one per shard when it is sharded."""
    from tthc_metrics.schema.current import SCHEMA

    if SCHEMA.tables[table].placement != "sharded":
        return [table]
    database = store.call("read", lambda c: c.command("SELECT currentDatabase()"))
    return [f"{database}_shard_{k}.{table}" for k in range(SHARDS)]


def numbers(store: Store, plan: Plan, at: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for unit in ("dong-phu", "kt", "vhxh"):
        for code in ("2026-03", "2026-Q1", "2026"):
            out[f"counts {unit} {code}"] = reads.counts(store, plan.descendants(unit), parse_period(code), at)
        out[f"scorecard {unit}"] = scorecard(store, plan, unit, parse_period("2026-03"), at).model_dump()
        start, end = parse_period("2026-03").bounds()
        out[f"bieu06 {unit}"] = sorted(
            map(str, bieu06_rows(store, plan.descendants(unit), start, min(end, at)))
        )
    out["by unit"] = reads.counts_by_unit(store, plan, [parse_period("2026-03")], at)
    return out


@given(histories(), st.integers(1, 3), st.integers(0, 24 * 40))
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
async def test_every_number_of_the_sharded_store_is_the_single_nodes(
    session_store: Store, sharded: Store, redis: aredis.Redis, plan: Plan, events: list[dict[str, Any]],
    batches: int, hours: int,
) -> None:  # fmt: skip
    at = BASE + timedelta(hours=hours)
    await start_afresh(session_store, redis)
    await store_events(make_writer(session_store, redis, plan), events, batches)
    single = numbers(session_store, plan, at)
    empty(sharded)
    await redis.flushdb()  # the claims: the same events, stored again into the other store
    await store_events(make_writer(sharded, redis, plan), events, batches)
    assert numbers(sharded, plan, at) == single


async def test_rows_land_on_the_shard_of_their_key(sharded: Store, redis: aredis.Redis, plan: Plan) -> None:
    from .events import feedback, received, t

    empty(sharded)
    await redis.flushdb()
    events = [received(f"C{i}", t("2026-03-02 08:00")) for i in range(30)]
    events.append(feedback("F1", t("2026-03-03 08:00"), "kt", t("2026-03-05 08:00"), case="C7"))
    await store_events(make_writer(sharded, redis, plan), events)
    per_shard = [
        sharded.call("read", lambda c, n=name: int(c.command(f"SELECT count() FROM {n} FINAL")))
        for name in store_tables(sharded, "case_facts")
    ]
    assert sum(per_shard) == 30 and all(n > 0 for n in per_shard), per_shard
    where = [
        sharded.call("read", lambda c, n=name: int(c.command(f"SELECT count() FROM {n} FINAL WHERE case_code = 'C7' AND has_feedback")))
        for name in store_tables(sharded, "case_facts")
    ]  # fmt: skip
    home = [
        sharded.call("read", lambda c, n=name: int(c.command(f"SELECT count() FROM {n} FINAL WHERE case_code = 'C7'")))
        for name in store_tables(sharded, "case_facts")
    ]  # fmt: skip
    assert where == home and sum(where) == 1, "the feedback's link row reached the case's own shard"
