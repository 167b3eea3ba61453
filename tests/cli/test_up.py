"""``tthc up``: children named on their command line, restarted when killed, stopped cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from ..servers import RedisServer, free_port, stop_process, tthc_command, tthc_env, wait_http

pytestmark = pytest.mark.slow


def child_named(
    parent: psutil.Process, name: str, timeout: float = 20.0, not_pid: int | None = None
) -> psutil.Process:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in parent.children():
            try:
                cmdline = child.cmdline()
            except (psutil.ZombieProcess, psutil.NoSuchProcess):
                continue  # the killed child, not reaped yet
            if cmdline[-2:] == ["run", name] and child.pid != not_pid:
                return child
        time.sleep(0.1)
    raise AssertionError(f"no child 'run {name}' of {parent.pid}")


def test_up_runs_restarts_and_stops(tmp_path: Path, redis_server: RedisServer, redis_url: str) -> None:
    env = tthc_env(tmp_path, redis_url)
    up = subprocess.Popen([*tthc_command(), "up", "--only", "ingest"], env=env)
    try:
        health = f"http://127.0.0.1:{env['TTHC_INGEST_PORT']}/health"
        wait_http(health, process=up)
        first = child_named(psutil.Process(up.pid), "ingest")
        assert "tthc" in " ".join(first.cmdline())
        os.kill(first.pid, signal.SIGKILL)
        second = child_named(psutil.Process(up.pid), "ingest", not_pid=first.pid)
        assert second.pid != first.pid
        wait_http(health, process=up)
    finally:
        code = stop_process(up)
    assert code == 0
    assert not second.is_running() or second.status() == psutil.STATUS_ZOMBIE


def test_up_fails_at_once_without_redis(tmp_path: Path) -> None:
    env = tthc_env(tmp_path, f"redis://127.0.0.1:{free_port()}/0")
    started = time.monotonic()
    result = subprocess.run(
        [*tthc_command(), "up"], env=env, capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 1
    assert "does not answer" in result.stderr and "TTHC_REDIS_URL" in result.stderr
    assert time.monotonic() - started < 10


def test_ingest_workers_do_not_outlive_a_killed_supervisor(
    tmp_path: Path, redis_server: RedisServer, redis_url: str
) -> None:
    env = tthc_env(tmp_path, redis_url, TTHC_INGEST_WORKERS="2")
    ingest = subprocess.Popen([*tthc_command(), "run", "ingest"], env=env)
    health = f"http://127.0.0.1:{env['TTHC_INGEST_PORT']}/health"
    try:
        wait_http(health, process=ingest)
        workers = psutil.Process(ingest.pid).children()
        assert len(workers) >= 2
        os.kill(ingest.pid, signal.SIGKILL)
        ingest.wait()
        _gone, alive = psutil.wait_procs(workers, timeout=15)
        assert not alive, "workers must exit when their supervisor is killed"
        again = subprocess.Popen([*tthc_command(), "run", "ingest"], env=env)
        try:
            wait_http(health, process=again)
        finally:
            assert stop_process(again) == 0
    finally:
        stop_process(ingest)


def answers(url: str) -> bool:
    import httpx

    try:
        httpx.get(url, timeout=1)
    except httpx.HTTPError:
        return False
    return True


@pytest.mark.faults
def test_a_killed_supervisor_leaves_nothing_and_a_new_one_starts_cleanly(
    tmp_path: Path, redis_server: RedisServer, redis_url: str
) -> None:
    env = tthc_env(tmp_path, redis_url)
    urls = [
        f"http://127.0.0.1:{env[f'TTHC_{n.upper()}_PORT']}/health" for n in ("ingest", "metrics", "alerts")
    ]
    first = subprocess.Popen([*tthc_command(), "up"], env=env)
    try:
        wait_http(urls[0], process=first)
        wait_http(urls[1], timeout=60, process=first)
        children = psutil.Process(first.pid).children(recursive=True)
        assert {" ".join(c.cmdline()[-2:]) for c in children} >= {"run ingest", "run metrics", "run alerts"}
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        _gone, alive = psutil.wait_procs(children, timeout=30)
        assert not alive, f"children outlived their supervisor: {[c.cmdline() for c in alive]}"
    finally:
        stop_process(first)
    second = subprocess.Popen([*tthc_command(), "up"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        wait_http(urls[0], process=second)
        wait_http(urls[1], timeout=60, process=second)
        deadline = time.monotonic() + 30
        while not answers(urls[2]):  # alerts answers (503 without an Alertmanager: that is honest)
            assert time.monotonic() < deadline, "alerts did not start"
            time.sleep(0.2)
    finally:
        assert stop_process(second) == 0
    log = second.stderr.read() if second.stderr else ""
    assert "child.died" not in log, "no child of the new supervisor may crash on a port still held"
