"""Grafana's queries at a province's scale: every ClickHouse query of every dashboard (panels,
annotations, variables), expanded as Grafana sends it (``tthc_dashboards.grafana_sql``) for
random units of each level and both kinds of period, over the dashboard's own time range, and
timed one by one on the store ``tthc bench province`` filled.

The embedded engine serves one process per data directory, so this runs once metrics has
stopped, in the bench's own process, with the settings of Grafana's read-only user
(``store.reader_statements``: the same as the metrics' reads). It measures the engine's
work for each query; the plugin's HTTP round trip to a ClickHouse server is not in it.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tthc_contract.periods import LOCAL_TZ, period_of
from tthc_contract.plan import Plan
from tthc_contract.settings import embedded_dsn
from tthc_dashboards.build import build_all
from tthc_dashboards.grafana_sql import expand, queries, relative_time

from .province_data import leaves
from .province_live import p50_p95


@dataclass
class PanelTimes:
    """Milliseconds per dashboard, and per (dashboard, query title)."""

    by_dashboard: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    by_query: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(list))

    def add(self, dashboard: str, title: str, ms: float) -> None:
        self.by_dashboard[dashboard].append(ms)
        self.by_query[(dashboard, title)].append(ms)

    def slowest(self) -> tuple[str, str, float]:
        """The query with the largest p95: (dashboard, title, p95 ms)."""
        (dashboard, title), times = max(self.by_query.items(), key=lambda kv: p50_p95(kv[1])[1])
        return dashboard, title, p50_p95(times)[1]


def _variables(plan: Plan, rnd: random.Random, sample: int, now: datetime) -> dict[str, str]:
    """A unit of each level in turn (department, commune, the province), a month or a year."""
    levels = [leaves(plan), list(plan.children[plan.root]), [plan.root]]
    kind = rnd.choice(["month", "year"])
    last = period_of(now - timedelta(days=31), "month").code if kind == "month" else str(now.year)
    return {
        "unit": rnd.choice(levels[sample % 3]),
        "period_kind": kind,
        "period": rnd.choice(["current", last]),
        "metrics_url": "http://localhost:8082",
    }


def _asked(dashboard: dict[str, Any], variables: dict[str, str], now: datetime) -> list[tuple[str, str]]:
    """(title, SQL) of the dashboard's queries, expanded over its own time range."""
    start = relative_time(dashboard["time"]["from"], now, end=False)
    end = relative_time(dashboard["time"]["to"], now, end=True)
    names = {v["name"] for v in dashboard["templating"]["list"]}
    chosen = {k: v for k, v in variables.items() if k in names}
    return [(title, expand(q["rawSql"], start, end, chosen, now=now)) for title, q in queries(dashboard)]


def dashboard_times(data_dir: Path, plan: Plan, samples: int) -> PanelTimes:
    """Every query of every dashboard, ``samples`` times each, on the store in ``data_dir``."""
    from tthc_metrics.store import Store

    store, rnd, found = Store(embedded_dsn(data_dir)), random.Random(5), PanelTimes()
    dashboards = build_all(plan)
    try:
        for sample in range(samples):
            now = datetime.now(UTC).astimezone(LOCAL_TZ)
            variables = _variables(plan, rnd, sample, now)
            for name, dashboard in dashboards.items():
                for title, text in _asked(dashboard, variables, now):
                    started = time.perf_counter()
                    store.call("read", lambda c, t=text: c.query(t).result_rows)
                    found.add(name, title, (time.perf_counter() - started) * 1000)
    finally:
        store.close()
    return found
