"""Building every dashboard and writing the JSON committed beside this package."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tthc_contract.plan import Plan

from . import alerts, operations, overview, scorecard, unit_detail

DASHBOARDS_DIR = Path(__file__).resolve().parent.parent
FILES = {
    "tong-quan-chi-tieu.json": overview.build,
    "chi-tiet-don-vi.json": unit_detail.build,
    "uoc-tinh-diem-766.json": scorecard.build,
    "canh-bao.json": alerts.build,
    "van-hanh.json": operations.build,
}


DEFAULT_METRICS_URL = "http://localhost:8082"


def build_all(plan: Plan, metrics_url: str | None = None) -> dict[str, dict[str, Any]]:
    """Every dashboard; ``metrics_url`` is where people reach the metrics API (report links)."""
    return {name: make(plan, metrics_url or DEFAULT_METRICS_URL) for name, make in FILES.items()}


def render(dashboard: dict[str, Any]) -> str:
    return json.dumps(dashboard, indent=2, ensure_ascii=False) + "\n"


def write_all(plan: Plan, directory: Path = DASHBOARDS_DIR, metrics_url: str | None = None) -> list[Path]:
    written = []
    for name, dashboard in build_all(plan, metrics_url).items():
        path = directory / name
        path.write_text(render(dashboard), encoding="utf-8")
        written.append(path)
    return written
