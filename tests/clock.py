"""Instants for tests that must hold at any moment, the first second of a month or a year
included (``make test-boundaries`` runs the suite there).

A test that needs "now" in a period uses the start of the current period, which is never
in the future and always in that period, instead of "some hours ago".
"""

from __future__ import annotations

from datetime import datetime

from tthc_contract.periods import LOCAL_TZ, PeriodKind, period_of


def local_now() -> datetime:
    return datetime.now(LOCAL_TZ)


def start_of_current(kind: PeriodKind, now: datetime | None = None) -> datetime:
    """Local midnight that starts the current month, quarter or year: in it, and not after now."""
    start, _ = period_of(now or local_now(), kind).bounds()
    return start.astimezone(LOCAL_TZ)
