"""Migrations derived from the one current schema (``current.SCHEMA``), with a status.

- The primary tables (``events``, ``alert_changes``) are created when missing and never
  dropped. Their columns have not changed since the first release (a change to them would be
  a numbered step added here); a skip index declared on one later is added to an existing
  table and built for its rows (``_add_missing_indexes``).
- Every other object is derived, from the primary tables and the plan. Its DDL for the store's
  topology has a digest, recorded in ``schema_state`` when applied. When the recorded digest
  differs (a new release, or a store from before this scheme: ``schema_migrations`` of the
  numbered SQL files), the derived objects are dropped, created anew, and filled again from
  the stored events (``rebuild``): the facts by replaying ``events`` through ``events_incoming``,
  the state and the cells with the same SQL as the refresh after each batch.

Statements are idempotent, so an interrupted migration is simply run again at the next start.
On a cluster every statement is ``ON CLUSTER``, and the caller holds a lock so that one
instance migrates while the others wait (``startup``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tthc_contract.logs import get_logger

from .current import SCHEMA
from .objects import Feed, SchemaObject, Table, View
from .table_engines import Topology

log = get_logger("tthc.metrics.schema")
STATE = "schema_state"
LEGACY = ("schema_migrations", "ops_samples")
"""Objects of the numbered SQL migrations that the current schema has no use for."""


@dataclass(frozen=True)
class Status:
    wanted: str
    recorded: str | None
    legacy: bool
    missing: list[str]

    @property
    def current(self) -> bool:
        return self.recorded == self.wanted and not self.missing


def _state_ddl(topology: Topology) -> str:
    engine = (
        "MergeTree"
        if topology.kind != "cluster"
        else ("ReplicatedMergeTree('/clickhouse/tables/all/{database}/schema_state', '{replica}')")
    )
    return (
        f"CREATE TABLE IF NOT EXISTS {STATE}{topology.on_cluster} (digest String, applied_at DateTime64(3, 'UTC') "
        f"DEFAULT now64(3), note String) ENGINE = {engine} ORDER BY applied_at"
    )


def status(client: Any, topology: Topology) -> Status:
    database = str(client.command("SELECT currentDatabase()"))
    tables = {
        r[0]
        for r in client.query("SELECT name FROM system.tables WHERE database = currentDatabase()").result_rows
    }
    recorded = None
    if STATE in tables:
        rows = client.query(f"SELECT digest FROM {STATE} ORDER BY applied_at DESC LIMIT 1").result_rows
        recorded = rows[0][0] if rows else None
    wanted_names = [n for o in SCHEMA.objects for n in o.names(topology, database) if "." not in n]
    return Status(
        SCHEMA.digest(topology, database),
        recorded,
        "schema_migrations" in tables,
        [n for n in wanted_names if n not in tables],
    )


def migrate(client: Any, topology: Topology, rebuild: Callable[[Any, int], None]) -> list[str]:
    """Bring the store to the current schema; returns what was done, in words."""
    database = str(client.command("SELECT currentDatabase()"))
    client.command(_state_ddl(topology))
    now = status(client, topology)
    added = _add_missing_indexes(client, topology, database)
    if now.recorded == now.wanted:
        for statement in SCHEMA.statements(topology, database):
            client.command(statement)  # anything missing (a dropped object) comes back
        return added
    log.info("schema.rebuilding", recorded=now.recorded, wanted=now.wanted, legacy=now.legacy)
    _drop_derived(client, topology, database)
    feed = SCHEMA.objects[-1]
    for statement in [s for o in SCHEMA.objects[:-1] for s in o.statements(topology, database)]:
        client.command(statement)
    rebuild(client, _replay_events(client, topology))
    for statement in feed.statements(topology, database):
        client.command(statement)
    client.insert(
        STATE,
        [[now.wanted, f"rebuilt from {now.recorded or 'legacy' if now.legacy else 'nothing'}"]],
        column_names=["digest", "note"],
    )
    return [
        *added,
        f"derived objects rebuilt ({now.recorded or ('legacy schema' if now.legacy else 'new store')} -> {now.wanted})",
    ]


def _add_missing_indexes(client: Any, topology: Topology, database: str) -> list[str]:
    """The skip indexes a primary table of an earlier release lacks, added and built for the
    rows it holds (a mutation, in the background: until it has run, a part without the index
    is read whole). A table not created yet gets them from its ``CREATE``."""
    done = []
    for table in (t for t in SCHEMA.tables.values() if t.primary and t.engine.indexes):
        for name in table.storage_names(topology, database):
            if not int(client.command(f"EXISTS TABLE {name}")):
                continue
            db, _, bare = name.rpartition(".")
            present = _skip_indexes(client, db or database, bare)
            for index in table.engine.indexes:
                index_name = index.split()[1]
                if index_name not in present:
                    for statement in index_statements(name, index, topology):
                        client.command(statement)
                    log.info("schema.index_added", table=name, index=index_name)
                    done.append(f"index {index_name} added to {name}")
    return done


def index_statements(table: str, index: str, topology: Topology) -> list[str]:
    """Add ``index`` (``INDEX name expr TYPE t GRANULARITY g``) to ``table`` and build it for
    the rows it holds, in the background."""
    alter, name = f"ALTER TABLE {table}{topology.on_cluster}", index.split()[1]
    return [
        f"{alter} ADD {index.replace('INDEX', 'INDEX IF NOT EXISTS', 1)}",
        f"{alter} MATERIALIZE INDEX {name} SETTINGS mutations_sync = 0",
    ]


def _skip_indexes(client: Any, database: str, table: str) -> set[str]:
    rows = client.query(
        "SELECT name FROM system.data_skipping_indices WHERE database = {db:String} AND table = {t:String}",
        parameters={"db": database, "t": table},
    ).result_rows
    return {row[0] for row in rows}


def _drop_derived(client: Any, topology: Topology, database: str) -> None:
    on = topology.on_cluster
    order: list[SchemaObject] = [o for o in SCHEMA.objects if isinstance(o, Feed | View)]
    order += [o for o in SCHEMA.objects if isinstance(o, Table) and not o.primary]
    for obj in order:
        for name in obj.names(topology, database):
            client.command(f"DROP {'TABLE' if isinstance(obj, Table) else 'VIEW'} IF EXISTS {name}{on} SYNC")
    for name in (*LEGACY, "case_facts_mv", "feedback_facts_mv", "events_mv"):
        client.command(f"DROP TABLE IF EXISTS {name}{on} SYNC")
    # Route views of a sharded primary table are derived too (emulated shards).
    for table in (
        o for o in SCHEMA.objects if isinstance(o, Table) and o.primary and o.placement == "sharded"
    ):
        for name in table.names(topology, database):
            if "_route" in name:
                client.command(f"DROP TABLE IF EXISTS {name}{on} SYNC")


REPLAY_SLICES = 16


def _replay_events(client: Any, topology: Topology) -> int:
    """The stored events through ``events_incoming`` again (its raw-events view is not there yet):
    the facts are rebuilt, the events table is left as it was. Returns how many were replayed."""
    target = SCHEMA.insert_name("events_incoming", topology)
    total = int(client.command("SELECT count() FROM events"))
    for k in range(REPLAY_SLICES if total else 0):
        client.command(
            f"INSERT INTO {target} (stream_id, event, key, role) "
            f"SELECT stream_id, event, subject, 'event' FROM events WHERE cityHash64(id) % {REPLAY_SLICES} = {k}"
        )
        log.info("schema.replayed", slice=k + 1, of=REPLAY_SLICES, events=total)
    client.command(
        f"INSERT INTO {target} (stream_id, event, key, role) "
        "SELECT stream_id, event, JSONExtractString(event, 'data', 'case') AS case_code, 'link' FROM events "
        "WHERE type = 'tthc.feedback.received' AND case_code != ''"
    )
    return total
