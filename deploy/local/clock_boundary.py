"""Prints the libfaketime offset (``+<seconds>``) that puts the clock shortly after the next
local boundary of a month or a year (Asia/Ho_Chi_Minh), for ``make test-boundaries``.

``month`` is the next month start that is not a year start; ``year`` the next year start.
The boundary lies in the future, so programs that keep the real clock (Alertmanager, Redis)
only ever see the services' times ahead of their own, never behind.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def next_boundary(kind: str, now: datetime) -> datetime:
    if kind == "year":
        return datetime(now.year + 1, 1, 1, tzinfo=LOCAL)
    year, month = (now.year, now.month + 1) if now.month < 12 else (now.year + 1, 1)
    if month == 1:
        month = 2
    return datetime(year, month, 1, tzinfo=LOCAL)


def main() -> None:
    kind = sys.argv[1]
    after_s = float(sys.argv[2]) if len(sys.argv) > 2 else 30.0
    now = datetime.now(LOCAL)
    boundary = next_boundary(kind, now)
    offset = boundary + timedelta(seconds=after_s) - now
    print(f"{kind} boundary {boundary.isoformat()} (+{after_s:g} s)", file=sys.stderr)
    print(f"+{int(offset.total_seconds())}")


if __name__ == "__main__":
    main()
