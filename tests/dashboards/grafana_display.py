"""What a person sees in a panel, by Grafana's own display rules (``display/show.cjs``).

The panel's query result becomes data frames as the data sources answer them (the ClickHouse
plugin's column types; Prometheus's instant vectors, named by their legend), then Node runs
``@grafana/data`` (pinned in ``display/package.json``, installed by
``deploy/local/ensure-test-tools.sh``) to apply the panel's field config and overrides.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

DISPLAY = Path(__file__).resolve().parent / "display"
TIME_ZONE = "Asia/Ho_Chi_Minh"


def grafana_type(clickhouse_type: str) -> str:
    """The field type the ClickHouse plugin gives a column (pkg/converters)."""
    inner = re.sub(r"^(Nullable|LowCardinality)\((.*)\)$", r"\2", clickhouse_type)
    inner = re.sub(r"^(Nullable|LowCardinality)\((.*)\)$", r"\2", inner)
    if inner.startswith(("DateTime", "Date")):
        return "time"
    if inner.startswith(("Int", "UInt", "Float", "Decimal")):
        return "number"
    if inner == "Bool":
        return "boolean"
    return "string"


def cell(value: Any) -> Any:
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)  # the driver answers UTC
        return int(aware.timestamp() * 1000)
    if isinstance(value, Decimal):
        return float(value)
    return value


def clickhouse_frame(result: Any, ref: str = "A") -> dict[str, Any]:
    columns = list(zip(*result.result_rows, strict=True)) or [() for _ in result.column_names]
    return {
        "refId": ref,
        "fields": [
            {"name": name, "type": grafana_type(kind.name), "values": [cell(v) for v in values]}
            for name, kind, values in zip(result.column_names, result.column_types, columns, strict=True)
        ],
    }


def prometheus_frames(vector: list[dict[str, Any]], legend: str, ref: str = "A") -> list[dict[str, Any]]:
    """An instant vector as Grafana's Prometheus data source frames it: one frame per series,
    ``Time`` and ``Value``, the series named by its legend (``displayNameFromDS``)."""
    frames = []
    for series in vector:
        labels = {k: v for k, v in series["metric"].items() if k != "__name__"}
        name = re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m, lb=labels: lb.get(m.group(1), ""), legend)
        at, value = series["value"]
        frames.append(
            {
                "refId": ref,
                "fields": [
                    {"name": "Time", "type": "time", "values": [int(float(at) * 1000)]},
                    {
                        "name": "Value",
                        "type": "number",
                        "values": [float(value)],
                        "labels": labels,
                        "config": {"displayNameFromDS": name} if name else {},
                    },
                ],
            }
        )
    return frames


def show(panels: list[tuple[dict[str, Any], list[dict[str, Any]]]], variables: dict[str, str]) -> list[Any]:
    """For each (panel, frames): a stat's ``values`` (title, text, color), a gauge's (with the
    ``min`` and ``max`` of its arc), or a table's ``columns`` and ``rows`` of cells (text,
    color, links)."""
    assert (DISPLAY / "node_modules/@grafana/data").is_dir(), (
        "Grafana's display packages are missing: run deploy/local/ensure-test-tools.sh (make test does)"
    )
    request = {
        "timeZone": TIME_ZONE,
        "variables": variables,
        "panels": [{"panel": p, "frames": f} for p, f in panels],
    }
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        done = subprocess.run(
            ["node", str(DISPLAY / "show.cjs"), out.name],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        shown: list[Any] = json.loads(Path(out.name).read_text(encoding="utf-8"))
    return shown
