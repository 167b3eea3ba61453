"""``python -m tests.faults.grafana_rows DATA_DIR PLAN EVENTS PERIOD...``: whether the rows
Grafana reads in the embedded store at DATA_DIR hold, for every unit of the plan and each
period, the estimate ``/v1/scorecard`` computes (``scorecard_points``) and the counts of the
plain-Python oracle over the events in the JSON file EVENTS, judged at the instant each row was
computed (``unit_indicators``). A process of its own: the embedded engine opens one data
directory per process, and a test process may hold another. Prints each mismatch; exit 1 if any."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import orjson

from tthc_contract.indicators import INDICATORS
from tthc_contract.periods import parse_period
from tthc_contract.plan import Plan, load_plan
from tthc_contract.qd766 import ITEMS, half_up
from tthc_contract.settings import embedded_dsn
from tthc_metrics.scorecard.service import scorecard
from tthc_metrics.store import Store

from ..metrics import oracle

POINTS = "SELECT period, unit, sum(exact), count() FROM scorecard_points FINAL GROUP BY period, unit"
INDICATOR_ROWS = (
    "SELECT period, unit, indicator, numerator, denominator, computed_at FROM unit_indicators FINAL"
)


def points_mismatches(store: Store, plan: Plan, periods: list[str]) -> list[str]:
    rows = {
        (p, u): (total, n) for p, u, total, n in store.call("read", lambda c: c.query(POINTS).result_rows)
    }
    found, now = [], datetime.now(UTC)
    for code in periods:
        for unit in sorted(plan.unit_codes):
            total, n = rows.get((code, unit), (None, 0))
            expected = scorecard(store, plan, unit, parse_period(code), now).total
            shown = float(half_up(Fraction(total or 0), 2))
            if n != len(ITEMS) or shown != expected:
                found.append(f"{code} {unit}: {n} items, {shown} points; the API: {expected}")
    return found


def indicator_mismatches(
    store: Store, plan: Plan, events: list[dict[str, Any]], periods: list[str]
) -> list[str]:
    rows: dict[tuple[str, str], dict[str, tuple[int, int, datetime]]] = {}
    for period, unit, code, num, den, at in store.call("read", lambda c: c.query(INDICATOR_ROWS).result_rows):
        rows.setdefault((period, unit), {})[code] = (num, den, at.replace(tzinfo=UTC))
    found = []
    for code in periods:
        for unit in sorted(plan.unit_codes):
            written = rows.get((code, unit), {})
            if set(written) != {i.code for i in INDICATORS}:
                found.append(f"{code} {unit}: indicators {sorted(written)}")
                continue
            for ind in INDICATORS:
                num, den, at = written[ind.code]
                expected = oracle.count(events, plan, unit, parse_period(code), at)
                if (num, den) != (expected[ind.numerator], expected[ind.denominator]):
                    found.append(f"{code} {unit} {ind.code}: {num}/{den} at {at}; the oracle: "
                                 f"{expected[ind.numerator]}/{expected[ind.denominator]}")  # fmt: skip
    return found


def mismatches(data_dir: Path, plan_path: Path, events_path: Path, periods: list[str]) -> list[str]:
    plan, store = load_plan(plan_path), Store(embedded_dsn(data_dir))
    events = orjson.loads(events_path.read_bytes())
    try:
        return points_mismatches(store, plan, periods) + indicator_mismatches(store, plan, events, periods)
    finally:
        store.close()


if __name__ == "__main__":
    wrong = mismatches(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4:])
    print("\n".join(wrong) or "all rows hold the API's estimate and the oracle's counts")
    sys.exit(1 if wrong else 0)
