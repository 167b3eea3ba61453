"""Schema objects and their DDL for a topology (see ``table_engines``): tables, materialized views
that feed tables from an ingestion table, and views. Every statement is idempotent (``IF NOT
EXISTS``); names in SQL templates are written ``{table}`` and resolved for the topology."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Literal

from .table_engines import Engine, Topology

Placement = Literal["sharded", "global"]
_NAME = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    columns: tuple[str, ...]
    engine: Engine
    placement: Placement = "global"
    sharding_key: str = ""
    """The expression rows are sharded by (``cityHash64(case_code)``), for sharded tables."""
    primary: bool = False
    """Holds data that exists nowhere else (the events, the alert history): never dropped."""

    def body(self) -> str:
        columns = [*self.columns, *self.engine.indexes]
        return "(\n    " + ",\n    ".join(columns) + "\n)"

    def statements(self, topology: Topology, database: str) -> list[str]:
        if self.placement == "global" or topology.kind == "single":
            return [self._create(self.name, topology, sharded=False)]
        if topology.kind == "cluster":
            local = f"{self.name}_local"
            return [
                self._create(local, topology, sharded=True),
                f"CREATE TABLE IF NOT EXISTS {self.name}{topology.on_cluster} AS {local}\n"
                f"ENGINE = Distributed({topology.cluster}, currentDatabase(), {local}, {self.sharding_key})",
            ]
        return self._emulated(topology, database)

    def _create(self, name: str, topology: Topology, *, sharded: bool) -> str:
        return f"CREATE TABLE IF NOT EXISTS {name}{topology.on_cluster}\n{self.body()}\n" + self.engine.sql(
            topology, name, sharded=sharded
        )

    def _emulated(self, topology: Topology, database: str) -> list[str]:
        shards = [topology.shard_database(database, k) for k in range(topology.shards)]
        out = [f"CREATE DATABASE IF NOT EXISTS {db}" for db in shards]
        out += [self._create(f"{db}.{self.name}", topology, sharded=True) for db in shards]
        out.append(
            f"CREATE TABLE IF NOT EXISTS {self.name} AS {shards[0]}.{self.name}\n"
            f"ENGINE = Merge(REGEXP('^{database}_shard_[0-9]+$'), '^{self.name}$')"
        )
        out.append(f"CREATE TABLE IF NOT EXISTS {self.name}_route AS {shards[0]}.{self.name}\nENGINE = Null")
        out += [
            f"CREATE MATERIALIZED VIEW IF NOT EXISTS {self.name}_route_{k} TO {db}.{self.name} AS\n"
            f"SELECT * FROM {self.name}_route WHERE {self.sharding_key} % {topology.shards} = {k}"
            for k, db in enumerate(shards)
        ]
        return out

    def storage_names(self, topology: Topology, database: str) -> list[str]:
        """The tables that hold the rows (not the Distributed, Merge or routing tables)."""
        if self.placement == "global" or topology.kind == "single":
            return [self.name]
        if topology.kind == "cluster":
            return [f"{self.name}_local"]
        return [f"{topology.shard_database(database, k)}.{self.name}" for k in range(topology.shards)]

    def names(self, topology: Topology, database: str) -> list[str]:
        """Every object the statements create (to drop them)."""
        if self.placement == "global" or topology.kind == "single":
            return [self.name]
        if topology.kind == "cluster":
            return [self.name, f"{self.name}_local"]
        shards = [topology.shard_database(database, k) for k in range(topology.shards)]
        routes = [f"{self.name}_route_{k}" for k in range(topology.shards)]
        return [*routes, f"{self.name}_route", self.name, *(f"{db}.{self.name}" for db in shards)]


@dataclass(frozen=True, slots=True)
class Feed:
    """A materialized view from a sharded ingestion table into a table on the same shard."""

    name: str
    source: str
    target: str
    select: str
    """SQL with ``{source}`` for the table rows come from."""

    def statements(self, topology: Topology, database: str) -> list[str]:
        if topology.kind == "single":
            return [self._create(self.name, self.source, self.target, "")]
        if topology.kind == "cluster":
            on = topology.on_cluster
            return [self._create(f"{self.name}_local", f"{self.source}_local", f"{self.target}_local", on)]
        return [
            self._create(f"{db}.{self.name}", f"{db}.{self.source}", f"{db}.{self.target}", "")
            for db in (topology.shard_database(database, k) for k in range(topology.shards))
        ]

    def _create(self, name: str, source: str, target: str, on: str) -> str:
        return f"CREATE MATERIALIZED VIEW IF NOT EXISTS {name}{on} TO {target} AS\n" + self.select.replace(
            "{source}", source
        )

    def names(self, topology: Topology, database: str) -> list[str]:
        if topology.kind == "single":
            return [self.name]
        if topology.kind == "cluster":
            return [f"{self.name}_local"]
        return [f"{topology.shard_database(database, k)}.{self.name}" for k in range(topology.shards)]


@dataclass(frozen=True, slots=True)
class View:
    name: str
    select: str

    def statements(self, topology: Topology, database: str) -> list[str]:
        return [f"CREATE VIEW IF NOT EXISTS {self.name}{topology.on_cluster} AS\n{self.select}"]

    def names(self, topology: Topology, database: str) -> list[str]:
        return [self.name]


SchemaObject = Table | Feed | View


@dataclass(frozen=True)
class Schema:
    """The current schema: objects in creation order."""

    objects: tuple[SchemaObject, ...]
    version: str = ""
    tables: dict[str, Table] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tables", {o.name: o for o in self.objects if isinstance(o, Table)})

    def statements(self, topology: Topology, database: str, *, derived_only: bool = False) -> list[str]:
        return [
            s
            for o in self.objects
            if not (derived_only and isinstance(o, Table) and o.primary)
            for s in o.statements(topology, database)
        ]

    def digest(self, topology: Topology, database: str) -> str:
        """Of every derived object's DDL: when it changes, the derived objects are rebuilt."""
        text = "\n;\n".join(self.statements(topology, database, derived_only=True))
        return hashlib.sha256(f"{self.version}\n{text}".encode()).hexdigest()[:16]

    def insert_name(self, table: str, topology: Topology) -> str:
        """Where rows for ``table`` are inserted (``<name>_route`` when shards are emulated)."""
        sharded = self.tables[table].placement == "sharded"
        return f"{table}_route" if sharded and topology.kind == "shards" else table
