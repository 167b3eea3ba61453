"""``python -m tests.faults.scorecard_rows DATA_DIR PLAN PERIOD...``: whether Grafana's 766 rows
in the embedded store at DATA_DIR hold, for every unit of the plan and each period, the
estimate ``/v1/scorecard`` computes. A process of its own: the embedded engine opens one data
directory per process, and a test process may hold another. Prints each mismatch; exit 1 if any."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

from tthc_contract.periods import parse_period
from tthc_contract.plan import load_plan
from tthc_contract.qd766 import ITEMS, half_up
from tthc_contract.settings import embedded_dsn
from tthc_metrics.scorecard.service import scorecard
from tthc_metrics.store import Store

ROWS = "SELECT period, unit, sum(exact), count() FROM scorecard_points FINAL GROUP BY period, unit"


def mismatches(data_dir: Path, plan_path: Path, periods: list[str]) -> list[str]:
    plan, store, now = load_plan(plan_path), Store(embedded_dsn(data_dir)), datetime.now(UTC)
    try:
        rows = {
            (p, u): (total, n) for p, u, total, n in store.call("read", lambda c: c.query(ROWS).result_rows)
        }
        found = []
        for code in periods:
            for unit in sorted(plan.unit_codes):
                total, n = rows.get((code, unit), (None, 0))
                expected = scorecard(store, plan, unit, parse_period(code), now).total
                shown = float(half_up(Fraction(total or 0), 2))
                if n != len(ITEMS) or shown != expected:
                    found.append(f"{code} {unit}: {n} items, {shown} points; the API: {expected}")
        return found
    finally:
        store.close()


if __name__ == "__main__":
    wrong = mismatches(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:])
    print("\n".join(wrong) or "all rows hold the API's estimate")
    sys.exit(1 if wrong else 0)
