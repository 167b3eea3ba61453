"""``tthc bench province`` at a tiny scale, end to end: it starts its own Redis, services and
Alertmanager, and prints every figure with a number. A smoke test, not a benchmark: the
figures are not judged here (``docs/benchmarks.md`` holds the measured ones)."""

from __future__ import annotations

import re
import subprocess

import pytest

from ..servers import real_clock_env, tthc_command

pytestmark = [pytest.mark.slow, pytest.mark.real_clock, pytest.mark.clock]

FIGURES = (
    "raw XREADGROUP+XACK of the same entries",
    "raw insert of the same rows (chDB)",
    "backfill end to end (stream → ClickHouse, rollups)",
    "Redis after the backfill (stream trimmed)",
    "metrics peak RSS during the backfill",
    "Grafana's rows (766, table of units) written, every unit and period, after the backfill in",
    "report JSON: evaluation of the province: p95",
    "freshness: p95",
    "of which read → stored, counted, acknowledged: p95",
    "of which acknowledged → the API counts it: p95",
    "freshness, the API polled from the start: p95",
    "freshness right after the reports, stored first: p95",
    "the province's monthly report .docx",
    "/health while reports render: max",
    "alert latency: max",
    "live traffic accepted by ingest (its own process)",
    "tong-quan-chi-tieu.json: p95",
    "chi-tiet-don-vi.json: p95",
    "uoc-tinh-diem-766.json: p95",
    "canh-bao.json: p95",
    "the slowest query: p95",
)


def test_the_province_bench_runs_end_to_end_and_prints_every_figure() -> None:
    tiny = ["--communes", "3", "--cases-per-year", "600", "--rate", "50", "--samples", "5"]
    done = subprocess.run(
        [*tthc_command(), "bench", "province", *tiny],
        env=real_clock_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert re.search(r"province\s+31 units, 600 cases/year × 1", out), out[:2000]
    assert "[info" not in out + done.stderr and '"level": "info"' not in out + done.stderr, (
        "figures, not logs"
    )
    for label in FIGURES:
        line = re.search(re.escape(label) + r"\s+([\d,]+) ", out)
        assert line, f"no figure for {label!r}:\n{out}"
        if label.startswith(
            ("backfill", "raw", "metrics peak", "live traffic", "freshness", "of which read", "the slowest")
        ):
            assert int(line.group(1).replace(",", "")) > 0, f"{label}: {line.group(0)}"
