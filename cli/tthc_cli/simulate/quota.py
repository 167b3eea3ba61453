"""Exact shares without coin flips: the k-th draw of share p succeeds when
floor((k+1)·p) > floor(k·p), so any run of draws is as close to p as integers allow
(80% online means 4 cases in every 5). Pure."""

from __future__ import annotations

import math
from collections import defaultdict


class Quotas:
    def __init__(self) -> None:
        self._counts: dict[tuple[str, str], int] = defaultdict(int)

    def take(self, unit: str, knob: str, share: float) -> bool:
        k = self._counts[(unit, knob)]
        self._counts[(unit, knob)] = k + 1
        # A tiny epsilon keeps exact decimals exact (0.8 × 5 = 4, not 3.9999…).
        return math.floor((k + 1) * share + 1e-9) > math.floor(k * share + 1e-9)
