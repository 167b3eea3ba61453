"""Helpers of the fault drills: services as real processes, their status, exact counts."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import redis

from tthc_contract.events import canonical_json
from tthc_contract.indicators import BY_CODE
from tthc_contract.periods import parse_period, period_of
from tthc_contract.plan import Plan
from tthc_contract.signing import EntrySigner, load_signing_key
from tthc_contract.streams import EVENTS

from ..conftest import PLAN_PATH, REPO
from ..metrics import oracle
from ..metrics.events import utc
from ..servers import tthc_command

pytestmark = pytest.mark.faults


def status(port: str) -> dict[str, Any]:
    return httpx.get(f"http://127.0.0.1:{port}/v1/status", timeout=10).json()  # type: ignore[no-any-return]


def wait_status(
    port: str,
    done: Callable[[dict[str, Any]], bool],
    timeout: float = 240,
    process: subprocess.Popen[bytes] | None = None,
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    current: dict[str, Any] = {}
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"metrics exited with {process.returncode}")
        try:
            current = status(port)
            if "events_stored" in current and done(current):  # not an error body (still migrating)
                return current
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"status never reached the condition: {current}")


def drained(total: int) -> Callable[[dict[str, Any]], bool]:
    """Every entry read and acknowledged, and ``total`` distinct events stored."""
    return lambda s: s["stream"]["pending"] == 0 and s["stream"]["lag"] == 0 and s["events_stored"] == total


def check_indicators(port: str, events: list[dict[str, Any]], plan: Plan, periods: tuple[str, ...]) -> None:
    """Every count of the API equals the SPEC computed in plain Python over ``events``."""
    for unit in ("dong-phu", "kt", "vpdkdd"):
        for period in periods:
            body = httpx.get(
                f"http://127.0.0.1:{port}/v1/indicators", params={"unit": unit, "period": period}
            ).json()
            at = datetime.fromisoformat(body["as_of"])
            expected = oracle.count(events, plan, unit, parse_period(period), at)
            got = {}
            for item in body["indicators"]:
                ind = BY_CODE[item["code"]]
                got[ind.numerator], got[ind.denominator] = item["numerator"], item["denominator"]
            assert got == {k: expected[k] for k in got}, (unit, period)


def grafana_rows_written(port: str, process: subprocess.Popen[bytes]) -> datetime:
    """Wait for a round of the rows Grafana reads that began after every event was stored; the
    instant it began. The start's round writes every period since 2020 at nice 10 and may be
    under way: on a machine busy with other tests it took 105 s, hence the longer wait."""
    since = time.time()
    final = wait_status(
        port,
        lambda s: (s["this_process"]["grafana_rows"]["covers_since"] or 0) > since,
        timeout=600,
        process=process,
    )
    return datetime.fromtimestamp(final["this_process"]["grafana_rows"]["covers_since"], UTC)


def check_grafana_rows(data_dir: Path, events: list[dict[str, Any]], written_from: datetime) -> None:
    """The rows Grafana reads, for every unit of the shipped plan and the last months and
    quarters of the events closed when the round that wrote them began (``written_from``):
    the 766 rows hold the estimate ``/v1/scorecard`` computes (judged at their end then and
    whenever read); the indicator rows hold the oracle's counts at the instant each was
    computed. Read with metrics stopped, in a process of its own (``grafana_rows``: the
    embedded engine opens one data directory per process)."""
    closed = sorted({period_of(utc(e["time"]), k) for e in events for k in ("month", "quarter")}, key=str)
    codes = [p.code for p in closed if p.bounds()[1] <= written_from][-4:]
    assert len(codes) >= 2
    events_path = data_dir.parent / "grafana_rows_events.json"
    events_path.write_bytes(orjson.dumps(events))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.faults.grafana_rows",
            str(data_dir),
            str(PLAN_PATH),
            str(events_path),
            *codes,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def years_of(events: list[dict[str, Any]]) -> tuple[str, ...]:
    return tuple(sorted({e["time"][:4] for e in events}))


def preload(url: str, env: dict[str, str], events: list[dict[str, Any]]) -> None:
    """The events as ingest publishes them (signed with the key metrics will read)."""
    signer = EntrySigner(load_signing_key(None, Path(env["TTHC_DATA_DIR"]) / "stream.key"))
    pipe = redis.Redis.from_url(url).pipeline(transaction=False)
    for event in events:
        pipe.xadd(EVENTS, signer.entry(event["source"].encode(), event["id"].encode(), canonical_json(event)))
    pipe.execute()


def start_metrics(env: dict[str, str], log: Path | None = None) -> subprocess.Popen[bytes]:
    stderr = log.open("ab") if log else None
    return subprocess.Popen([*tthc_command(), "run", "metrics"], env=env, stderr=stderr)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 32 MiB tmpfs: a disk that fills up. Mounting needs root (or passwordless sudo)."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    if prefix and shutil.which("sudo") is None:
        raise RuntimeError(
            "the disk-full drill mounts a tmpfs: run the tests as root or with passwordless sudo"
        )
    subprocess.run([*prefix, "mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run([*prefix, "umount", "-l", str(mount)], check=False)


def fill(directory: Path) -> Path:
    """Take every free byte of ``directory``'s file system; returns the filler file."""
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 4096, 1):
            try:
                while os.write(fd, b"\0" * size):
                    pass
            except OSError:
                continue
    finally:
        os.close(fd)
    return filler
