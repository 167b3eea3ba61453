"""Ingest's own Prometheus counts (besides the requests every service counts)."""

from __future__ import annotations

from prometheus_client import Counter

from .publisher import EventPublisher

EVENTS = Counter("tthc_ingest_events_total", "Events in requests, by outcome", ["outcome"])
"""``accepted``: published to tthc:events; ``refused``: in a request answered 4xx or 503."""
NOT_REPLICATED = Counter(
    "tthc_ingest_not_replicated_total",
    "Requests answered 503 because fewer replicas than TTHC_REDIS_WAIT_REPLICAS confirmed them in time",
)
DVCQG_RECORDS = Counter(
    "tthc_ingest_dvcqg_records_total",
    "Portal sync records received, by service and outcome",
    ["service", "outcome"],
)


async def count_refusal(publisher: EventPublisher, status: int, events: int) -> None:
    """A refused request: in Prometheus and in the answers hash the operations samples read."""
    EVENTS.labels("refused").inc(events)
    await publisher.count_refusal(status)
