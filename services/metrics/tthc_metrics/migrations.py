"""Numbered schema migrations (``migrations/NNNN_name.sql``), applied at start-up.

Each file is applied once and recorded in ``schema_migrations``. Statements are written
to be safe to run again (``IF NOT EXISTS``), so a migration interrupted half way is
simply applied again at the next start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    statements: list[str]


def split_statements(sql: str) -> list[str]:
    """Statements end with ``;`` at the end of a line; ``--`` comment lines are dropped."""
    lines = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    parts = re.split(r";\s*$", "\n".join(lines), flags=re.MULTILINE)
    return [part.strip() for part in parts if part.strip()]


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise ValueError(f"{path.name}: migration files are named NNNN_name.sql")
        found.append(Migration(int(match[1]), match[2], split_statements(path.read_text(encoding="utf-8"))))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise ValueError(f"two migrations share a number: {versions}")
    return found


def apply_migrations(client: Any, migrations: list[Migration] | None = None) -> list[str]:
    """Apply what is missing; returns the names applied now."""
    client.command(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, "
        "applied_at DateTime64(3, 'UTC') DEFAULT now64(3)) ENGINE = MergeTree ORDER BY version"
    )
    done = {row[0] for row in client.query("SELECT version FROM schema_migrations").result_rows}
    applied = []
    for migration in migrations if migrations is not None else load_migrations():
        if migration.version in done:
            continue
        for statement in migration.statements:
            client.command(statement)
        client.insert(
            "schema_migrations", [[migration.version, migration.name]], column_names=["version", "name"]
        )
        applied.append(f"{migration.version:04d}_{migration.name}")
    return applied
