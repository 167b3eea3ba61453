#!/usr/bin/env bash
# Creates .venv with the locked dependencies (uv, from uv.lock) unless it is up to date.
set -euo pipefail
cd "$(dirname "$0")/../.."
. deploy/local/lib.sh

PY=${PYTHON:-python3}
command -v "$PY" >/dev/null || ensure_packages python3 python3
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || die "Python 3.11 or newer is needed ($PY is $("$PY" -V 2>&1))"
"$PY" -c 'import ensurepip' 2>/dev/null || ensure_packages "" python3-venv

# Behind a TLS-inspecting proxy the proxy's CA is in the system store only: both installers
# must trust that store (uv otherwise uses its bundled Mozilla roots, pip its certifi copy).
export UV_SYSTEM_CERTS=1
SYSTEM_CA=/etc/ssl/certs/ca-certificates.crt
PIP_TRUST=()
[ -z "${PIP_CERT:-}" ] && [ -f "$SYSTEM_CA" ] && PIP_TRUST=(--cert "$SYSTEM_CA")

UV_VERSION=0.13.9
if [ ! -x .tools/bin/uv ] || ! .tools/bin/uv --version | grep -q "$UV_VERSION"; then
  say "bootstrapping uv $UV_VERSION into .tools/"
  "$PY" -m venv .tools
  .tools/bin/pip install -q --disable-pip-version-check "${PIP_TRUST[@]}" "uv==$UV_VERSION"
fi
stamp=.venv/.synced
if [ ! -f "$stamp" ] || [ uv.lock -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  say "installing the project and its locked dependencies into .venv/"
  UV_PYTHON_DOWNLOADS=never .tools/bin/uv sync --frozen --python "$(command -v "$PY")" --quiet
  touch "$stamp"
fi
