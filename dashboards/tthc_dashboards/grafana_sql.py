"""What Grafana sends ClickHouse: the plugin's macros, the dashboard variables and the time
range expanded (pure). The tests check the panels' SQL with it; ``tthc bench province`` times
the panels as Grafana would ask them.

The macros follow the plugin's own implementation (grafana/clickhouse-datasource,
pkg/macros/macros.go): ``$__timeFilter(c)`` → ``c >= toDateTime(from) AND c <= toDateTime(to)``,
``$__timeInterval(c)`` → ``toStartOfInterval(toDateTime(c), INTERVAL n second)``, ... Relative
times follow Grafana's (``now-30d``, ``now-1y/M``, ``now/M``: a unit after ``/`` rounds down for
the start of a range and up to the unit's end for its end).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from tthc_contract.periods import LOCAL_TZ

_RELATIVE = re.compile(r"^now(?:-(\d+)([smhdwMy]))?(?:/([dMy]))?$")
_SPANS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def sql_string(value: str) -> str:
    """Grafana's ``${name:sqlstring}``: the value quoted, its quotes doubled."""
    return "'" + value.replace("'", "''") + "'"


def queries(dashboard: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(title, query) of every ClickHouse query of a dashboard: panels, annotations, variables."""
    found = [(p["title"], t) for p in dashboard["panels"] for t in p.get("targets", []) if "rawSql" in t]
    found += [(a["name"], a["target"]) for a in dashboard["annotations"]["list"] if "target" in a]
    found += [
        (v["name"], {"rawSql": v["query"]}) for v in dashboard["templating"]["list"] if v["type"] == "query"
    ]
    return found


def _months_back(at: datetime, months: int) -> datetime:
    index = at.year * 12 + at.month - 1 - months
    year, month = divmod(index, 12)
    return at.replace(year=year, month=month + 1, day=min(at.day, calendar.monthrange(year, month + 1)[1]))


def relative_time(spec: str, now: datetime, *, end: bool) -> datetime:
    """An instant of a range like Grafana's (``now``, ``now-30d``, ``now-1y/M``, ``now/M``), in
    the dashboards' time zone (Asia/Ho_Chi_Minh); ``end``: the range's end (rounded up)."""
    match = _RELATIVE.match(spec)
    if match is None:
        raise ValueError(f"not a relative time Grafana's dashboards here use: {spec!r}")
    amount, unit, rounding = match.groups()
    at = now.astimezone(LOCAL_TZ)
    if amount and unit in _SPANS:
        at -= timedelta(**{_SPANS[unit]: int(amount)})
    elif amount:
        at = _months_back(at, int(amount) * (12 if unit == "y" else 1))
    if rounding is None:
        return at
    start = at.replace(hour=0, minute=0, second=0, microsecond=0)
    if rounding in "My":
        start = start.replace(day=1, month=1 if rounding == "y" else start.month)
    if not end:
        return start
    following = (
        start + timedelta(days=1) if rounding == "d" else _months_back(start, -12 if rounding == "y" else -1)
    )
    return following - timedelta(milliseconds=1)


def _applied(macro: Callable[[str], str]) -> Callable[[re.Match[str]], str]:
    return lambda match: macro(match.group(1).strip())


def expand(
    sql: str,
    start: datetime,
    end: datetime,
    variables: dict[str, str],
    *,
    interval_s: int = 60,
    now: datetime | None = None,
) -> str:
    """The SQL Grafana sends for the range start..end, ``now64(6)`` pinned to ``now`` (by
    default ``end``: the engine's own clock is not the one libfaketime moves in the boundary
    runs). ``ValueError`` if a variable or macro is left unexpanded."""
    pinned = (now or end).astimezone(UTC)
    sql = sql.replace("now64(6)", f"toDateTime64('{pinned:%Y-%m-%d %H:%M:%S.%f}', 6, 'UTC')")
    frm, to = int(start.timestamp()), int(end.timestamp())
    frm_ms, to_ms = int(start.timestamp() * 1000), int(end.timestamp() * 1000)
    macros: dict[str, Callable[[str], str]] = {
        "timeFilter": lambda c: f"{c} >= toDateTime({frm}) AND {c} <= toDateTime({to})",
        "timeFilter_ms": lambda c: (
            f"{c} >= fromUnixTimestamp64Milli({frm_ms}) AND {c} <= fromUnixTimestamp64Milli({to_ms})"
        ),
        "timeInterval": lambda c: f"toStartOfInterval(toDateTime({c}), INTERVAL {interval_s} second)",
        "dateFilter": lambda c: f"{c} >= toDate('{start:%Y-%m-%d}') AND {c} <= toDate('{end:%Y-%m-%d}')",
    }
    for name, make in macros.items():
        sql = re.sub(rf"\$__{name}\(([^()]*)\)", _applied(make), sql)
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
    if leftover:
        raise ValueError(f"unexpanded in the panel's SQL: {leftover}")
    return sql
