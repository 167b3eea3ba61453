#!/usr/bin/env bash
# The demo: every service (tthc up) and simulated traffic, until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/../.."
. deploy/local/lib.sh
BIN=.venv/bin
INGEST="http://${TTHC_INGEST_HOST:-127.0.0.1}:${TTHC_INGEST_PORT:-8081}"

"$BIN/tthc" up & UP=$!
SIM=
stop() { trap - INT TERM EXIT; [ -n "$SIM" ] && kill -TERM "$SIM" 2>/dev/null; kill -TERM "$UP" 2>/dev/null; wait; }
trap stop INT TERM EXIT

for _ in $(seq 100); do
  curl -fs "$INGEST/health" >/dev/null 2>&1 && break
  kill -0 "$UP" 2>/dev/null || die "tthc up stopped; see the messages above"
  sleep 0.2
done
say "ingest answers at $INGEST; sending 30 days of history, then live traffic"
say "indicators: curl 'http://127.0.0.1:${TTHC_METRICS_PORT:-8082}/v1/indicators?unit=kt'"
"$BIN/tthc" simulate --url "$INGEST" --days 30 --rate 0 --live ${TTHC_DEMO_SIMULATE_ARGS:-} & SIM=$!
wait "$UP"
