"""What the simulator sends, in either format: CloudEvents (``--format events``) or the
portal's sync requests (``--format dvcqg``), in time order, batched."""

from __future__ import annotations

import itertools

from .generator import Timed
from .portal_records import split, sync_request
from .sender import Sender

RECORD = "__record__"


class Shipper:
    def __init__(self, sender: Sender, fmt: str, batch: int) -> None:
        self.sender, self.fmt, self.batch = sender, fmt, batch
        # Unique, and before the generator's (positive) numbers at equal times.
        self._order = itertools.count(-(10**15))

    def outgoing(self, case: list[Timed]) -> list[Timed]:
        """The case's items to send: its events, or its record snapshots and the rest."""
        if self.fmt == "events":
            return case
        snapshots, others = split(case)
        records = [
            Timed(at, -i - 1, {RECORD: record, "updating": i > 0, "events": 1})
            for i, (at, record) in enumerate(snapshots)
        ]
        return sorted([*records, *others])

    async def ship(self, items: list[Timed]) -> int:
        """Send ``items`` (records first: they carry each case's receipt); returns how many."""
        records = [t.event for t in items if RECORD in t.event]
        events = [t.event for t in items if RECORD not in t.event]
        for start in range(0, len(records), self.batch):
            chunk = records[start : start + self.batch]
            request = sync_request([r[RECORD] for r in chunk], updating=any(r["updating"] for r in chunk))
            await self.sender.send_records(request, len(chunk))
        for start in range(0, len(events), self.batch):
            await self.sender.send(events[start : start + self.batch])
        return len(items)
