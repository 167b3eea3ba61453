"""When an entry is poison: it kills its consumer, again and again, even when stored alone (pure).

A delivery count cannot tell poison from bad luck: every restart of metrics, and every
restart during a ClickHouse outage, delivers all pending entries once more. What does
tell is a consumer that died *while processing* an entry (``crash_witness``): each such
interruption counts against the entries being processed then, and only then.

An entry interrupted ``c`` times is stored in a group of at most ``max_rows / 4**c``
entries (a quarter of the last group), so a poison entry is cornered in a few crashes;
once it is alone, ``alone_limit`` more interruptions send it to ``tthc:dead``. Restarts
while waiting for ClickHouse, or while other entries are processed, never count.
"""

from __future__ import annotations


def group_size(crashes: int, max_rows: int) -> int:
    """How many entries with ``crashes`` interruptions are processed together."""
    return max(1, max_rows >> (2 * crashes))


def crashes_to_be_alone(max_rows: int) -> int:
    """Interruptions after which an entry is processed alone."""
    crashes = 0
    while group_size(crashes, max_rows) > 1:
        crashes += 1
    return crashes


def alone_crashes(crashes: int, max_rows: int) -> int:
    return max(0, crashes - crashes_to_be_alone(max_rows))


def is_poison(crashes: int, max_rows: int, alone_limit: int) -> bool:
    return alone_crashes(crashes, max_rows) >= alone_limit


def poison_reason(crashes: int, max_rows: int) -> str:
    return (
        f"its processing was interrupted {crashes} times (the consumer died), the last "
        f"{alone_crashes(crashes, max_rows)} times while it was processed alone: it crashes its consumer"
    )
