"""Durations as the plan file writes them: ``90s``, ``5m``, ``24h``, ``2d``, ``1h30m``."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+)(ms|s|m|h|d|w)")


MAX_DURATION = timedelta(days=3660)
"""No duration of the system is longer than about ten years; longer ones are mistakes."""


def parse_duration(text: str, longest: timedelta = MAX_DURATION) -> timedelta:
    """Parse a Prometheus-style duration; raises ``ValueError`` with the accepted forms."""
    if not isinstance(text, str) or not text or len(text) > 64 or _PART.sub("", text) != "":
        raise ValueError(
            f"{text[:64]!r} is not a duration; write a number and a unit, e.g. 90s, 5m, 24h, 2d "
            "or 1h30m (units: ms, s, m, h, d, w)"
        )
    seconds = sum(int(n) * _UNITS[u] for n, u in _PART.findall(text))
    if seconds > longest.total_seconds():
        raise ValueError(f"{text!r} is too long; at most {format_duration(longest)}")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The shortest Prometheus-style spelling, as Alertmanager accepts it (``1h30m``)."""
    total_ms = round(value.total_seconds() * 1000)
    if total_ms == 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        count, total_ms = divmod(total_ms, size)
        if count:
            parts.append(f"{count}{unit}")
    if total_ms:
        parts.append(f"{total_ms}ms")
    return "".join(parts)
