"""Redis stream names and entry fields: the one place they are spelled out.

Entry format of ``tthc:events``: the field ``event`` holds the CloudEvents JSON of
one event (UTF-8). That is all a producer inside the network needs to ``XADD``.
Ingest adds ``source``, ``id`` and ``sig`` (see ``signing``) so that metrics can
store what ingest already validated without validating it again.
"""

from __future__ import annotations

EVENTS = "tthc:events"
"""Validated case and feedback events, one CloudEvent per entry."""

INDICATORS = "tthc:indicators"
"""Indicator snapshots and due-soon lists published by metrics."""

ALERTS = "tthc:alerts"
"""Alert state changes published by alerts."""

DEAD = "tthc:dead"
"""Entries metrics could not store, with the reason and the original fields."""

EVENT_FIELD = b"event"
"""The field of a ``tthc:events`` entry that holds the event JSON."""
SOURCE_FIELD = b"source"
ID_FIELD = b"id"
SIG_FIELD = b"sig"

KIND_FIELD = b"kind"
"""Field of a ``tthc:indicators`` entry naming what the ``body`` holds."""

BODY_FIELD = b"body"
"""JSON body of a ``tthc:indicators`` or ``tthc:alerts`` entry."""

ALERT_FIELDS = (
    "id",
    "unit",
    "indicator",
    "period",
    "status",
    "value",
    "target",
    "numerator",
    "denominator",
    "started_at",
    "resolved_at",
)
"""Keys of an alert object (SPEC section 5): the body of a ``tthc:alerts`` entry."""

KIND_SNAPSHOT = "indicators"
KIND_DUE_SOON = "due_soon"

INGEST_STATS = "tthc:ingest:stats"
"""Hash of ingest's answers: field = HTTP status (or ``events_accepted``), value = count."""

METRICS_GROUP = "metrics"
ALERTS_GROUP = "alerts"
ALERT_ARCHIVE_GROUP = "metrics-alerts"
"""Consumer group with which metrics archives ``tthc:alerts`` into ClickHouse."""

INDICATORS_MAXLEN = 20_000
"""Snapshots are recomputed all the time; older ones only need to live until alerts reads
them (promptly: it reads without acknowledging, and a snapshot missed is superseded by the
next). At 1,200 units that is several full rounds; about 1 KB each, about 20 MB."""

ALERTS_MAXLEN = 100_000
"""Alert state changes (about 350 bytes each, at most about 35 MB); metrics archives them into
ClickHouse as they come (group ``metrics-alerts``)."""
DEAD_MAXLEN = 20_000
"""Dead letters kept (the oldest go first); see ``dead_letters`` for their size."""


def entry_seconds(entry_id: object) -> float:
    """A stream entry's id (``<ms>-<seq>``) as seconds since the epoch: when Redis added it."""
    text = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
    return int(text.split("-")[0]) / 1000
