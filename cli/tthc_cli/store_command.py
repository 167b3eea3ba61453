"""``tthc store``: the ClickHouse store's schema and its data, moved between topologies.

- ``tthc store status``: the schema's digest, what the store records, what is missing.
- ``tthc store sql [--cluster NAME]``: every statement of the current schema for a topology
  (``--cluster``: ON CLUSTER, Replicated engines under ``{shard}``/``{replica}``, Distributed
  tables sharded by ``cityHash64`` of the case or feedback code), to review or apply by hand.
- ``tthc store export FILE``: every stored event, as JSON lines (gzip when FILE ends in ``.gz``).
- ``tthc store import FILE``: those events into the store ``TTHC_CLICKHOUSE_URL`` names (for
  instance a cluster), through the same ingestion table as the writer, then the state and the
  cells rebuilt from the facts. Importing twice changes nothing (events are identified by
  source and id, facts are order-free aggregates).
- ``tthc store rebuild``: the state and the cells rebuilt from the facts already stored (a
  repair: every number recounted from what is stored, nothing else changes).

The embedded engine hosts one process per data directory: stop metrics before ``export``,
``import`` or ``rebuild``. On a server they may run beside metrics: the rebuild then holds the
rollups' lease in Redis (``TTHC_REDIS_URL`` or the sentinels), so refreshes wait for it and
write after it.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import orjson
from tqdm import tqdm

from tthc_contract.logs import configure_logging
from tthc_contract.settings import Settings

CHUNK = 10_000


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["status", "sql", "export", "import", "rebuild"])
    p.add_argument("file", nargs="?", help="export/import: the events file (.jsonl or .jsonl.gz)")
    p.add_argument("--cluster", help="sql: the cluster's name (ON CLUSTER); default: this store's topology")
    p.add_argument("--database", default="tthc", help="sql: the database the statements are for")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from tthc_contract.redis_client import REDIS_ERRORS
    from tthc_metrics.schema.table_engines import topology_of
    from tthc_metrics.store import Store, StoreUnavailable

    if args.action == "sql":
        return _sql(args)
    if args.action in ("export", "import") and not args.file:
        print(f"tthc store {args.action}: name the events file", file=sys.stderr)
        return 2
    settings = Settings()
    configure_logging("store", settings.log_level, settings.log_format)  # on stderr, beside the progress
    store = Store(settings.clickhouse_dsn, topology_of(settings.clickhouse_cluster))
    try:
        actions = {"status": _status, "export": _export, "import": _import, "rebuild": _rebuild}
        return actions[args.action](store, args)
    except StoreUnavailable as exc:
        print(f"tthc store: {exc}", file=sys.stderr)
        return 1
    except REDIS_ERRORS as exc:
        print(f"tthc store: Redis, which holds the rollups' lease, cannot be reached: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()


def _sql(args: argparse.Namespace) -> int:
    from tthc_metrics.schema.current import SCHEMA
    from tthc_metrics.schema.table_engines import topology_of

    topology = topology_of(args.cluster or Settings().clickhouse_cluster)
    for statement in SCHEMA.statements(topology, args.database):
        print(f"{statement};\n")
    return 0


def _status(store: Any, _: argparse.Namespace) -> int:
    from tthc_metrics.schema.migrate import status

    now = store.call("write", lambda c: status(c, store.topology))
    print(
        f"topology: {store.topology.kind}   schema wanted: {now.wanted}   recorded: {now.recorded or 'none'}"
    )
    print(f"numbered migrations of an earlier release: {'yes' if now.legacy else 'no'}")
    print("missing: " + (", ".join(now.missing) or "nothing"))
    print("current" if now.current else "not current: metrics migrates it at its next start")
    return 0


def _open(path: Path, mode: str) -> IO[bytes]:
    return gzip.open(path, mode) if path.suffix == ".gz" else path.open(mode)  # type: ignore[return-value]


def _export(store: Any, args: argparse.Namespace) -> int:
    """Each event once (``FINAL`` folds a row written twice), streamed in one query."""
    total = _stored(store)
    sql = "SELECT stream_id, event FROM events FINAL"
    with _open(Path(args.file), "wb") as out, tqdm(total=total, unit="ev", desc="export") as bar:

        def work(client: Any) -> None:
            with client.raw_stream(sql, fmt="JSONEachRow") as stream:
                for chunk in stream:
                    out.write(chunk)
                    bar.update(chunk.count(b"\n"))

        store.call("read", work)
    print(f"exported {total:,} events to {args.file}")
    return 0


def _lines(path: Path) -> Iterator[bytes]:
    with _open(path, "rb") as source:
        yield from (line for line in source if line.strip())


def _import(store: Any, args: argparse.Namespace) -> int:
    from tthc_metrics.entries import item_of, rows_of

    store.migrate()
    batch: list[bytes] = []
    count = 0
    for line in tqdm(_lines(Path(args.file)), unit="ev", desc="import"):
        entry = orjson.loads(line)
        event = entry["event"].encode() if isinstance(entry["event"], str) else orjson.dumps(entry["event"])
        batch.append(rows_of(entry["stream_id"].encode(), event, item_of(event)))
        count += 1
        if len(batch) >= CHUNK:
            store.insert_rows(batch)
            batch = []
    store.insert_rows(batch)
    _rebuild_rollups(store, count)
    print(f"imported {count:,} events; the state and the cells are rebuilt")
    return 0


def _rebuild(store: Any, _: argparse.Namespace) -> int:
    store.migrate()
    count = _stored(store)
    _rebuild_rollups(store, count)
    print(f"rebuilt the state and the cells from the {count:,} events stored")
    return 0


def _stored(store: Any) -> int:
    return int(store.call("read", lambda c: c.command("SELECT uniqExact(source, id) FROM events")))


def _rebuild_rollups(store: Any, events: int) -> None:
    """The state and the cells from the facts, with a progress bar; under the rollups' lease
    when the store is a server (metrics may be running beside this command)."""
    from tthc_contract.redis_client import connect_settings
    from tthc_metrics.rollups.rebuild import rebuild_all, rebuild_under_lease

    with tqdm(unit="step", desc="rebuild") as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        if store.dsn.startswith("chdb:"):
            store.call("write", lambda c: rebuild_all(c, store.topology, events, progress=progress))
            return

        async def leased() -> None:
            redis = connect_settings(Settings())
            try:
                await rebuild_under_lease(store, redis, events, progress)
            finally:
                await redis.aclose()

        asyncio.run(leased())
