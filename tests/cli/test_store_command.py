"""``tthc store``: a store's events exported and imported into another (the move from the
embedded engine to a server or a cluster), its state and cells rebuilt, its status, and the
cluster's SQL (what a rebuild counts: ``tests/metrics/test_schema.py``). Each command is
its own process, as an operator runs it (the embedded engine hosts one data directory per
process)."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import orjson

from tthc_contract.events import canonical_json

from ..metrics.events import feedback, paid, received, resolved, t

TTHC = str(Path(sys.executable).parent / "tthc")


def tthc(*args: str, store: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TTHC_")}
    env |= {"TTHC_CLICKHOUSE_URL": f"chdb://{store}", "TTHC_LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [TTHC, "store", *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def events_file(path: Path) -> Path:
    events = [
        received("C1", t("2026-03-02 08:00")),
        paid("C1", t("2026-03-02 09:00"), "P1"),
        resolved("C1", t("2026-03-03 08:00")),
        received("C2", t("2026-03-04 08:00"), unit="vp"),
        feedback("F1", t("2026-03-05 08:00"), "kt", t("2026-03-06 08:00"), case="C1"),
    ]
    lines = [
        orjson.dumps({"stream_id": f"{n}-0", "event": orjson.loads(canonical_json(e))})
        for n, e in enumerate(events, 1)
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def exported(path: Path) -> list[dict[str, object]]:
    return sorted((orjson.loads(line) for line in gzip.decompress(path.read_bytes()).splitlines()), key=str)


def test_events_move_from_one_store_to_another_and_nothing_doubles(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    source = events_file(tmp_path / "events.jsonl")
    assert tthc("import", str(source), store=first).returncode == 0
    assert tthc("export", str(tmp_path / "a.jsonl.gz"), store=first).returncode == 0
    for _ in range(2):
        done = tthc("import", str(tmp_path / "a.jsonl.gz"), store=second)
        assert done.returncode == 0 and "imported 5 events" in done.stdout, done.stderr
    assert tthc("export", str(tmp_path / "b.jsonl.gz"), store=second).returncode == 0
    a, b = exported(tmp_path / "a.jsonl.gz"), exported(tmp_path / "b.jsonl.gz")
    assert len(a) == len(b) == 5 and b == a, "each event once, as it was"
    rebuilt = tthc("rebuild", store=second)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "rebuilt the state and the cells from the 5 events stored" in rebuilt.stdout
    assert "rebuild: 100%" in rebuilt.stderr, "the progress, step by step to the last"
    assert "rollups." not in rebuilt.stdout + rebuilt.stderr, "TTHC_LOG_LEVEL=WARNING: no routine logs"
    assert tthc("export", str(tmp_path / "c.jsonl.gz"), store=second).returncode == 0
    assert exported(tmp_path / "c.jsonl.gz") == a, "a rebuild changes no event"
    status = tthc("status", store=second)
    assert status.returncode == 0 and "\ncurrent" in status.stdout and "missing: nothing" in status.stdout


def test_the_cluster_sql_is_printed_on_cluster(tmp_path: Path) -> None:
    printed = tthc("sql", "--cluster", "tinh", "--database", "tthc", store=tmp_path / "unused")
    assert printed.returncode == 0
    statements = [s for s in printed.stdout.split(";\n") if s.strip()]
    assert statements and all(" ON CLUSTER tinh" in s for s in statements)
    assert "Distributed(tinh, currentDatabase(), case_state_local, cityHash64(case_code))" in printed.stdout
