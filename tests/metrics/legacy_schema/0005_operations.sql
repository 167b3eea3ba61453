-- What the dashboards read besides the indicators.
-- periods: every month, quarter and year with its exact bounds in UTC (local midnights),
--   written from the contract's period logic at every start, so Grafana selects a period
--   by its code without defining periods a second time.
CREATE TABLE IF NOT EXISTS periods
(
    code String,
    kind LowCardinality(String),
    label String,
    start_utc DateTime64(6, 'UTC'),
    end_utc DateTime64(6, 'UTC')
)
ENGINE = MergeTree
ORDER BY code;

-- Every entry of tthc:alerts: the history of each alert (unit, indicator, period).
CREATE TABLE IF NOT EXISTS alert_changes
(
    stream_id String,
    changed_at DateTime64(3, 'UTC'),
    id String,
    unit LowCardinality(String),
    indicator LowCardinality(String),
    period String,
    status LowCardinality(String),
    value Nullable(Float64),
    target Nullable(Float64),
    numerator UInt64,
    denominator UInt64,
    started_at Nullable(DateTime64(3, 'UTC')),
    resolved_at Nullable(DateTime64(3, 'UTC'))
)
ENGINE = ReplacingMergeTree
ORDER BY (stream_id);

-- Operational samples taken by metrics every few seconds: stream length, lag and
-- pending entries, dead letters, ingest answers by status (counters since start).
CREATE TABLE IF NOT EXISTS ops_samples
(
    time DateTime64(3, 'UTC'),
    metric LowCardinality(String),
    value Float64
)
ENGINE = MergeTree
ORDER BY (metric, time)
TTL toDateTime(time) + INTERVAL 90 DAY;
