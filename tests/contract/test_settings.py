"""Settings from the environment: the SPEC's defaults, and clear errors for bad values."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from tthc_cli.exit_codes import EX_CONFIG
from tthc_contract.settings import Settings


def test_defaults_are_the_specs(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TTHC_DEDUP_WINDOW", "TTHC_REDIS_URL", "TTHC_CLICKHOUSE_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.dedup_window == "35d" and settings.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.clickhouse_dsn.startswith("chdb:///")


@pytest.mark.parametrize(
    ("value", "message"),
    [("5x", "is not a duration"), ("10m", "TTHC_DEDUP_WINDOW must be at least 3600s")],
)
def test_a_bad_dedup_window_is_refused_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    monkeypatch.setenv("TTHC_DEDUP_WINDOW", value)
    with pytest.raises(ValidationError, match=message):
        Settings()


def test_tthc_run_reports_bad_configuration_without_a_traceback() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TTHC_")} | {"TTHC_DEDUP_WINDOW": "soon"}
    tthc = str(Path(sys.executable).with_name("tthc"))
    done = subprocess.run(
        [tthc, "run", "metrics"], check=False, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == EX_CONFIG  # tthc up does not restart it
    assert "bad configuration" in done.stderr and "'soon' is not a duration" in done.stderr
    assert "Traceback" not in done.stderr
