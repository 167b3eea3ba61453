-- The pipeline's samples (stream length, lag, dead letters, ingest's answers) now live in
-- Prometheus, scraped from the services' /metrics; ClickHouse keeps the data only.
DROP TABLE IF EXISTS ops_samples;
