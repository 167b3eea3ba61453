"""Table engines, rendered for the store's topology (in the manner of snuba's ``table_engines``).

One definition of each table renders three ways:

- ``single``: one server, or the embedded engine: the table as defined.
- ``cluster``: a ClickHouse cluster (``TTHC_CLICKHOUSE_CLUSTER``): every statement ``ON CLUSTER``;
  a *sharded* table becomes ``<name>_local`` with the ``Replicated`` engine under the
  ``{shard}``/``{replica}`` macros, and ``<name>`` a ``Distributed`` table over it, sharded by
  ``cityHash64`` of its key (a case code, or a feedback code), so every row of a case lands on
  one shard and ``FINAL`` stays correct per shard; a *global* table (the rollups, the plan's
  tables) is replicated to every node (one Keeper path for all shards).
- ``shards``: K databases ``<db>_shard_<k>`` in one engine, emulating K shards for tests: a
  sharded table lives in each, ``<name>`` reads them all through the ``Merge`` engine (``FINAL``
  applies per shard), and inserts go to ``<name>_route``, a ``Null`` table whose views route
  each row to its shard by the same ``cityHash64(key) % K`` a ``Distributed`` table applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["single", "cluster", "shards"]


@dataclass(frozen=True, slots=True)
class Topology:
    kind: Kind = "single"
    cluster: str = ""
    """The cluster's name (``remote_servers``), for ``cluster``."""
    shards: int = 1
    """How many shards ``shards`` emulates."""

    def __post_init__(self) -> None:
        if self.kind == "cluster" and not self.cluster:
            raise ValueError("a cluster topology needs the cluster's name")
        if self.kind == "shards" and self.shards < 1:
            raise ValueError("at least one shard")

    @property
    def on_cluster(self) -> str:
        return f" ON CLUSTER {self.cluster}" if self.kind == "cluster" else ""

    def shard_database(self, database: str, shard: int) -> str:
        return f"{database}_shard_{shard}"


SINGLE = Topology()


@dataclass(frozen=True, slots=True)
class Engine:
    """A MergeTree-family engine (or ``Null``) with its keys and settings."""

    family: str
    args: tuple[str, ...] = ()
    order_by: str = ""
    partition_by: str = ""
    settings: tuple[tuple[str, str], ...] = ()
    indexes: tuple[str, ...] = ()
    """Data-skipping indexes, each ``INDEX name expr TYPE t GRANULARITY g``."""

    def sql(self, topology: Topology, table: str, *, sharded: bool) -> str:
        name = self.family
        args = list(self.args)
        if topology.kind == "cluster" and self.family != "Null":
            path = (
                f"/clickhouse/tables/{{shard}}/{{database}}/{table}"
                if sharded
                else (f"/clickhouse/tables/all/{{database}}/{table}")
            )
            name, args = f"Replicated{self.family}", [f"'{path}'", "'{replica}'", *args]
        clauses = [f"ENGINE = {name}" + (f"({', '.join(args)})" if args or self.family != "Null" else "")]
        if self.partition_by:
            clauses.append(f"PARTITION BY {self.partition_by}")
        if self.order_by:
            clauses.append(f"ORDER BY {self.order_by}")
        if self.settings:
            clauses.append("SETTINGS " + ", ".join(f"{k} = {v}" for k, v in self.settings))
        return "\n".join(clauses)


def merge_tree(order_by: str, **kw: object) -> Engine:
    return Engine("MergeTree", order_by=order_by, **kw)  # type: ignore[arg-type]


def replacing(order_by: str, *args: str, **kw: object) -> Engine:
    return Engine("ReplacingMergeTree", tuple(args), order_by=order_by, **kw)  # type: ignore[arg-type]


def aggregating(order_by: str, **kw: object) -> Engine:
    return Engine("AggregatingMergeTree", order_by=order_by, **kw)  # type: ignore[arg-type]


NULL = Engine("Null")
FOLD_WHEN_QUIET = (
    ("min_age_to_force_merge_seconds", "30"),
    ("min_age_to_force_merge_on_partition_only", "1"),
)
"""ClickHouse merges a partition whose parts are all older than 30 s: quiet hours leave one part
per partition, and ``FINAL`` over one part only reads."""


def topology_of(cluster: str | None) -> Topology:
    """The topology the settings ask for: a cluster's name (``TTHC_CLICKHOUSE_CLUSTER``), or one server."""
    return Topology("cluster", cluster=cluster) if cluster else SINGLE
