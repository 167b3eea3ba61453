"""Metrics' own Prometheus measures: what is stored, how fast, what fails, how fresh.

The stream gauges are sampled from Redis every ``TTHC_METRICS_OPS_SAMPLE_S`` (the sampler);
the others are kept as work happens or read when Prometheus scrapes.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

STORED = Counter("tthc_metrics_events_stored_total", "Distinct events stored in ClickHouse by this process")
DUPLICATES = Counter("tthc_metrics_duplicates_total", "Events already stored, skipped (re-sent duplicates)")
DEAD = Counter("tthc_metrics_dead_letters_total", "Entries this process sent to tthc:dead")
BATCH = Histogram(
    "tthc_metrics_batch_entries",
    "Stream entries per stored batch",
    buckets=(1, 10, 100, 500, 1000, 2000, 5000, 10000, 20000),
)
STORE_SECONDS = Histogram(
    "tthc_metrics_store_seconds",
    "Time to insert a batch into ClickHouse (successful inserts)",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
REFRESH_SECONDS = Histogram(
    "tthc_metrics_refresh_seconds",
    "Time to refresh the state and cells of the items stored batches touched (one refresh may cover several)",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
STORE_CALL_SECONDS = Counter(
    "tthc_metrics_store_call_seconds",
    "Time in ClickHouse calls by client role: wall, and the calling thread's CPU (the embedded "
    "engine runs most of a query on the thread that calls it)",
    ["role", "clock"],
)
STORE_FAILING = Gauge(
    "tthc_metrics_store_failing", "1 while ClickHouse or Redis fails (writes retried), or start-up waits"
)
SNAPSHOT_SECONDS = Histogram(
    "tthc_metrics_snapshot_seconds",
    "Time to compute and publish one round of indicator snapshots (all units, or those changed)",
    ["scope"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
SNAPSHOT_AGE = Gauge(
    "tthc_metrics_snapshot_age_seconds", "Seconds since indicator snapshots were last published"
)
STREAM_LENGTH = Gauge("tthc_stream_length", "Entries in tthc:events")
STREAM_LAG = Gauge("tthc_stream_lag", "Entries of tthc:events not yet read by the metrics group")
STREAM_PENDING = Gauge("tthc_stream_pending", "Entries read by the metrics group, not yet acknowledged")
DEAD_LETTERS = Gauge("tthc_dead_letters", "Entries in tthc:dead so far (all producers)")
INGEST_ANSWERS = Gauge(
    "tthc_ingest_answers", "Ingest's answers by status, counted in Redis since the stream began", ["status"]
)
STREAM_TRIMMED = Counter(
    "tthc_metrics_stream_trimmed_total",
    "Entries of tthc:events this process trimmed once every consumer group had stored them",
)
GRAFANA_ROWS_SECONDS = Histogram(
    "tthc_metrics_grafana_rows_round_seconds",
    "Time to write one round of the rows Grafana reads (scorecard_points, unit_indicators)",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
GRAFANA_ROWS_OWED = Gauge(
    "tthc_metrics_grafana_rows_owed", "(unit, period) pairs of the rows Grafana reads waiting to be written"
)
