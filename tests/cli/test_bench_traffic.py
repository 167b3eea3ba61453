"""The bench's live traffic: what it sends is new each time it starts; and its options."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tthc_cli.bench.province_data import load, province_plan
from tthc_cli.bench.province_live import LiveTraffic

from ..conftest import PLAN_PATH
from ..servers import tthc_command


def test_live_traffic_started_again_sends_new_cases(tmp_path: Path) -> None:
    """Comparisons restart metrics and the traffic on one store: codes sent again would be
    duplicates (dropped after one Redis lookup), not the load being measured."""
    plan = load(province_plan(PLAN_PATH, 2, tmp_path))
    first, again = LiveTraffic(plan, 1, 500), LiveTraffic(plan, 1, 500)
    codes = {first.code(n) for n in range(1000)}
    assert len(codes) == 1000, "one code per case"
    assert codes.isdisjoint(again.code(n) for n in range(1000)), "traffic started again repeats no code"


def test_the_bench_refuses_a_rate_or_samples_below_one_before_starting_anything() -> None:
    for option in (["--rate", "0"], ["--samples", "0"]):
        done = subprocess.run(
            [*tthc_command(), "bench", "province", *option],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode != 0 and "must be at least 1" in done.stderr, done.stderr[-2000:]
