"""Garbage-collector settings for services that move many short-lived objects.

A batch of stream entries is tens of thousands of small lists and tuples that live for a
fraction of a second. With CPython's default thresholds they survive a few young
collections, get promoted, and trigger full collections that walk the whole heap,
including every imported module: a sixth of metrics' CPU time in the pipeline benchmark.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000
"""Allocations between young collections (CPython's default is 700): a batch dies young."""


def settle_startup_heap() -> None:
    """Call once start-up is over (modules imported, connections open, first insert done).

    What is alive then lives as long as the process; frozen, full collections skip it.
    """
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
