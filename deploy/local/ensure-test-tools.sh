#!/usr/bin/env bash
# What the tests need besides Redis and Alertmanager: Debian's docker-compose, to validate
# docker-compose.yml without a Docker engine.
set -euo pipefail
cd "$(dirname "$0")/../.."
. deploy/local/lib.sh
ensure_packages docker-compose docker-compose
