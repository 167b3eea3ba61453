"""What the benchmarks run against: a private redis-server, services as child processes,
and realistic events from the simulator's generator."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import redis

from tthc_contract.periods import LOCAL_TZ
from tthc_contract.plan import Plan

from ..simulate.generator import Generator
from ..simulate.profile import build_profiles


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def redis_server_argv(binary: str, port: int, directory: Path, fsync: str = "always") -> list[str]:
    """A private redis-server on localhost, durable as deployed locally: every write in the
    append-only file, fsynced before the reply (``always``; ``everysec`` for comparison)."""
    return [
        *(binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory)),
        *("--save", "", "--appendonly", "yes", "--appendfsync", fsync),
    ]


@contextmanager
def private_redis(workdir: Path, fsync: str = "always", *arguments: str) -> Iterator[str]:
    """A redis-server child process on a free port (``arguments`` added to its command
    line); yields its URL once it answers."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed: run 'make redis' first")
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    argv = [*redis_server_argv(binary, port, workdir, fsync), *arguments]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        for _ in range(100):
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait()


@contextmanager
def private_replica(workdir: Path, primary_url: str, fsync: str = "always") -> Iterator[str]:
    """A redis-server replicating the private Redis at ``primary_url`` (its append-only file on,
    as deployed); yields its URL once it is in sync."""
    primary = redis.Redis.from_url(primary_url)
    port = primary.connection_pool.connection_kwargs["port"]
    with private_redis(workdir, fsync, "--replicaof", "127.0.0.1", str(port)) as url:
        deadline = time.monotonic() + 60
        while redis.Redis.from_url(url).info("replication").get("master_link_status") != "up":
            if time.monotonic() > deadline:
                raise SystemExit("the replica did not get in sync with its primary within 60 s")
            time.sleep(0.05)
        yield url


@contextmanager
def workdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="tthc-bench-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextmanager
def service(name: str, env: dict[str, str], health_url: str) -> Iterator[subprocess.Popen[bytes]]:
    tthc = str(Path(sys.executable).parent / "tthc")
    log = Path(os.environ.get("TTHC_BENCH_LOG", os.devnull)).open("a")  # noqa: SIM115 - lives as long as the process
    process = subprocess.Popen([tthc, "run", name], env=env, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"tthc run {name} exited with {process.returncode}")
            try:
                if httpx.get(health_url, timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()  # not left running: the bench says which service did not stop
            process.wait()
            raise SystemExit(f"tthc run {name} did not stop within 30 s of SIGTERM (killed)")  # noqa: B904
        finally:
            log.close()


def bench_env(data: Path, redis_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TTHC_")}
    env.update(
        TTHC_REDIS_URL=redis_url,
        TTHC_DATA_DIR=str(data),
        TTHC_LOG_LEVEL="WARNING",
        TTHC_PLAN=os.environ.get("TTHC_PLAN", "deploy/plans/dong-phu-2026.yaml"),
    )
    env.update(extra)
    return env


def realistic_events(plan: Plan, count: int, seed: int = 1, run_id: str = "bench") -> list[dict[str, Any]]:
    """``count`` events of whole case lifecycles over the past year, in time order."""
    units = [u for u, _ in plan.walk() if not plan.children[u]]
    generator = Generator(build_profiles(units, []), seed, "igate", run_id)
    now = datetime.now(LOCAL_TZ)
    events: list[Any] = []
    step = timedelta(days=365) / max(1, count // 6)
    received = now - timedelta(days=380)
    while len(events) < count:
        events += [
            t for t in generator.case(generator.next_unit(), received, timedelta(days=1)) if t.at <= now
        ]
        received += step
    events.sort()
    return [t.event for t in events[:count]]


ALERTMANAGER_CONFIG = """route: {receiver: nobody, group_wait: 30s}
receivers: [{name: nobody}]
"""


@contextmanager
def private_alertmanager(workdir: Path) -> Iterator[str]:
    """A private prometheus-alertmanager (no receiver: its API is what is measured)."""
    binary = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    if binary is None:
        raise SystemExit("prometheus-alertmanager is not installed: deploy/local/ensure-alertmanager.sh")
    (workdir / "alertmanager").mkdir(exist_ok=True)
    config = workdir / "alertmanager" / "config.yml"
    config.write_text(ALERTMANAGER_CONFIG, encoding="utf-8")
    port = free_port()
    process = subprocess.Popen(
        [binary, f"--config.file={config}", f"--storage.path={workdir / 'alertmanager'}",
         f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=", "--log.level=warn"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
