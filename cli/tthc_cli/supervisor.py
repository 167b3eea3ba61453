"""``tthc up``: every service as its own child process (``tthc run <name>``).

A child that dies is restarted with exponential backoff (reset once it has run for a
while); Ctrl-C or SIGTERM stops every child with SIGTERM, then SIGKILL after a grace
period. The configuration must be valid (the plan, ``TTHC_API_KEYS``) and Redis must
answer before anything starts. A child that exits with ``EX_CONFIG`` (78: its
configuration is wrong, say a plan edited since) is not restarted, which would only
repeat the failure: every child is stopped and ``tthc up`` exits with 78 and the reason.

Children die with the supervisor, however it ends: each asks Linux for SIGTERM when its
parent dies (``PR_SET_PDEATHSIG``), so a ``kill -9`` of ``tthc up`` leaves nothing
running. A new ``tthc up`` first waits for the ports of its services to be free (the
children of a killed supervisor may still be storing their last batch).
"""

from __future__ import annotations

import asyncio
import ctypes
import errno
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import redis

from tthc_contract.logs import configure_logging, get_logger
from tthc_contract.redis_client import connect_settings, describe
from tthc_contract.settings import Settings

from .exit_codes import EX_CONFIG
from .runner import configuration_problem

BACKOFF_START_S = 1.0
BACKOFF_MAX_S = 30.0
STABLE_AFTER_S = 60.0
GRACE_S = 15.0
PORTS_WAIT_S = 60.0
PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None

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


def redis_problem(settings: Settings) -> str | None:
    """Why Redis cannot be reached as the services will reach it (through the sentinels,
    with ``TTHC_REDIS_SENTINELS``), or None."""

    async def ping() -> None:
        client = connect_settings(settings, retries=0, timeout_s=2.0)
        try:
            await client.ping()
        finally:
            await client.aclose()

    try:
        asyncio.run(ping())
    except (redis.RedisError, OSError) as exc:
        where = (
            "set TTHC_REDIS_SENTINELS, TTHC_REDIS_MASTER" if settings.sentinel_nodes else "set TTHC_REDIS_URL"
        )
        return (
            f"{describe(settings)} does not answer ({exc}). Start it (make redis, or "
            f"'redis-server --daemonize yes') or {where}."
        )
    return None


def _die_with(parent: int) -> Callable[[], None]:
    """Runs in the child between fork and exec: SIGTERM when ``parent`` dies (kept across exec)."""

    def arm() -> None:
        if _LIBC is not None:
            _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
            if os.getppid() != parent:  # the supervisor died before prctl took effect
                os._exit(1)

    return arm


def _start(child: Child) -> None:
    child.process = subprocess.Popen(_command(child.name), preexec_fn=_die_with(os.getpid()))  # noqa: PLW1509 - no threads here
    child.started_at = time.monotonic()
    child.restart_at = None
    log.info("child.started", child=child.name, pid=child.process.pid, restarts=child.restarts)


def _check(child: Child, now: float) -> int | None:
    """Restart ``child`` if it died and its time has come; its exit status if it died of EX_CONFIG."""
    if child.process is not None:
        code = child.process.poll()
        if code is None:
            if now - child.started_at > STABLE_AFTER_S:
                child.backoff_s = BACKOFF_START_S
            return None
        if code == EX_CONFIG:
            log.error(
                "child.bad_configuration", child=child.name, exit_code=code, action="stopping everything"
            )
            child.process = None
            return code
        log.warning("child.died", child=child.name, exit_code=code, restart_in_s=child.backoff_s)
        child.process = None
        child.restart_at = now + child.backoff_s
        child.backoff_s = min(child.backoff_s * 2, BACKOFF_MAX_S)
    if child.restart_at is not None and now >= child.restart_at:
        child.restarts += 1
        _start(child)
    return None


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


def service_ports(settings: Settings, names: list[str]) -> dict[str, tuple[str, int]]:
    every = {
        "ingest": (settings.ingest_host, settings.ingest_port),
        "metrics": (settings.metrics_host, settings.metrics_port),
        "alerts": (settings.alerts_host, settings.alerts_port),
    }
    return {name: every[name] for name in names}


def port_in_use(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False


def wait_for_ports(ports: dict[str, tuple[str, int]], timeout_s: float = PORTS_WAIT_S) -> str | None:
    """Wait until every port is free; the problem, if one stays taken."""
    deadline = time.monotonic() + timeout_s
    told: set[str] = set()
    while True:
        busy = {name: hp for name, hp in ports.items() if port_in_use(*hp)}
        if not busy:
            return None
        if time.monotonic() > deadline:
            taken = ", ".join(f"{name} {host}:{port}" for name, (host, port) in busy.items())
            return (
                f"ports still in use after {timeout_s:g} s: {taken} (another tthc up, or a process of yours?)"
            )
        for name in busy.keys() - told:
            log.warning("up.port_busy", service=name, port=busy[name][1], action="waiting for it to be free")
            told.add(name)
        time.sleep(0.2)


def up(names: list[str]) -> int:
    settings = Settings()
    configure_logging("up", settings.log_level, settings.log_format)
    problem = configuration_problem(settings)
    if problem:
        print(f"tthc up: {problem}", file=sys.stderr)
        return EX_CONFIG
    problem = redis_problem(settings) or wait_for_ports(service_ports(settings, names))
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
    misconfigured: Child | None = None
    try:
        while not stopping and misconfigured is None:
            now = time.monotonic()
            for child in children:
                if _check(child, now) == EX_CONFIG:
                    misconfigured = child
                    break
            else:
                time.sleep(0.2)
    finally:
        log.info("up.stopping", children=[c.name for c in children])
        _stop_all(children)
    if misconfigured is not None:
        # The child said why on stderr; say it again last, where it is seen.
        reason = configuration_problem(settings) or "see its message above"
        print(
            f"tthc up: {misconfigured.name} cannot start with this configuration (exit status "
            f"{EX_CONFIG}), so it is not restarted and every service is stopped: {reason}",
            file=sys.stderr,
        )
        return EX_CONFIG
    return 0
