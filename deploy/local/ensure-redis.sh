#!/usr/bin/env bash
# Makes sure a Redis answers at TTHC_REDIS_URL; starts a local one (AOF on) if none does.
# With --binary-only, only makes sure redis-server and redis-sentinel are installed (the tests
# start their own: tests/sentinels.py runs a primary, replicas and three sentinels).
set -euo pipefail
cd "$(dirname "$0")/../.."
. deploy/local/lib.sh

ensure_packages "redis-server redis-cli" redis-server
ensure_packages redis-sentinel redis-sentinel
ensure_packages curl curl
[ "${1:-}" = "--binary-only" ] && exit 0

URL=${TTHC_REDIS_URL:-redis://127.0.0.1:6379/0}
if redis-cli -u "$URL" ping 2>/dev/null | grep -q PONG; then
  say "Redis answers at $URL"; exit 0
fi
read -r HOST PORT < <(.venv/bin/python -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(p.hostname or "127.0.0.1", p.port or 6379)' "$URL")
case "$HOST" in 127.0.0.1|localhost) ;; *) die "Redis at $URL does not answer, and it is not on this machine";; esac

DATA="$PWD/data/redis"
mkdir -p "$DATA"
say "starting redis-server on 127.0.0.1:$PORT (data in $DATA, append-only file fsynced on every write)"
redis-server deploy/local/redis.conf --port "$PORT" --dir "$DATA" \
  --pidfile "$DATA/redis.pid" --logfile "$DATA/redis.log" --daemonize yes
for _ in $(seq 50); do
  redis-cli -u "$URL" ping 2>/dev/null | grep -q PONG && exit 0
  sleep 0.1
done
die "redis-server did not start; see $DATA/redis.log"
