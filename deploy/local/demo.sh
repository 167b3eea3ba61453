#!/usr/bin/env bash
# The demo: every service (tthc up), Alertmanager, a notification sink, and simulated
# traffic in which Phòng Kinh tế files only 80% of its dossiers online (target: 90%).
set -euo pipefail
cd "$(dirname "$0")/../.."
. deploy/local/lib.sh
ensure_packages curl curl
BIN=.venv/bin
INGEST="http://${TTHC_INGEST_HOST:-127.0.0.1}:${TTHC_INGEST_PORT:-8081}"
METRICS="http://${TTHC_METRICS_HOST:-127.0.0.1}:${TTHC_METRICS_PORT:-8082}"
ALERTS="http://${TTHC_ALERTS_HOST:-127.0.0.1}:${TTHC_ALERTS_PORT:-8083}"
SINK_PORT=${TTHC_DEMO_SINK_PORT:-9095}
SIMULATE_ARGS=${TTHC_DEMO_SIMULATE_ARGS:---set kt.online_rate=0.8}
FORMAT=${TTHC_DEMO_FORMAT:-events}   # dvcqg: the portal's sync requests to /v1/dvcqg instead

"$BIN/tthc" notifications --port "$SINK_PORT" & SINK=$!
deploy/local/ensure-alertmanager.sh --extra-webhook "http://127.0.0.1:$SINK_PORT/" --group-wait 5s --group-interval 30s
"$BIN/tthc" up & UP=$!
SIM=
stop() { trap - INT TERM EXIT; [ -n "$SIM" ] && kill -TERM "$SIM" 2>/dev/null; kill -TERM "$UP" "$SINK" 2>/dev/null; wait; }
trap stop INT TERM EXIT

for _ in $(seq 150); do
  curl -fs "$INGEST/health" >/dev/null 2>&1 && curl -fs "$METRICS/health" >/dev/null 2>&1 && break
  kill -0 "$UP" 2>/dev/null || die "tthc up stopped; see the messages above"
  sleep 0.2
done
say "ingest answers at $INGEST; sending 30 days of history, then live traffic ($FORMAT: $SIMULATE_ARGS)"
say "indicators:  curl '$METRICS/v1/indicators?unit=kt'"
say "alerts:      curl '$ALERTS/v1/alerts'   (Phòng Kinh tế fires after the plan's pending time, 5 minutes)"
MONTH=$(TZ=Asia/Ho_Chi_Minh date +%Y-%m)
say "monthly report: $METRICS/v1/reports/monthly.html?unit=dong-phu&period=$MONTH  (.docx, .xlsx too; or: .venv/bin/tthc report --period $MONTH)"
say "QĐ 766 estimate: curl '$METRICS/v1/scorecard?unit=dong-phu&period=$MONTH'  (changes as events arrive; .xlsx too)"
say "notifications sent to Phòng Kinh tế are printed below by 'tthc notifications'"
# shellcheck disable=SC2086 # the extra arguments are words on purpose
"$BIN/tthc" simulate --url "$INGEST" --format "$FORMAT" --days 30 --rate 0 --live --no-progress $SIMULATE_ARGS & SIM=$!
wait "$UP"
