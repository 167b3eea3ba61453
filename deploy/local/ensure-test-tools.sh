#!/usr/bin/env bash
# What the tests need besides Redis and Alertmanager, installed if missing:
# - Debian's docker-compose, to validate docker-compose.yml without a Docker engine;
# - faketime (libfaketime) and a C compiler for its shim, for the suite at month and year
#   boundaries (deploy/local/test-at-boundary.sh);
# - LibreOffice (Writer, Calc), poppler and Chromium, to open, print and look at the reports;
# - Prometheus (prometheus, promtool) for the operations tests; Node.js and npm for Grafana's
#   own display logic (@grafana/data, installed from npm by the tests' set-up).
set -euo pipefail
cd "$(dirname "$0")/../.."
. deploy/local/lib.sh
ensure_packages docker-compose docker-compose
ensure_packages faketime faketime
ensure_packages gcc gcc libc6-dev
ensure_packages "soffice" libreoffice-writer libreoffice-calc
ensure_packages "pdftotext pdftoppm" poppler-utils
ensure_packages chromium chromium
ensure_packages "fc-list" fonts-liberation fontconfig
ensure_packages "prometheus promtool" prometheus
ensure_packages "node npm" nodejs npm

# @grafana/data and its jsdom, exactly as locked, for tests/dashboards/test_display.py. npm
# trusts the system's CA store too (a TLS-inspecting proxy's CA lives there).
DISPLAY=tests/dashboards/display
if [ ! -f "$DISPLAY/node_modules/.package-lock.json" ] || [ "$DISPLAY/package-lock.json" -nt "$DISPLAY/node_modules/.package-lock.json" ]; then
  say "installing Grafana's display packages (npm ci in $DISPLAY)"
  [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f /etc/ssl/certs/ca-certificates.crt ] \
    && export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
  npm ci --prefix "$DISPLAY" --no-audit --no-fund --loglevel=error >/dev/null \
    || die "npm could not install $DISPLAY/package-lock.json (is the npm registry reachable?)"
fi
mkdir -p .tools/lib
SHIM=.tools/lib/faketime-monotonic-sleep.so
if [ ! -f "$SHIM" ] || [ deploy/local/faketime-monotonic-sleep.c -nt "$SHIM" ]; then
  gcc -shared -fPIC -O2 -o "$SHIM" deploy/local/faketime-monotonic-sleep.c -ldl
fi
