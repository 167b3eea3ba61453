"""The ClickHouse adapter: connection, schema, plan tables and the writes.

The same SQL runs on the embedded engine (``chdb://``) and on a server (``http://``).
Calls are synchronous (clickhouse-connect, and chDB is in-process); the service runs
them in threads. Writes and reads use separate clients, so a long insert never holds
up an API query (chDB serializes calls per client, and releases the GIL while it works).
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from typing import Any

import clickhouse_connect
from clickhouse_connect.driver.exceptions import ClickHouseError, OperationalError

from tthc_contract.plan import Plan
from tthc_contract.streams import ALERT_FIELDS

from .observability import STORE_CALL_SECONDS
from .schema.current import PLAN_TABLES, SCHEMA
from .schema.migrate import migrate as migrate_schema
from .schema.plan_rows import plan_rows
from .schema.table_engines import SINGLE, Topology

ALERT_COLUMNS = ("stream_id", "changed_at", *ALERT_FIELDS)
EVENT_INSERT_SETTINGS = {
    # The event object arrives as the JSON text the views parse.
    "input_format_json_read_objects_as_strings": 1,
    # Rows of one case are folded by merges and by FINAL when read, not in the insert
    # itself: a fifth faster to insert, the same numbers.
    "optimize_on_insert": 0,
}
CLUSTER_INSERT = {"distributed_foreground_insert": 1}
"""On a cluster, an insert returns once every shard holds its rows (not queued on this node):
the stream entry is acknowledged after storing, so storing means stored."""
STORE_ERRORS: tuple[type[BaseException], ...] = (ClickHouseError, OSError)
"""What a failing or unreachable ClickHouse raises through clickhouse-connect."""


# ClickHouse error codes that mean "this data cannot be stored" rather than "not now":
# parse and conversion failures. Only these make the writer look for a poison row.
DATA_ERROR_CODES = frozenset({6, 25, 26, 27, 32, 38, 41, 53, 69, 70, 72, 117, 130, 131, 321, 407})


class StoreUnavailable(Exception):
    """ClickHouse could not be reached or refused the work."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        found = re.search(r"Code: (\d+)", message)
        self.code = int(found[1]) if found else None

    @property
    def data_error(self) -> bool:
        return self.code in DATA_ERROR_CODES


FINAL_IN_PARTITIONS = {"do_not_merge_across_partitions_select_final": 1}
"""``FINAL`` never merges across partitions: every partitioned table's key holds its day."""
BACKGROUND = {"max_threads": 1, "os_thread_priority": 10}
"""Background work (the rows Grafana reads) runs on one thread, at nice 10 (the engine sets the
threads executing the statement to it for its duration, and back after; raising a thread's nice
needs no privilege): a round never takes both cores of a small machine from the consumer and
the API, and yields the one it runs on to them."""


def role_settings(role: str, topology: Topology) -> dict[str, Any]:
    """Settings a client of ``role`` keeps for its whole life (set once: per-call settings cost
    the embedded engine three more calls each)."""
    if role == "write":
        return EVENT_INSERT_SETTINGS | (CLUSTER_INSERT if topology.kind == "cluster" else {})
    if role == "grafana_rows":
        return FINAL_IN_PARTITIONS | BACKGROUND
    return dict(FINAL_IN_PARTITIONS)


def connect(dsn: str, settings: dict[str, Any] | None = None) -> Any:
    timeouts: dict[str, Any] = (
        {} if dsn.startswith("chdb:") else {"connect_timeout": 5, "send_receive_timeout": 60}
    )
    try:
        return clickhouse_connect.get_client(dsn=dsn, settings=settings or {}, **timeouts)
    except STORE_ERRORS as exc:
        raise StoreUnavailable(f"cannot connect to ClickHouse ({_redact(dsn)}): {exc}") from exc


def _redact(dsn: str) -> str:
    if "@" not in dsn:
        return dsn
    scheme, _, rest = dsn.partition("://")
    return f"{scheme}://***@{rest.rpartition('@')[2]}"


def quote_name(name: str) -> str:
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"


def quote_text(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


READER_PROFILE = (
    "readonly = 1, max_execution_time = 60 CHANGEABLE_IN_READONLY, "
    "do_not_merge_across_partitions_select_final = 1"
)
"""Grafana's reads: read only; the plugin sets ``max_execution_time`` on every query (allowed);
the FINAL setting the metrics' reads keep."""


def reader_statements(user: str, password: str, database: str) -> list[str]:
    """The read-only user Grafana reads with: SELECT on the project's database, with the
    settings of ``READER_PROFILE``."""
    name, secret = quote_name(user), quote_text(password)
    return [
        f"CREATE SETTINGS PROFILE IF NOT EXISTS grafana_reader SETTINGS {READER_PROFILE}",
        f"ALTER SETTINGS PROFILE grafana_reader SETTINGS {READER_PROFILE}",
        f"CREATE USER IF NOT EXISTS {name} IDENTIFIED WITH sha256_password BY {secret} SETTINGS PROFILE grafana_reader",
        f"ALTER USER {name} IDENTIFIED WITH sha256_password BY {secret}",
        f"GRANT SELECT ON {quote_name(database)}.* TO {name}",
    ]


class Store:
    """Connects lazily and again after a failure, so an outage at start-up is survivable."""

    def __init__(self, dsn: str, topology: Topology = SINGLE) -> None:
        self.dsn = dsn
        self.topology = topology
        self.redacted = _redact(dsn)
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def insert_name(self, table: str) -> str:
        """Where rows of ``table`` are inserted for this store's topology."""
        return SCHEMA.insert_name(table, self.topology)

    def client(self, role: str = "write") -> Any:
        with self._lock:
            if role not in self._clients:
                self._clients[role] = connect(self.dsn, role_settings(role, self.topology))
            return self._clients[role]

    def reset(self, role: str | None = None) -> None:
        """Drop a client (or all) after a lost connection; the next call connects again."""
        with self._lock:
            for name in [role] if role else list(self._clients):
                client = self._clients.pop(name, None)
                if client is not None:
                    with contextlib.suppress(*STORE_ERRORS):
                        client.close()

    def call(self, role: str, work: Any) -> Any:
        """Run ``work(client)``; any ClickHouse or network failure becomes ``StoreUnavailable``."""
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            return work(self.client(role))
        except StoreUnavailable:
            raise
        except (OperationalError, OSError) as exc:
            self.reset(role)  # the connection is gone; a server error leaves it usable
            raise StoreUnavailable(str(exc)) from exc
        except STORE_ERRORS as exc:
            raise StoreUnavailable(str(exc)) from exc
        finally:
            STORE_CALL_SECONDS.labels(role, "wall").inc(time.perf_counter() - wall)
            STORE_CALL_SECONDS.labels(role, "cpu").inc(time.thread_time() - cpu)

    def ping(self) -> bool:
        try:
            # A client of its own: a long query on another never makes /health wait.
            return bool(self.call("health", lambda c: c.command("SELECT 1") == 1))
        except StoreUnavailable:
            return False

    def migrate(self) -> list[str]:
        """The current schema (``schema.migrate``), rebuilding the derived objects if need be."""
        from .rollups.rebuild import rebuild_all

        def work(client: Any) -> list[str]:
            return migrate_schema(client, self.topology, lambda c, n: rebuild_all(c, self.topology, n))

        return list(self.call("write", work))

    def ensure_reader(self, user: str, password: str) -> None:
        """Grafana's read-only user on a ClickHouse server, idempotently (an existing deployment
        gets it too, and a changed password is taken). The embedded engine has no users."""
        if self.dsn.startswith("chdb:"):
            return

        def work(client: Any) -> None:
            database = client.command("SELECT currentDatabase()")
            for statement in reader_statements(user, password, str(database)):
                client.command(statement)

        self.call("write", work)

    def tables(self) -> set[str]:
        sql = "SELECT name FROM system.tables WHERE database = currentDatabase()"
        return {row[0] for row in self.call("write", lambda c: c.query(sql).result_rows)}

    def sync_plan(self, plan: Plan) -> None:
        """Rewrite the plan's tables: unit tree, targets, periods, catalogue, scorecard items."""
        rows = plan_rows(plan)

        def work(client: Any) -> None:
            on = self.topology.on_cluster
            for table, table_rows in zip(PLAN_TABLES, rows, strict=True):
                columns = [c.split()[0] for c in table.columns]
                client.command(f"TRUNCATE TABLE {table.name}{on}")
                client.insert(table.name, table_rows, column_names=columns)

        self.call("write", work)

    def insert_rows(self, rows: list[bytes]) -> None:
        """Store events with one insert into ``events_incoming``: its views write the raw
        events and the facts. Writing a batch again after a crash changes nothing: every
        fact is an order-free aggregate (max, min, distinct set), and the counts take a
        raw row twice as one ``(source, id)``."""
        if rows:
            body = b"\n".join(rows)
            table = self.insert_name("events_incoming")
            self.call(
                "write",
                lambda c: c.raw_insert(table, ["stream_id", "event", "key", "role"], body, fmt="JSONEachRow"),
            )

    def insert_alert_changes(self, rows: list[list[Any]]) -> None:
        if rows:
            self.call("write", lambda c: c.insert("alert_changes", rows, column_names=list(ALERT_COLUMNS)))

    def close(self) -> None:
        self.reset()
