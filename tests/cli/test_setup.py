"""The set-up script behind a TLS-inspecting proxy: both installers trust the system store.

A proxy's CA is in the system store (``/etc/ssl/certs``) only; uv uses its bundled roots and
pip its certifi copy unless told otherwise. Stand-ins for python, pip and uv record what the
script asks of them, in a copy of the repository's set-up files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from ..conftest import REPO

STUB_PYTHON = """#!/bin/bash
# python: version checks pass; "-m venv DIR" makes a pip that records its arguments and
# installs a uv that records its environment.
if [ "$1" = "-c" ]; then exit 0; fi
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
  mkdir -p "$3/bin"
  cat > "$3/bin/pip" <<'PIP'
#!/bin/bash
echo "$@" > "$RECORD/pip-args"
cat > "$(dirname "$0")/uv" <<'UV'
#!/bin/bash
if [ "$1" = "--version" ]; then echo "uv 0.13.9"; exit 0; fi
env > "$RECORD/uv-env"; echo "$@" > "$RECORD/uv-args"; mkdir -p .venv
UV
chmod +x "$(dirname "$0")/uv"
PIP
  chmod +x "$3/bin/pip"
  exit 0
fi
exit 1
"""


def test_installers_use_the_system_certificate_store(tmp_path: Path) -> None:
    copy = tmp_path / "repo"
    (copy / "deploy" / "local").mkdir(parents=True)
    for name in ("ensure-python.sh", "lib.sh"):
        shutil.copy(REPO / "deploy" / "local" / name, copy / "deploy" / "local" / name)
    for name in ("pyproject.toml", "uv.lock"):
        shutil.copy(REPO / name, copy / name)
    python = tmp_path / "python3"
    python.write_text(STUB_PYTHON)
    python.chmod(0o755)
    record = tmp_path / "record"
    record.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "PIP_CERT", "UV_SYSTEM_CERTS")}
    env.update(PYTHON=str(python), RECORD=str(record))
    result = subprocess.run(
        ["bash", "deploy/local/ensure-python.sh"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    uv_env = dict(line.split("=", 1) for line in (record / "uv-env").read_text().splitlines() if "=" in line)
    assert uv_env.get("UV_SYSTEM_CERTS") == "1", "uv must load the platform's certificate store"
    assert "sync --frozen" in (record / "uv-args").read_text()
    if Path("/etc/ssl/certs/ca-certificates.crt").exists():
        assert "--cert /etc/ssl/certs/ca-certificates.crt" in (record / "pip-args").read_text()
