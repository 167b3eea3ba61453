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
mkdir -p .tools/lib
SHIM=.tools/lib/faketime-monotonic-sleep.so
if [ ! -f "$SHIM" ] || [ deploy/local/faketime-monotonic-sleep.c -nt "$SHIM" ]; then
  gcc -shared -fPIC -O2 -o "$SHIM" deploy/local/faketime-monotonic-sleep.c -ldl
fi
