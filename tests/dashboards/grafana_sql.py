"""What Grafana sends ClickHouse: the plugin's macros and the dashboard variables expanded.

The macros follow the plugin's own implementation (grafana/clickhouse-datasource,
pkg/macros/macros.go): ``$__timeFilter(c)`` → ``c >= toDateTime(from) AND c <= toDateTime(to)``,
``$__timeInterval(c)`` → ``toStartOfInterval(toDateTime(c), INTERVAL n second)``, ...
"""

from __future__ import annotations

import re
from datetime import UTC, datetime


def sql_string(value: str) -> str:
    """Grafana's ``${name:sqlstring}``: the value quoted, its quotes doubled."""
    return "'" + value.replace("'", "''") + "'"


def expand(sql: str, start: datetime, end: datetime, variables: dict[str, str], interval_s: int = 60) -> str:
    """The SQL Grafana sends for the range start..end, ``now64(6)`` pinned to ``end``: the
    engine's own clock is not the one libfaketime moves in the boundary runs."""
    sql = sql.replace("now64(6)", f"toDateTime64('{end.astimezone(UTC):%Y-%m-%d %H:%M:%S.%f}', 6, 'UTC')")
    frm, to = int(start.timestamp()), int(end.timestamp())
    frm_ms, to_ms = int(start.timestamp() * 1000), int(end.timestamp() * 1000)
    macros = {
        "timeFilter": lambda c: f"{c} >= toDateTime({frm}) AND {c} <= toDateTime({to})",
        "timeFilter_ms": lambda c: (
            f"{c} >= fromUnixTimestamp64Milli({frm_ms}) AND {c} <= fromUnixTimestamp64Milli({to_ms})"
        ),
        "timeInterval": lambda c: f"toStartOfInterval(toDateTime({c}), INTERVAL {interval_s} second)",
        "dateFilter": lambda c: f"{c} >= toDate('{start:%Y-%m-%d}') AND {c} <= toDate('{end:%Y-%m-%d}')",
    }
    for name, make in macros.items():
        sql = re.sub(rf"\$__{name}\(([^()]*)\)", lambda m, f=make: f(m.group(1).strip()), sql)
    sql = (
        sql.replace("$__fromTime_ms", f"fromUnixTimestamp64Milli({frm_ms})")
        .replace("$__toTime_ms", f"fromUnixTimestamp64Milli({to_ms})")
        .replace("$__fromTime", f"toDateTime({frm})")
        .replace("$__toTime", f"toDateTime({to})")
        .replace("$__interval_s", str(interval_s))
    )
    for name, value in variables.items():
        sql = sql.replace("${" + name + ":sqlstring}", sql_string(value))
        sql = sql.replace("${" + name + "}", value)
        sql = re.sub(rf"\${name}\b", value, sql)
    leftover = re.findall(r"\$\{?\w+", sql)
    assert not leftover, f"unexpanded in the panel's SQL: {leftover}"
    return sql
