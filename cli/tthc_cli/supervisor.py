"""``tthc up``: every service as its own child process (``tthc run <name>``).

A child that dies is restarted with exponential backoff (reset once it has run for a
while); Ctrl-C or SIGTERM stops every child with SIGTERM, then SIGKILL after a grace
period. Redis must answer before anything starts.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

import redis

from tthc_contract.logs import configure_logging, get_logger
from tthc_contract.settings import Settings

BACKOFF_START_S = 1.0
BACKOFF_MAX_S = 30.0
STABLE_AFTER_S = 60.0
GRACE_S = 15.0

log = get_logger("tthc.up")


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    backoff_s: float = BACKOFF_START_S
    restart_at: float | None = None
    restarts: int = field(default=0)


def _command(name: str) -> list[str]:
    tthc = shutil.which("tthc", path=os.path.dirname(sys.executable)) or shutil.which("tthc")
    if tthc:
        return [tthc, "run", name]
    return [sys.executable, "-m", "tthc_cli.main", "run", name]


def redis_problem(url: str) -> str | None:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except (redis.RedisError, OSError) as exc:
        return (
            f"Redis at {url} does not answer ({exc}). Start it (make redis, or "
            "'redis-server --daemonize yes') or set TTHC_REDIS_URL."
        )
    return None


def _start(child: Child) -> None:
    child.process = subprocess.Popen(_command(child.name))
    child.started_at = time.monotonic()
    child.restart_at = None
    log.info("child.started", child=child.name, pid=child.process.pid, restarts=child.restarts)


def _check(child: Child, now: float) -> None:
    if child.process is not None:
        code = child.process.poll()
        if code is None:
            if now - child.started_at > STABLE_AFTER_S:
                child.backoff_s = BACKOFF_START_S
            return
        log.warning("child.died", child=child.name, exit_code=code, restart_in_s=child.backoff_s)
        child.process = None
        child.restart_at = now + child.backoff_s
        child.backoff_s = min(child.backoff_s * 2, BACKOFF_MAX_S)
    if child.restart_at is not None and now >= child.restart_at:
        child.restarts += 1
        _start(child)


def _stop_all(children: list[Child]) -> None:
    running = [c for c in children if c.process and c.process.poll() is None]
    for child in running:
        assert child.process is not None
        child.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + GRACE_S
    for child in running:
        assert child.process is not None
        try:
            child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("child.killed", child=child.name, after_s=GRACE_S)
            child.process.kill()
            child.process.wait()
        log.info("child.stopped", child=child.name, exit_code=child.process.returncode)


def up(names: list[str]) -> int:
    settings = Settings()
    configure_logging("up", settings.log_level, settings.log_format)
    problem = redis_problem(settings.redis_url)
    if problem:
        print(f"tthc up: {problem}", file=sys.stderr)
        return 1
    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    children = [Child(name) for name in names]
    for child in children:
        _start(child)
    try:
        while not stopping:
            now = time.monotonic()
            for child in children:
                _check(child, now)
            time.sleep(0.2)
    finally:
        log.info("up.stopping", children=[c.name for c in children])
        _stop_all(children)
    return 0
