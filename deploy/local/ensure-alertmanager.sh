#!/usr/bin/env bash
# Makes sure Alertmanager answers at every URL of TTHC_ALERTMANAGER_URL with the plan's
# configuration; starts a local one (Debian's prometheus-alertmanager) for each URL where
# none answers, reloads ours where one does.
# One URL: one Alertmanager, clustering off. Several (an HA cluster on this machine, e.g.
# TTHC_ALERTMANAGER_URL=http://127.0.0.1:9093,http://127.0.0.1:9094): one peer each, in one
# gossip cluster, peer at web port P listening for gossip on 127.0.0.1:(P+1000), with the
# same configuration file (the peers dedupe by it). The alerts service posts to all of them.
# With --binary-only, only makes sure the package is installed (the tests start their own).
# Extra arguments are passed to `tthc alertmanager-config` (e.g. --extra-webhook URL).
set -euo pipefail
cd "$(dirname "$0")/../.."
. deploy/local/lib.sh

ensure_packages "prometheus-alertmanager amtool" prometheus-alertmanager
ensure_packages curl curl
[ "${1:-}" = "--binary-only" ] && exit 0

URLS=${TTHC_ALERTMANAGER_URL:-http://127.0.0.1:9093}
DIR="$PWD/data/alertmanager"
mkdir -p "$DIR"
.venv/bin/tthc alertmanager-config --output-dir "$DIR" "$@" >/dev/null
amtool check-config "$DIR/alertmanager.yml" >/dev/null || die "the rendered $DIR/alertmanager.yml is not valid"

# "url host port" of each peer.
mapfile -t PEERS < <(.venv/bin/python -c '
import sys, urllib.parse as u
for url in filter(None, (x.strip().rstrip("/") for x in sys.argv[1].split(","))):
    p = u.urlsplit(url)
    print(url, p.hostname or "127.0.0.1", p.port or 9093)
' "$URLS")
[ "${#PEERS[@]}" -gt 0 ] || die "TTHC_ALERTMANAGER_URL names no Alertmanager"

# Where a peer keeps its data, pid and log; and its gossip flags (none for one peer).
peer_dir() { if [ "${#PEERS[@]}" = 1 ]; then echo "$DIR"; else echo "$DIR/peer-$1"; fi; }
cluster_flags() {
  if [ "${#PEERS[@]}" = 1 ]; then echo "--cluster.listen-address="; return; fi
  local flags="--cluster.listen-address=127.0.0.1:$(($1 + 1000))" other
  for other in "${PEERS[@]}"; do
    read -r _ _ port <<<"$other"
    [ "$port" = "$1" ] || flags="$flags --cluster.peer=127.0.0.1:$((port + 1000))"
  done
  echo "$flags"
}

for peer in "${PEERS[@]}"; do
  read -r URL HOST PORT <<<"$peer"
  PEER_DIR=$(peer_dir "$PORT")
  mkdir -p "$PEER_DIR/data"
  if curl -fs "$URL/-/ready" >/dev/null 2>&1; then
    if [ -f "$PEER_DIR/alertmanager.pid" ] && kill -0 "$(cat "$PEER_DIR/alertmanager.pid")" 2>/dev/null; then
      kill -HUP "$(cat "$PEER_DIR/alertmanager.pid")"  # ours: reload the configuration
      say "Alertmanager reloaded at $URL"
    else
      say "Alertmanager answers at $URL (not started by us: its configuration is left alone)"
    fi
    continue
  fi
  case "$HOST" in 127.0.0.1|localhost) ;; *) die "Alertmanager at $URL does not answer, and it is not on this machine";; esac
  say "starting prometheus-alertmanager on $HOST:$PORT (config in $DIR)"
  # shellcheck disable=SC2046 # the cluster flags are words on purpose
  nohup prometheus-alertmanager --config.file="$DIR/alertmanager.yml" --storage.path="$PEER_DIR/data" \
    --web.listen-address="$HOST:$PORT" $(cluster_flags "$PORT") >"$PEER_DIR/alertmanager.log" 2>&1 &
  echo $! >"$PEER_DIR/alertmanager.pid"
done

for peer in "${PEERS[@]}"; do
  read -r URL _ PORT <<<"$peer"
  for _ in $(seq 100); do
    curl -fs "$URL/-/ready" >/dev/null 2>&1 && continue 2
    sleep 0.1
  done
  die "Alertmanager did not start at $URL; see $(peer_dir "$PORT")/alertmanager.log"
done
