from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
DASHBOARD_FILES = sorted((REPO / "dashboards").glob("*.json"))


@pytest.fixture(scope="session")
def dashboards() -> dict[str, dict[str, Any]]:
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in DASHBOARD_FILES}


def queries(dashboard: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(title, query) of every ClickHouse query of a dashboard: panels, annotations, variables."""
    found = [(p["title"], t) for p in dashboard["panels"] for t in p.get("targets", []) if "rawSql" in t]
    found += [(a["name"], a["target"]) for a in dashboard["annotations"]["list"] if "target" in a]
    found += [
        (v["name"], {"rawSql": v["query"]}) for v in dashboard["templating"]["list"] if v["type"] == "query"
    ]
    return found
