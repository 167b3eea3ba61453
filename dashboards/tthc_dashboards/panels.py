"""Grafana dashboard JSON, written as plain dicts (pure).

Plain dicts rather than grafana-foundation-sdk: the dashboards use a handful of panel kinds,
the JSON they produce is committed and reviewed as it is, and a builder of plain dicts reads
like that JSON. The JSON is what Grafana 12.3 and the ClickHouse plugin 4.20 store
(``schemaVersion`` 42, v4 queries with their ``pluginVersion``), so opening a dashboard
migrates nothing and marks nothing changed. Dashboards are provisioned from the repository:
``editable: false`` (a change is made in code, and Grafana says so), as the provisioning's
``allowUiUpdates: false`` already does.
"""

from __future__ import annotations

from itertools import count
from typing import Any

CLICKHOUSE = {"type": "grafana-clickhouse-datasource", "uid": "tthc-clickhouse"}
PROMETHEUS = {"type": "prometheus", "uid": "tthc-prometheus"}
PLUGIN_VERSION = "4.20.0"
GRAFANA_VERSION = "12.3.0"
SCHEMA_VERSION = 42
RED, GREEN, BLUE, GREY, AMBER = "#d44a3a", "#299c46", "#5794f2", "#8e8e8e", "#e0b400"
NO_DATA = "Chưa có số liệu"


def query(sql: str, kind: str = "table", ref: str = "A") -> dict[str, Any]:
    """A ClickHouse plugin v4 query in SQL mode (``table`` or ``timeseries``)."""
    return {
        "refId": ref,
        "datasource": CLICKHOUSE,
        "pluginVersion": PLUGIN_VERSION,
        "editorType": "sql",
        "queryType": kind,
        "format": 1 if kind == "table" else 0,
        "rawSql": sql,
        "meta": {},
    }


def promql(expr: str, legend: str, ref: str = "A", instant: bool = False) -> dict[str, Any]:
    return {
        "refId": ref,
        "datasource": PROMETHEUS,
        "expr": expr,
        "legendFormat": legend,
        "range": not instant,
        "instant": instant,
        "editorMode": "code",
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


def neutral(color: str = BLUE) -> dict[str, Any]:
    """One colour whatever the value (a value that is judged elsewhere)."""
    return {"mode": "absolute", "steps": [{"color": color, "value": None}]}


def count_config(bad_from: float = 1, no_value: str | None = None) -> dict[str, Any]:
    """A whole count, green below ``bad_from`` and red from it."""
    defaults: dict[str, Any] = {
        "unit": "none",
        "decimals": 0,
        "color": {"mode": "thresholds"},
        "thresholds": {
            "mode": "absolute",
            "steps": [{"color": GREEN, "value": None}, {"color": RED, "value": bad_from}],
        },
    }
    if no_value:
        defaults["noValue"] = no_value
    return {"defaults": defaults, "overrides": []}


def fixed_color(name: str, color: str) -> dict[str, Any]:
    return {
        "matcher": {"id": "byName", "options": name},
        "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": color}}],
    }


def marked_mappings() -> list[dict[str, Any]]:
    """«… ✓» green, «… ✗» red (the SQL judged each against its unit's own target, exactly as
    the API); «—» and no value grey: no data yet never looks like success, nor like failure."""
    return [
        {"type": "regex", "options": {"pattern": ".*✓$", "result": {"color": GREEN, "index": 0}}},
        {"type": "regex", "options": {"pattern": ".*✗$", "result": {"color": RED, "index": 1}}},
        {"type": "value", "options": {"—": {"color": GREY, "index": 2}}},
        {
            "type": "special",
            "options": {"match": "null", "result": {"text": NO_DATA, "color": GREY, "index": 3}},
        },
    ]


DATE_UNIT = "time:DD/MM/YYYY HH:mm"


def date_columns(*names: str) -> dict[str, Any]:
    """Table columns of dates shown «05/03/2026 08:30» in the dashboard's time zone, and
    sorted as dates (they stay time fields; text would sort wrongly)."""
    return {
        "defaults": {"thresholds": neutral("text")},
        "overrides": [
            {"matcher": {"id": "byName", "options": name}, "properties": [{"id": "unit", "value": DATE_UNIT}]}
            for name in names
        ],
    }


def hidden(name: str) -> dict[str, Any]:
    return {
        "matcher": {"id": "byName", "options": name},
        "properties": [{"id": "custom.hidden", "value": True}],
    }


def stat(
    layout: Layout,
    title: str,
    targets: list[dict[str, Any]],
    field_config: dict[str, Any],
    *,
    description: str = "",
    fields: str = "",
    w: int = 6,
    h: int = 5,
    datasource: dict[str, str] = CLICKHOUSE,
) -> dict[str, Any]:
    return {
        **layout.place(w, h),
        "type": "stat",
        "pluginVersion": GRAFANA_VERSION,
        "title": title,
        "description": description,
        "datasource": datasource,
        "targets": targets,
        "fieldConfig": field_config,
        "options": {
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": fields, "values": False},
            "colorMode": "value",
            "graphMode": "none",
            "textMode": "value_and_name",
            "orientation": "vertical",
            "justifyMode": "auto",
            "wideLayout": True,
            "showPercentChange": False,
        },
    }


def table(
    layout: Layout,
    title: str,
    sql: str,
    *,
    w: int = 24,
    h: int = 9,
    field_config: dict[str, Any] | None = None,
    description: str = "",
) -> dict[str, Any]:
    return {
        **layout.place(w, h),
        "type": "table",
        "pluginVersion": GRAFANA_VERSION,
        "title": title,
        "description": description,
        "datasource": CLICKHOUSE,
        "targets": [query(sql)],
        "fieldConfig": field_config or {"defaults": {"thresholds": neutral("text")}, "overrides": []},
        "options": {
            "showHeader": True,
            "cellHeight": "sm",
            "footer": {"show": False, "reducer": ["sum"], "fields": ""},
        },
    }


def timeseries(
    layout: Layout,
    title: str,
    targets: list[dict[str, Any]],
    *,
    unit: str = "short",
    w: int = 8,
    h: int = 7,
    overrides: list[dict[str, Any]] | None = None,
    datasource: dict[str, str] = CLICKHOUSE,
    bars: bool = False,
) -> dict[str, Any]:
    custom: dict[str, Any] = {
        "lineWidth": 2,
        "showPoints": "always",
        "drawStyle": "bars" if bars else "line",
        "fillOpacity": 60 if bars else 0,
    }
    return {
        **layout.place(w, h),
        "type": "timeseries",
        "pluginVersion": GRAFANA_VERSION,
        "title": title,
        "datasource": datasource,
        "targets": targets,
        "fieldConfig": {
            "defaults": {"unit": unit, "custom": custom, "color": {"mode": "palette-classic"}},
            "overrides": overrides or [],
        },
        "options": {
            "legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
            "tooltip": {"mode": "multi", "sort": "none"},
        },
    }


def target_line() -> dict[str, Any]:
    """The target as a dashed red line in a series panel."""
    return {
        "matcher": {"id": "byName", "options": "Chỉ tiêu"},
        "properties": [
            {"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}},
            {"id": "custom.showPoints", "value": "never"},
            {"id": "color", "value": {"mode": "fixed", "fixedColor": RED}},
        ],
    }


def query_variable(
    name: str, label: str, sql: str, *, refresh: int = 1, current: str | None = None
) -> dict[str, Any]:
    """``refresh``: 1 on load, 2 whenever the time range changes (auto-refresh included)."""
    variable: dict[str, Any] = {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": CLICKHOUSE,
        "query": sql,
        "definition": sql,
        "refresh": refresh,
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


def constant_variable(name: str, value: str) -> dict[str, Any]:
    return {
        "name": name,
        "type": "constant",
        "hide": 2,
        "query": value,
        "current": {"text": value, "value": value},
    }


def annotation_list(sql: str) -> dict[str, Any]:
    """Alert changes (firing, resolved) as annotations on every time axis of the dashboard."""
    return {
        "list": [
            {
                "name": "Cảnh báo",
                "enable": True,
                "iconColor": RED,
                "datasource": CLICKHOUSE,
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
    time_to: str = "now",
    annotations: dict[str, Any] | None = None,
    links: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "uid": uid,
        "title": title,
        "tags": ["tthc"],
        "timezone": "Asia/Ho_Chi_Minh",
        "editable": False,
        "graphTooltip": 1,
        "refresh": "30s",
        "schemaVersion": SCHEMA_VERSION,
        "time": {"from": time_from, "to": time_to},
        "timepicker": {"refresh_intervals": ["30s", "1m", "5m", "15m"]},
        "templating": {"list": variables},
        "annotations": annotations or {"list": []},
        "links": links or [],
        "panels": panels,
    }


def link(title: str, url: str, tooltip: str = "") -> dict[str, Any]:
    return {
        "title": title,
        "type": "link",
        "url": url,
        "tooltip": tooltip,
        "targetBlank": True,
        "icon": "doc",
        "asDropdown": False,
        "includeVars": False,
        "keepTime": False,
        "tags": [],
    }
