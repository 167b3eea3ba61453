"""The bench's live traffic: what it sends is new each time it starts."""

from __future__ import annotations

from pathlib import Path

from tthc_cli.bench.province_data import load, province_plan
from tthc_cli.bench.province_live import LiveTraffic

from ..conftest import PLAN_PATH


def test_live_traffic_started_again_sends_new_cases(tmp_path: Path) -> None:
    """Comparisons restart metrics and the traffic on one store: codes sent again would be
    duplicates (dropped after one Redis lookup), not the load being measured."""
    plan = load(province_plan(PLAN_PATH, 2, tmp_path))
    first, again = LiveTraffic(plan, 1, 500), LiveTraffic(plan, 1, 500)
    codes = {first.code(n) for n in range(1000)}
    assert len(codes) == 1000, "one code per case"
    assert codes.isdisjoint(again.code(n) for n in range(1000)), "traffic started again repeats no code"
