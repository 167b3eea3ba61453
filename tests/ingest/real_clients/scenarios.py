"""About twenty dossiers as real systems hold them, and what the bridge must make of each client's
records. Every expectation is written by hand from SPEC 9 and 9.1 and from what each client sends
(README.md has the table); none is computed by the product. Apply ``expectations.PLAN_OVERLAY`` to the
shipped plan first. Times are local (UTC+7), in March 2026.

Typical use::

    for s in SCENARIOS:
        for request in opencps.requests(s.dossier, exists=s.exists):
            ...  # send to the bridge, then compare with s.expected["opencps"]
"""

from __future__ import annotations

from .scenario_kit import Scenario
from .scenarios_agency import WHO_AND_TEXT
from .scenarios_content import CONTENT
from .scenarios_lifecycle import LIFECYCLE

SCENARIOS: tuple[Scenario, ...] = LIFECYCLE + CONTENT + WHO_AND_TEXT

BY_NAME: dict[str, Scenario] = {s.name: s for s in SCENARIOS}

__all__ = ["BY_NAME", "SCENARIOS", "Scenario"]
