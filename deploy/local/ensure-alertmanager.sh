#!/usr/bin/env bash
# Makes sure Alertmanager answers at TTHC_ALERTMANAGER_URL with the plan's configuration;
# starts a local one (Debian's prometheus-alertmanager) if none does, reloads ours if it does.
# With --binary-only, only makes sure the package is installed (the tests start their own).
# Extra arguments are passed to `tthc alertmanager-config` (e.g. --extra-webhook URL).
set -euo pipefail
cd "$(dirname "$0")/../.."
. deploy/local/lib.sh

ensure_packages "prometheus-alertmanager amtool" prometheus-alertmanager
ensure_packages curl curl
[ "${1:-}" = "--binary-only" ] && exit 0

URL=${TTHC_ALERTMANAGER_URL:-http://127.0.0.1:9093}
DIR="$PWD/data/alertmanager"
mkdir -p "$DIR/data"
.venv/bin/tthc alertmanager-config --output-dir "$DIR" "$@" >/dev/null
amtool check-config "$DIR/alertmanager.yml" >/dev/null || die "the rendered $DIR/alertmanager.yml is not valid"

if curl -fs "$URL/-/ready" >/dev/null 2>&1; then
  if [ -f "$DIR/alertmanager.pid" ] && kill -0 "$(cat "$DIR/alertmanager.pid")" 2>/dev/null; then
    kill -HUP "$(cat "$DIR/alertmanager.pid")"  # ours: reload the configuration
    say "Alertmanager reloaded at $URL"
  else
    say "Alertmanager answers at $URL (not started by us: its configuration is left alone)"
  fi
  exit 0
fi
read -r HOST PORT < <(.venv/bin/python -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(p.hostname or "127.0.0.1", p.port or 9093)' "$URL")
case "$HOST" in 127.0.0.1|localhost) ;; *) die "Alertmanager at $URL does not answer, and it is not on this machine";; esac
say "starting prometheus-alertmanager on $HOST:$PORT (config in $DIR)"
nohup prometheus-alertmanager --config.file="$DIR/alertmanager.yml" --storage.path="$DIR/data" \
  --web.listen-address="$HOST:$PORT" --cluster.listen-address= >"$DIR/alertmanager.log" 2>&1 &
echo $! >"$DIR/alertmanager.pid"
for _ in $(seq 100); do
  curl -fs "$URL/-/ready" >/dev/null 2>&1 && exit 0
  sleep 0.1
done
die "Alertmanager did not start; see $DIR/alertmanager.log"
