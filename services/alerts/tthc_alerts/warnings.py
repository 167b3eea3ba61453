"""Early warnings: items of a unit about to go late, each warned about once (pure).

One missed feedback item breaks a 100% target, so a unit is told which cases and
feedback items must be handled before which deadline. The items already warned about
are remembered (in Redis, by the engine); a later list only warns about the new ones,
at most once per ``alerts.due_soon_every`` per unit (an item entering a 48-hour window
waits at most that long). A warning ends by itself at the last deadline it names.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from .records import DueSoonWarning, warning_key


def new_warning(
    unit: str, period: str, items: list[dict[str, Any]], *, warned: set[str], within_s: float, now: datetime
) -> DueSoonWarning | None:
    """A warning for the items not warned about before, or None."""
    fresh = [item for item in items if item["code"] not in warned]
    if not fresh:
        return None
    ends = max(datetime.fromisoformat(item["due"]) for item in fresh)
    return DueSoonWarning(unit, period, tuple(fresh), within_s, now, ends, key=warning_key(fresh))


def expire(warning: DueSoonWarning, now: datetime) -> tuple[DueSoonWarning, bool]:
    """Past its last deadline a warning is over (resolved); returns whether that changed."""
    if warning.status == "firing" and now >= warning.ends_at:
        return replace(warning, status="resolved", resolved_at=warning.ends_at), True
    return warning, False
