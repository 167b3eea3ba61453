"""The one schema definition and the migrations derived from it: an upgrade from the numbered SQL
files of earlier releases, a rebuild when a definition changes, and the status; the state and the
cells rebuilt from the facts on demand (``tthc store rebuild``). Each store is its own database
in the session's embedded engine (chDB hosts one engine per process)."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import clickhouse_connect
import orjson
import pytest

from tthc_contract.events import canonical_json
from tthc_contract.periods import LOCAL_TZ, parse_period
from tthc_contract.plan import Plan
from tthc_metrics import reads
from tthc_metrics.entries import item_of, rows_of
from tthc_metrics.schema.current import SCHEMA
from tthc_metrics.schema.migrate import STATE, index_statements, status
from tthc_metrics.schema.table_engines import SINGLE, Topology
from tthc_metrics.store import Store

from . import oracle
from .events import feedback, feedback_rated, paid, received, rescheduled, resolved, synced, t

LEGACY = Path(__file__).with_name("legacy_schema")
DATABASES = itertools.count()
AT = datetime(2026, 3, 20, 12, 0, tzinfo=LOCAL_TZ)


def history() -> list[dict[str, Any]]:
    return [
        received("C1", t("2026-03-02 08:00"), fee=True, citizen_data=True),
        paid("C1", t("2026-03-02 09:00"), "P1", "local_gateway"),
        synced("C1", t("2026-03-02 10:00")),
        resolved("C1", t("2026-03-04 10:00")),
        received("C2", t("2026-03-05 08:00"), unit="vp", channel="in_person"),
        rescheduled("C2", t("2026-03-06 08:00"), t("2026-03-30 17:00")),
        received("C2", t("2026-03-05 08:00"), unit="kt", channel="in_person"),  # a correction: moves it
        feedback("F1", t("2026-03-07 08:00"), "kt", t("2026-03-09 17:00"), case="C2"),
        feedback_rated("F1", t("2026-03-10 08:00"), False),
        received("C3", t("2026-02-27 08:00")),
    ]


def as_rows(events: list[dict[str, Any]]) -> bytes:
    return b"\n".join(
        orjson.dumps({"stream_id": f"{n + 1}-0", "event": canonical_json(e).decode()})
        for n, e in enumerate(events)
    )


@pytest.fixture
def database(session_store: Store) -> Iterator[str]:
    """A new, empty database in the session's engine; its DSN."""
    name = f"upgrade_{next(DATABASES)}"
    session_store.call("write", lambda c: c.command(f"CREATE DATABASE {name}"))
    yield f"{session_store.dsn}?database={name}"
    session_store.call("write", lambda c: c.command(f"DROP DATABASE {name} SYNC"))


def legacy_statements() -> list[str]:
    out = []
    for path in sorted(LEGACY.glob("*.sql")):
        lines = [line for line in path.read_text().splitlines() if not line.lstrip().startswith("--")]
        out += [p.strip() for p in re.split(r";\s*$", "\n".join(lines), flags=re.MULTILINE) if p.strip()]
    return out


def every_count(store: Store, plan: Plan, events: list[dict[str, Any]]) -> None:
    for unit in ("dong-phu", "kt", "vp"):
        for period in ("2026-02", "2026-03", "2026-Q1"):
            span = parse_period(period)
            got = reads.counts(store, plan.descendants(unit), span, AT)
            assert got == oracle.count(events, plan, unit, span, AT), (unit, period)


def test_an_upgrade_from_the_numbered_migrations_keeps_every_event(database: str, plan: Plan) -> None:
    legacy = clickhouse_connect.get_client(dsn=database)
    for statement in legacy_statements():
        legacy.command(statement)
    legacy.command(
        "CREATE TABLE schema_migrations (version UInt32, name String, applied_at DateTime64(3, 'UTC') "
        "DEFAULT now64(3)) ENGINE = MergeTree ORDER BY version"
    )  # as the numbered migrations' runner made it
    legacy.command("INSERT INTO schema_migrations (version, name) VALUES (8, 'operations_in_prometheus')")
    events = history()
    legacy.raw_insert("events_incoming", ["stream_id", "event"], as_rows(events), fmt="JSONEachRow",
                      settings={"input_format_json_read_objects_as_strings": 1})  # fmt: skip
    store = Store(database)
    before = status(store.client(), SINGLE)
    assert before.legacy and before.recorded is None and not before.current
    assert store.migrate() != []
    store.sync_plan(plan)
    assert status(store.client(), SINGLE).current and store.migrate() == [], "a second start changes nothing"
    assert reads.events_stored(store) == len(events)
    every_count(store, plan, events)
    store.close()


def test_a_changed_definition_rebuilds_the_derived_objects(database: str, plan: Plan) -> None:
    store = Store(database)
    store.migrate()
    store.sync_plan(plan)
    events = history()
    store.insert_rows(
        [b'{"stream_id":"%d-0","event":%s,"key":"%s","role":"event"}' % (n, canonical_json(e), e["subject"].encode())
         for n, e in enumerate(events, 1)]
    )  # fmt: skip
    store.call("write", lambda c: c.command(f"INSERT INTO {STATE} (digest, note) VALUES ('0000', 'older')"))
    assert not status(store.client(), SINGLE).current
    assert store.migrate() != [] and status(store.client(), SINGLE).current
    store.sync_plan(plan)
    every_count(store, plan, events)
    store.close()


def test_every_statement_of_the_cluster_variant_parses(session_store: Store) -> None:
    cluster = Topology("cluster", cluster="tthc")
    statements = SCHEMA.statements(cluster, "tthc")
    events = SCHEMA.tables["events"]
    statements += [
        s
        for name in events.storage_names(cluster, "tthc")
        for index in events.engine.indexes
        for s in index_statements(name, index, cluster)
    ]
    for statement in statements:
        formatted = session_store.call(
            "read",
            lambda c, s=statement: c.query("SELECT formatQuery({q:String})", parameters={"q": s}).first_row[
                0
            ],
        )
        assert " ON CLUSTER tthc" in formatted, statement
    engines = "\n".join(statements)
    assert engines.count("Distributed(tthc, currentDatabase()") == sum(
        1 for t in SCHEMA.tables.values() if t.placement == "sharded"
    )
    assert (
        "ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/case_facts_local', '{replica}')"
        in engines
    )
    assert (
        "ReplicatedReplacingMergeTree('/clickhouse/tables/all/{database}/case_cells_month', '{replica}', version)"
        in engines
    )
    assert "cityHash64(case_code)" in engines and "cityHash64(feedback_code)" in engines
    assert (
        "CREATE MATERIALIZED VIEW IF NOT EXISTS case_facts_mv_local ON CLUSTER tthc TO case_facts_local"
        in engines
    )


def stored_uncounted(database: str, plan: Plan) -> tuple[Store, list[dict[str, Any]]]:
    """A store whose facts hold the history but whose state and cells were never refreshed (as
    when a batch was stored and its refresh missed items): nothing of it counted yet."""
    store = Store(database)
    store.migrate()
    store.sync_plan(plan)
    events = history()
    store.insert_rows(
        [rows_of(b"%d-0" % n, canonical_json(e), item_of(canonical_json(e))) for n, e in enumerate(events, 1)]
    )
    span = parse_period("2026-03")
    assert reads.counts(store, plan.descendants("dong-phu"), span, AT) != oracle.count(
        events, plan, "dong-phu", span, AT
    ), "the facts are stored, the counts are not"
    return store, events


def test_a_rebuild_counts_every_stored_fact_and_reports_its_progress(database: str, plan: Plan) -> None:
    from tthc_metrics.rollups.rebuild import SLICES, rebuild_all

    store, events = stored_uncounted(database, plan)
    steps: list[tuple[int, int]] = []
    store.call("write", lambda c: rebuild_all(c, SINGLE, len(events), progress=lambda *s: steps.append(s)))
    every_count(store, plan, events)
    months = 2 + 1  # the cases' months (2026-02, 2026-03), the feedback's (2026-03)
    total = 2 * SLICES + 2 * months
    assert [done for done, _ in steps] == list(range(1, 2 * SLICES + 1)) + list(
        range(2 * SLICES + 2, total + 1, 2)
    )
    assert steps[-1] == (total, total) and all(t <= total for _, t in steps)
    store.call("write", lambda c: rebuild_all(c, SINGLE, len(events)))
    every_count(store, plan, events)  # a second rebuild changes nothing
    store.close()


def test_a_rebuild_empties_the_cells_an_uncounted_correction_left(database: str, plan: Plan) -> None:
    """A correction stored but never counted (it moved C2 from vp to kt): the cell of vp still
    counts C2 until the rebuild, which must empty it, not only count C2 in kt."""
    from tthc_metrics.rollups.rebuild import rebuild_all

    store = Store(database)
    store.migrate()
    store.sync_plan(plan)
    events = history()
    correction = next(
        n for n, e in enumerate(events) if e["subject"] == "C2" and e["data"].get("unit") == "kt"
    )
    rows = [
        rows_of(b"%d-0" % n, canonical_json(e), item_of(canonical_json(e))) for n, e in enumerate(events, 1)
    ]
    store.insert_rows(rows[:correction])
    store.call("write", lambda c: rebuild_all(c, SINGLE, correction))
    every_count(store, plan, events[:correction])
    store.insert_rows(rows[correction:])  # stored, not counted
    store.call("write", lambda c: rebuild_all(c, SINGLE, len(events)))
    every_count(store, plan, events)
    store.close()


async def test_a_rebuild_beside_metrics_waits_for_the_refresh_and_writes_above_it(
    database: str, plan: Plan, redis: Any
) -> None:
    """On a server ``tthc store rebuild`` may run beside metrics: it takes the rollups' lease,
    so it starts once the running refresh is done, and its version is above that refresh's."""
    import asyncio

    from tthc_metrics.rollups.lease import RefreshLease
    from tthc_metrics.rollups.rebuild import rebuild_under_lease

    store, events = stored_uncounted(database, plan)
    steps: list[tuple[int, int]] = []
    async with RefreshLease(redis).held() as refresh:
        rebuild = asyncio.create_task(
            rebuild_under_lease(store, redis, len(events), lambda *s: steps.append(s))
        )
        await asyncio.sleep(0.5)
        assert not steps and not rebuild.done(), "the rebuild waits while a refresh holds the lease"
    version = await asyncio.wait_for(rebuild, 60)
    assert steps and version > refresh.version
    every_count(store, plan, events)
    written = store.call("read", lambda c: c.command("SELECT max(version) FROM case_state"))
    assert int(written) == version
    store.close()


async def test_one_instance_migrates_at_a_time(redis: Any) -> None:
    """Two starts at once: the second waits for the first's lock (a cluster's schema is ON
    CLUSTER and a rebuild must run once)."""
    import asyncio

    from tthc_metrics.startup import schema_lock

    order: list[str] = []
    stop = asyncio.Event()

    async def start(name: str, hold_s: float) -> None:
        async with schema_lock(redis, stop):
            order.append(f"{name} in")
            await asyncio.sleep(hold_s)
            order.append(f"{name} out")

    started = time.monotonic()
    first = asyncio.create_task(start("first", 0.5))
    await asyncio.sleep(0.1)
    await asyncio.gather(first, start("second", 0))
    assert order == ["first in", "first out", "second in", "second out"]
    assert time.monotonic() - started < 10, "released at once, not when the lock expires"


async def test_a_killed_migrator_frees_the_schema_lock_and_a_waiter_can_be_stopped(redis: Any) -> None:
    """A holder that died (its lock left in Redis, never renewed) delays the next start by
    the lock's TTL at most; a process stopped while it waits stops at once."""
    import asyncio

    from tthc_metrics.startup import SCHEMA_LOCK, SCHEMA_LOCK_TTL_S, Stopped, schema_lock

    left_s = 2.0  # what was left of the killed holder's TTL (at most SCHEMA_LOCK_TTL_S)
    await redis.set(SCHEMA_LOCK, b"a-killed-instance", px=int(left_s * 1000))
    stop = asyncio.Event()
    waiting = asyncio.create_task(schema_lock(redis, stop).__aenter__())
    await asyncio.sleep(0.5)
    assert not waiting.done()
    stop.set()
    with pytest.raises(Stopped):
        await asyncio.wait_for(waiting, 3)
    started = time.monotonic()
    async with schema_lock(redis, asyncio.Event()):
        waited = time.monotonic() - started
    assert 0 < waited <= left_s + 1.5 and left_s <= SCHEMA_LOCK_TTL_S


def stored_batches(client: Any, *stored_at: str) -> None:
    """The history stored once at each instant, each a part of its own (merges stopped)."""
    client.command("SYSTEM STOP MERGES events")
    for at in stored_at:
        rows = [{"stream_id": f"{at}-{n}", "event": canonical_json(e).decode(), "stored_at": at}
                for n, e in enumerate(history())]  # fmt: skip
        client.raw_insert("events", ["stream_id", "event", "stored_at"],
                          b"\n".join(orjson.dumps(r) for r in rows), fmt="JSONEachRow")  # fmt: skip


def parts_read(client: Any, since: str) -> str:
    """What the ``stored_at`` index leaves of the parts, for the events stored since ``since``
    (the index alone: not the per-part statistics this engine also keeps, which the
    ClickHouse server of the compose file, 24.12, does not)."""
    text = "\n".join(
        row[0]
        for row in client.query(
            f"EXPLAIN indexes = 1 SELECT count() FROM events WHERE stored_at >= toDateTime('{since}', 'UTC') "
            "SETTINGS use_statistics_for_part_pruning = 0"
        ).result_rows
    )
    return re.findall(r"Parts: (\d+/\d+)", text[text.index("Name: stored_idx") :])[0]


def test_the_events_stored_in_a_time_range_skip_the_parts_stored_before_it(database: str) -> None:
    """The operations dashboard counts the events stored in its time range: a part stored
    before the range is skipped, whatever the history holds."""
    store = Store(database)
    store.migrate()
    client = store.client()
    stored_batches(client, "2026-01-05 08:00:00", "2026-03-20 08:00:00")
    assert parts_read(client, "2026-03-20 00:00:00") == "1/2"
    assert client.command(
        "SELECT count() FROM events WHERE stored_at >= toDateTime('2026-03-20 00:00:00', 'UTC')"
    ) == len(history())
    store.close()


def test_an_events_table_of_an_earlier_release_gets_the_index_built_for_its_rows(database: str) -> None:
    store = Store(database)
    store.migrate()
    client = store.client()
    client.command("ALTER TABLE events DROP INDEX stored_idx")  # as a release before it created it
    stored_batches(client, "2026-01-05 08:00:00")
    client.command("SYSTEM START MERGES events")
    assert store.migrate() == ["index stored_idx added to events"]
    assert store.migrate() == [], "a second start changes nothing"
    deadline = time.monotonic() + 30
    while int(
        client.command(
            "SELECT count() FROM system.mutations WHERE database = currentDatabase() AND NOT is_done"
        )
    ):
        assert time.monotonic() < deadline, "the index is built for the rows already stored"
        time.sleep(0.05)
    assert parts_read(client, "2026-03-20 00:00:00") == "0/1", "the part stored before the range is skipped"
    store.close()
