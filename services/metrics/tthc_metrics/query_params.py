"""Query parameters formatted once, and bound as that text afterwards.

clickhouse-connect formats a bound value character by character: about 20 ms for a
province's 1,200 unit codes, on every query that binds them (more than the query itself),
and 10 ms for a refresh's 5,000 case codes. ``Formatted`` writes lists of plain codes, dates
and numbers directly and leaves anything else to clickhouse-connect's own
``format_bind_value``; ``formatted`` keeps the values the reads bind again and again (a
subtree's units, a roll-up's map), keyed by their content.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import date
from typing import Any

from clickhouse_connect.driver.binding import format_bind_value

_PLAIN = re.compile(r"[A-Za-z0-9 ._:/+-]*")
"""Text that needs no escaping in a quoted ClickHouse literal."""


def _fast_literal(value: Any) -> str | None:
    """A list of plain strings, dates, integers or tuples of them as a ClickHouse literal; None
    for anything else (clickhouse-connect formats it)."""
    if isinstance(value, str):
        return f"'{value}'" if _PLAIN.fullmatch(value) else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, date):
        return f"'{value.isoformat()}'" if type(value) is date else None
    if isinstance(value, (list, tuple)):
        parts = [_fast_literal(v) for v in value]
        if any(p is None for p in parts):
            return None
        inner = ", ".join(parts)  # type: ignore[arg-type]
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    return None


class Formatted:
    """A query parameter's value, formatted once: bound as this text."""

    __slots__ = ("text",)

    def __init__(self, value: Any) -> None:
        fast = _fast_literal(value) if isinstance(value, list) else None
        self.text = fast if fast is not None else format_bind_value(value)

    def __str__(self) -> str:  # what format_bind_value binds for a type it does not know
        return self.text


FORMATTED_KEPT = 256
"""Values kept formatted (``formatted``): a few MB at a province's size."""
_formatted: OrderedDict[Hashable, Formatted] = OrderedDict()
_formatted_lock = threading.Lock()


def formatted(key: Hashable, build: Callable[[], Any]) -> Formatted:
    """The value ``build()`` formatted, kept by ``key`` (the most recent ``FORMATTED_KEPT``)."""
    with _formatted_lock:
        if key in _formatted:
            _formatted.move_to_end(key)
            return _formatted[key]
    value = Formatted(build())
    with _formatted_lock:
        _formatted[key] = value
        while len(_formatted) > FORMATTED_KEPT:
            _formatted.popitem(last=False)
    return value
