"""``tthc up``: children named on their command line, restarted when killed, stopped cleanly;
a configuration error stops everything at once instead of a crash loop."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from tthc_cli.exit_codes import EX_CONFIG

from ..conftest import PLAN_PATH
from ..servers import RedisServer, free_port, stop_process, tthc_command, tthc_env, wait_http

pytestmark = pytest.mark.slow
PLAN_MISTAKE = "colour: unknown key"


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


def plan_file(tmp_path: Path, valid: bool = True) -> Path:
    """A copy of the shipped plan; made invalid (an unknown key) when not ``valid``."""
    path = tmp_path / "plan.yaml"
    path.write_text(
        PLAN_PATH.read_text(encoding="utf-8") + ("" if valid else "colour: blue\n"), encoding="utf-8"
    )
    return path


def test_up_refuses_an_invalid_plan_at_once_with_its_message(
    tmp_path: Path, redis_server: RedisServer, redis_url: str
) -> None:
    env = tthc_env(tmp_path, redis_url, TTHC_PLAN=str(plan_file(tmp_path, valid=False)))
    started = time.monotonic()
    result = subprocess.run(
        [*tthc_command(), "up"], env=env, capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == EX_CONFIG, result.stderr
    assert "is not valid" in result.stderr and PLAN_MISTAKE in result.stderr
    assert "child.started" not in result.stderr, "nothing starts on a plan that fails validation"
    assert time.monotonic() - started < 10


def test_a_service_refuses_an_invalid_plan_with_ex_config(tmp_path: Path) -> None:
    env = tthc_env(
        tmp_path, f"redis://127.0.0.1:{free_port()}/0", TTHC_PLAN=str(plan_file(tmp_path, valid=False))
    )
    result = subprocess.run(
        [*tthc_command(), "run", "alerts"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == EX_CONFIG
    assert result.stderr.startswith("tthc run alerts: plan file") and PLAN_MISTAKE in result.stderr
    assert "Traceback" not in result.stderr


def test_a_child_with_a_configuration_error_stops_everything_instead_of_restarting(
    tmp_path: Path, redis_server: RedisServer, redis_url: str
) -> None:
    """The plan is edited into a mistake while tthc up runs; a child then restarts on it."""
    plan = plan_file(tmp_path)
    env = tthc_env(tmp_path, redis_url, TTHC_PLAN=str(plan))
    up = subprocess.Popen(
        [*tthc_command(), "up", "--only", "ingest", "alerts"], env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_http(f"http://127.0.0.1:{env['TTHC_INGEST_PORT']}/health", process=up)
        alerts_url = f"http://127.0.0.1:{env['TTHC_ALERTS_PORT']}/health"
        deadline = time.monotonic() + 30
        while not answers(alerts_url):  # 503 without an Alertmanager: running
            assert time.monotonic() < deadline, "alerts did not start"
            time.sleep(0.2)
        supervisor = psutil.Process(up.pid)
        ingest, alerts = child_named(supervisor, "ingest"), child_named(supervisor, "alerts")
        plan.write_text(plan.read_text(encoding="utf-8") + "colour: blue\n", encoding="utf-8")
        os.kill(ingest.pid, signal.SIGKILL)  # restarted after 1 s, on the plan as it is now
        _, stderr = up.communicate(timeout=60)
    finally:
        stop_process(up)
    assert up.returncode == EX_CONFIG, stderr
    said = stderr[stderr.index("tthc up: ingest cannot start with this configuration") :]
    assert said.rstrip().endswith(PLAN_MISTAKE + " (see docs/plan-file.md for the keys a plan may have)"), (
        said
    )
    assert stderr.count('"child.started"') == 3, "ingest restarted once, then never again"
    assert psutil.wait_procs([alerts], timeout=5)[1] == [], "alerts is stopped with the supervisor"
