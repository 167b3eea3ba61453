"""Real servers for tests on free local ports: redis-server, Alertmanager, Prometheus, a
webhook sink, an SMTP mailbox; ``tthc`` child processes and waiting for them."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import redis
from aiosmtpd.controller import Controller

from tthc_cli.bench.fixtures import redis_server_argv


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port} after {timeout}s")


def real_clock_env() -> dict[str, str]:
    """This environment without libfaketime (``make test-boundaries``): redis-server's
    allocator cannot start under it. Redis keeps the real clock; nothing in the product
    compares Redis's clock with the services' (claims expire at instants the services give)."""
    import os

    return {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "FAKETIME")}


def installed(*names: str, package: str) -> str:
    """Path of the first of ``names`` on PATH, or an error saying how to install it."""
    for name in names:
        if binary := shutil.which(name):
            return binary
    raise RuntimeError(f"{names[0]} is not installed: run 'make setup' (Debian: apt install {package})")


class RedisServer:
    """A private redis-server: start, stop (SIGTERM), kill (SIGKILL), restart on the same port;
    ``arguments`` are added to its command line (``--replicaof host port``, say)."""

    def __init__(self, workdir: Path, *arguments: str) -> None:
        self.binary = installed("redis-server", package="redis-server")
        self.workdir = workdir
        self.port = free_port()
        self.arguments = arguments
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [*redis_server_argv(self.binary, self.port, self.workdir), *self.arguments],
            stdout=subprocess.DEVNULL,
            env=real_clock_env(),
        )
        wait_port(self.port)
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.BusyLoadingError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=10)
        self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port)


def tthc_env(tmp: Path, redis_url: str, **extra: str) -> dict[str, str]:
    """Environment for a ``tthc`` child process: its own ports, data directory and Redis."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("TTHC_")}
    env.update(
        TTHC_REDIS_URL=redis_url,
        TTHC_DATA_DIR=str(tmp / "data"),
        TTHC_PLAN=str(Path(__file__).resolve().parent.parent / "deploy/plans/dong-phu-2026.yaml"),
        TTHC_INGEST_PORT=str(free_port()),
        TTHC_METRICS_PORT=str(free_port()),
        TTHC_ALERTS_PORT=str(free_port()),
        TTHC_LOG_FORMAT="json",
    )
    env.update(extra)
    return env


def tthc_command() -> list[str]:
    import sys

    return [str(Path(sys.executable).parent / "tthc")]


def wait_http(url: str, timeout: float = 30.0, process: subprocess.Popen[bytes] | None = None) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} answered")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer 200 within {timeout}s")


def until(check: Callable[[], Any], timeout: float = 90.0, what: str = "") -> Any:
    """``check()``'s first true result, polled until ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.2)
    raise AssertionError(f"not true after {timeout}s {what}".strip())


def stop_process(process: subprocess.Popen[bytes], timeout: float = 20.0, log: Path | None = None) -> int:
    """SIGTERM; after ``timeout`` SIGABRT (a tthc service prints its threads' stacks), then
    SIGKILL; the exit code. One that had to be stopped so prints the end of its ``log``."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGABRT)  # a tthc service prints its threads' stacks
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if log is not None and log.exists():
                lines = [
                    line for line in log.read_text(errors="replace").splitlines() if '"debug"' not in line
                ]
                print(
                    f"not stopped {timeout:.0f} s after SIGTERM; the end of {log.name}:",
                    *lines[-40:],
                    sep="\n",
                )
    return int(process.returncode)


@contextmanager
def running_ingest(env: dict[str, str]) -> Iterator[str]:
    """``tthc run ingest`` in a child process for the duration; yields its base URL."""
    ingest = subprocess.Popen([*tthc_command(), "run", "ingest"], env=env)
    try:
        url = f"http://127.0.0.1:{env['TTHC_INGEST_PORT']}"
        wait_http(url + "/health", process=ingest)
        yield url
    finally:
        stop_process(ingest)


class PrometheusToolServer:
    """A private Prometheus-family server (Debian's packages: Go, real clock) on a free port,
    with a given configuration file; ready once ``/-/ready`` answers."""

    binaries: tuple[str, ...] = ()
    package = ""

    def __init__(self, workdir: Path) -> None:
        self.binary = installed(*self.binaries, package=self.package)
        self.workdir = workdir
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def arguments(self) -> list[str]:
        return []

    def start(self, config: Path) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                f"--config.file={config}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--log.level=warn",
                *self.arguments(),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_http(self.url + "/-/ready", timeout=30, process=self.process)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None


class AlertmanagerServer(PrometheusToolServer):
    """A private prometheus-alertmanager with its data in ``workdir``."""

    binaries = ("prometheus-alertmanager", "alertmanager")
    package = "prometheus-alertmanager"

    def arguments(self) -> list[str]:
        return [f"--storage.path={self.workdir / 'data'}", "--cluster.listen-address="]


class WebhookSink:
    """Collects the JSON bodies POSTed to it (Alertmanager's webhook notifications)."""

    def __init__(self) -> None:
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        received: list[dict[str, object]] = []
        self.received = received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Mailbox:
    """A real SMTP server on localhost (aiosmtpd), keeping what it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"


class PrometheusServer(PrometheusToolServer):
    """A private Prometheus with its data in ``workdir``."""

    binaries = ("prometheus",)
    package = "prometheus"

    def arguments(self) -> list[str]:
        return [f"--storage.tsdb.path={self.workdir / 'data'}"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        """An instant query's vector (``[{"metric": {...}, "value": [t, "v"]}]``)."""
        import httpx

        body = httpx.get(self.url + "/api/v1/query", params={"query": expr}, timeout=10).json()
        assert body["status"] == "success", body
        return body["data"]["result"]  # type: ignore[no-any-return]
