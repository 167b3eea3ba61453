"""Grafana dashboard JSON, written as plain dicts (pure).

Plain dicts rather than grafana-foundation-sdk: the dashboards use a handful of panel
kinds, the JSON they produce is committed and reviewed as it is, and a builder of plain
dicts reads like that JSON.
"""

from __future__ import annotations

from itertools import count
from typing import Any

DATASOURCE = {"type": "grafana-clickhouse-datasource", "uid": "tthc-clickhouse"}
RED, GREEN, BLUE = "#d44a3a", "#299c46", "#5794f2"


def query(sql: str, kind: str = "table", ref: str = "A") -> dict[str, Any]:
    """A ClickHouse plugin query in SQL mode (``table`` or ``timeseries``)."""
    return {
        "refId": ref,
        "datasource": DATASOURCE,
        "editorType": "sql",
        "queryType": kind,
        "format": 1 if kind == "table" else 0,
        "rawSql": sql,
    }


class Layout:
    """Panel ids and grid positions, left to right, top to bottom, 24 columns wide."""

    def __init__(self) -> None:
        self._ids = count(1)
        self.x = self.y = self.row_height = 0

    def place(self, width: int, height: int) -> dict[str, Any]:
        if self.x + width > 24:
            self.x, self.y, self.row_height = 0, self.y + self.row_height, 0
        pos = {"x": self.x, "y": self.y, "w": width, "h": height}
        self.x += width
        self.row_height = max(self.row_height, height)
        return {"id": next(self._ids), "gridPos": pos}

    def newline(self) -> None:
        if self.x:
            self.x, self.y, self.row_height = 0, self.y + self.row_height, 0


def thresholds(target: float | None) -> dict[str, Any]:
    if target is None:
        return {"mode": "absolute", "steps": [{"color": BLUE, "value": None}]}
    return {"mode": "absolute", "steps": [{"color": RED, "value": None}, {"color": GREEN, "value": target}]}


def stat(
    layout: Layout, title: str, sql: str, target: float | None, description: str, *, w: int = 6
) -> dict[str, Any]:
    return {
        **layout.place(w, 5),
        "type": "stat",
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "targets": [query(sql)],
        "fieldConfig": {
            "defaults": {
                "unit": "percentunit",
                "decimals": 1,
                "thresholds": thresholds(target),
                "color": {"mode": "thresholds"},
                "noValue": "Chưa có số liệu",
            },
            "overrides": [
                {
                    "matcher": {"id": "byName", "options": "so_lieu"},
                    "properties": [{"id": "displayName", "value": "Đạt / tổng"}],
                }
            ],
        },
        "options": {
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "/^(value|so_lieu)$/", "values": False},
            "colorMode": "background",
            "graphMode": "none",
            "textMode": "value_and_name",
            "orientation": "vertical",
        },
    }


def table(layout: Layout, title: str, sql: str, w: int = 24, h: int = 9, **extra: Any) -> dict[str, Any]:
    panel: dict[str, Any] = {
        **layout.place(w, h),
        "type": "table",
        "title": title,
        "datasource": DATASOURCE,
        "targets": [query(sql)],
        "fieldConfig": {"defaults": {}, "overrides": []},
        "options": {"showHeader": True, "cellHeight": "sm"},
    }
    panel.update(extra)
    return panel


def marked_cells() -> dict[str, Any]:
    """Cells ending in ✓ green, in ✗ red (each cell judged against its own unit's target)."""
    return {
        "defaults": {
            "custom": {"cellOptions": {"type": "color-background"}, "align": "center"},
            "mappings": [
                {"type": "regex", "options": {"pattern": ".*✓$", "result": {"color": GREEN, "index": 0}}},
                {"type": "regex", "options": {"pattern": ".*✗$", "result": {"color": RED, "index": 1}}},
            ],
        },
        "overrides": [
            {
                "matcher": {"id": "byName", "options": "Đơn vị"},
                "properties": [{"id": "custom.cellOptions", "value": {"type": "auto"}}],
            }
        ],
    }


def timeseries(
    layout: Layout, title: str, sql: str, *, unit: str = "short", w: int = 8, h: int = 7
) -> dict[str, Any]:
    return {
        **layout.place(w, h),
        "type": "timeseries",
        "title": title,
        "datasource": DATASOURCE,
        "targets": [query(sql, "timeseries")],
        "fieldConfig": {
            "defaults": {"unit": unit, "custom": {"lineWidth": 2, "showPoints": "always"}},
            "overrides": [
                {
                    "matcher": {"id": "byName", "options": "Chỉ tiêu"},
                    "properties": [
                        {"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}},
                        {"id": "color", "value": {"mode": "fixed", "fixedColor": RED}},
                    ],
                }
            ],
        },
        "options": {"legend": {"displayMode": "list", "placement": "bottom"}, "tooltip": {"mode": "multi"}},
    }


def query_variable(name: str, label: str, sql: str, current: str | None = None) -> dict[str, Any]:
    variable: dict[str, Any] = {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": DATASOURCE,
        "query": sql,
        "definition": sql,
        "refresh": 1,
        "sort": 0,
        "includeAll": False,
        "multi": False,
    }
    if current is not None:
        variable["current"] = {"text": current, "value": current}
    return variable


def custom_variable(name: str, label: str, options: list[tuple[str, str]], current: str) -> dict[str, Any]:
    text = dict(options)[current]
    return {
        "name": name,
        "label": label,
        "type": "custom",
        "query": ",".join(f"{t} : {v}" for v, t in options),
        "options": [{"text": t, "value": v, "selected": v == current} for v, t in options],
        "current": {"text": text, "value": current},
    }


def alert_annotations() -> dict[str, Any]:
    """Alert changes (firing, resolved) as annotations, from the alert history in ClickHouse."""
    sql = (
        "SELECT changed_at AS time, concat(if(status = 'firing', 'Cảnh báo: ', 'Đã khắc phục: '), "
        "unit, ' · ', indicator, ' · ', period) AS text, [unit, indicator, status] AS tags "
        "FROM alert_changes WHERE $__timeFilter(changed_at) ORDER BY changed_at"
    )
    return {
        "list": [
            {
                "name": "Cảnh báo",
                "enable": True,
                "iconColor": RED,
                "datasource": DATASOURCE,
                "target": query(sql),
                "builtIn": 0,
            }
        ]
    }


def dashboard(
    uid: str,
    title: str,
    panels: list[dict[str, Any]],
    variables: list[dict[str, Any]],
    *,
    time_from: str = "now-30d",
    annotations: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "uid": uid,
        "title": title,
        "tags": ["tthc"],
        "timezone": "Asia/Ho_Chi_Minh",
        "editable": True,
        "refresh": "30s",
        "schemaVersion": 39,
        "time": {"from": time_from, "to": "now"},
        "templating": {"list": variables},
        "annotations": annotations or {"list": []},
        "panels": panels,
    }
