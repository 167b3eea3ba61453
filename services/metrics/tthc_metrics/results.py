"""Indicator counts computed recently enough to serve again.

A result stays valid while no flush has stored new events since it was computed (the
"generation" moved) and for at most ``ttl`` (lateness changes with time alone). The
snapshot loop fills it for every unit and watched period; the API fills it on a miss.
Answers carry the instant they were computed at (``as_of``), so a served result says
exactly which moment it describes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Result:
    generation: int
    computed_at: float
    at: datetime
    counts: dict[str, int]


class RecentResults:
    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self.generation = 0
        self._results: dict[tuple[str, str], Result] = {}

    def data_changed(self) -> None:
        self.generation += 1

    def get(self, unit: str, period: str) -> Result | None:
        found = self._results.get((unit, period))
        if found is None or found.generation != self.generation:
            return None
        if time.monotonic() - found.computed_at > self.ttl_s:
            return None
        return found

    def put(self, unit: str, period: str, generation: int, at: datetime, counts: dict[str, int]) -> None:
        """Keep a result computed from data of ``generation`` (read before the query ran)."""
        if self.ttl_s > 0 and generation == self.generation:
            self._results[(unit, period)] = Result(generation, time.monotonic(), at, counts)
