"""Nothing the bridge sees is lost without a trace (SPEC section 9.1).

Every sync record that reaches the bridge is counted: translated (``dvcqg_records``), a
progress step (``dvcqg_progress``), or kept in ``tthc:dead`` with its reason code, the
reason in words, the original record, the sending source, the path, the envelope's
``madonvi`` and whether the portal accepted it (``dvcqg_dead``, and by reason in
``tthc:dead:by_reason``). A sync body that cannot be read at all is kept whole, its
credential fields masked. Requests that are not sync services are counted as forwarded and
never stored. The same counts are in Prometheus.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from prometheus_client import Counter

from tthc_contract.dead_letters import DeadLetter, DeadLetterBox

from ..observability import DVCQG_RECORDS
from ..publisher import EventPublisher
from .portal import RefusedRecord
from .sync_body import PROGRESS, SYNC

ORIGIN = "dvcqg"
DVCQG_DEAD = Counter(
    "tthc_ingest_dvcqg_dead_total", "Portal sync records kept in tthc:dead, by reason", ["reason"]
)
DVCQG_FORWARDED = Counter(
    "tthc_ingest_dvcqg_forwarded_total",
    "Requests relayed to the portal that are not sync services (never stored), by kind",
    ["kind"],
)


@dataclass(frozen=True, slots=True)
class Where:
    """Where a request came from, kept with what it leaves in ``tthc:dead``."""

    source: str
    path: str
    portal_accepted: bool | None
    """Relay mode: whether the portal accepted the request; ``None`` in translate mode."""
    agency: str | None = None
    received_at: datetime | None = None

    def fields(self) -> dict[bytes, bytes]:
        at = self.received_at or datetime.now(UTC)
        out = {
            b"source": self.source.encode(),
            b"path": self.path.encode(),
            b"received_at": at.isoformat(timespec="seconds").encode(),
            b"portal_accepted": {True: b"1", False: b"0", None: b""}[self.portal_accepted],
        }
        if self.agency:
            out[b"agency"] = self.agency.encode()
        return out


class BridgeLedger:
    def __init__(self, publisher: EventPublisher) -> None:
        self.publisher = publisher
        self.dead = DeadLetterBox(publisher.redis)

    async def translated(self, records: int) -> None:
        if records:
            DVCQG_RECORDS.labels(SYNC, "accepted").inc(records)
            await self.publisher.count("dvcqg_records", records)

    async def steps(self, steps: int) -> None:
        if steps:
            DVCQG_RECORDS.labels(PROGRESS, "counted").inc(steps)
            await self.publisher.count("dvcqg_progress", steps)

    async def forwarded(self, kind: str) -> None:
        DVCQG_FORWARDED.labels(kind if kind in ("login", "TraCuuHoSo", "LayThuTuc") else "other").inc()
        await self.publisher.count("dvcqg_forwarded", 1)

    async def keep_records(self, records: list[Any], refused: list[RefusedRecord], where: Where) -> None:
        """The refused records, each with its reason and the original record."""
        letters = [
            DeadLetter(
                b"",
                {b"record": orjson.dumps(records[r.index]), **where.fields()},
                f"{r.field}: {r.en} ({r.vi})",
                origin=ORIGIN,
                code=r.reason,
            )
            for r in refused
        ]
        await self._send(letters)

    async def keep_body(self, body: bytes, code: str, reason: str, where: Where) -> None:
        """A sync body that could not be read: kept whole (credentials masked by the caller)."""
        await self._send(
            [DeadLetter(b"", {b"body": body, **where.fields()}, reason, origin=ORIGIN, code=code)]
        )

    async def _send(self, letters: list[DeadLetter]) -> None:
        if not letters:
            return
        await self.dead.send(letters)
        await self.publisher.count("dvcqg_dead", len(letters))
        for letter in letters:
            DVCQG_DEAD.labels(letter.code).inc()
