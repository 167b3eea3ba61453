#!/bin/bash
# Creates the read-only user Grafana connects with (run once, on an empty volume, by the
# official image's entrypoint). It may only read the project's database, and may change
# max_execution_time, which the Grafana plugin sets on every query.
set -euo pipefail
clickhouse client --user "$CLICKHOUSE_USER" --password "$CLICKHOUSE_PASSWORD" --multiquery <<SQL
CREATE SETTINGS PROFILE IF NOT EXISTS grafana_reader
    SETTINGS readonly = 1, max_execution_time = 60 CHANGEABLE_IN_READONLY;
CREATE USER IF NOT EXISTS ${CLICKHOUSE_GRAFANA_USER}
    IDENTIFIED WITH sha256_password BY '${CLICKHOUSE_GRAFANA_PASSWORD}'
    SETTINGS PROFILE grafana_reader;
GRANT SELECT ON ${CLICKHOUSE_DB}.* TO ${CLICKHOUSE_GRAFANA_USER};
SQL
