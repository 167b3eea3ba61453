-- Every stored event, exactly as accepted: the canonical CloudEvent JSON with all its
-- attributes (extensions included), and the attributes the dashboards filter on.
-- Written by the view events_mv (0002) from each batch inserted into events_incoming.
-- One row per (source, id): the writer skips identities already stored, and the engine
-- folds a rare double (a batch written again after a crash) in a merge; counts use
-- distinct identities and never depend on that merge.
CREATE TABLE IF NOT EXISTS events
(
    stream_id String,
    event String,
    source String MATERIALIZED JSONExtractString(event, 'source'),
    id String MATERIALIZED JSONExtractString(event, 'id'),
    type LowCardinality(String) MATERIALIZED JSONExtractString(event, 'type'),
    time DateTime64(6, 'UTC') MATERIALIZED parseDateTime64BestEffort(JSONExtractString(event, 'time'), 6, 'UTC'),
    subject String MATERIALIZED JSONExtractString(event, 'subject'),
    stored_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
ORDER BY (source, id)
