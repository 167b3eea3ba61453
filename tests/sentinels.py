"""A Redis primary, its replicas and three sentinels on free localhost ports (Debian's
redis-server and redis-sentinel), for the drills of Redis with Sentinel."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis

from .servers import RedisServer, free_port, installed, real_clock_env, until, wait_port

MASTER = "tthc"
NO_SYNC_DELAY = ("--repl-diskless-sync-delay", "0")
"""A primary's options: a replica's first sync starts at once (Redis waits 5 s for more)."""


class SentinelServer:
    """One redis-sentinel watching the primary at ``primary_port`` under the name ``MASTER``."""

    def __init__(
        self, workdir: Path, primary_port: int, down_after_ms: int, failover_timeout_ms: int
    ) -> None:
        self.binary = installed("redis-sentinel", package="redis-sentinel")
        self.workdir = workdir
        self.port = free_port()
        self.config = "\n".join(
            [
                f"port {self.port}",
                "bind 127.0.0.1",
                f"dir {workdir}",
                f"sentinel monitor {MASTER} 127.0.0.1 {primary_port} 2",
                f"sentinel down-after-milliseconds {MASTER} {down_after_ms}",
                f"sentinel failover-timeout {MASTER} {failover_timeout_ms}",
                f"sentinel parallel-syncs {MASTER} 1",
                "",
            ]
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        path = self.workdir / "sentinel.conf"  # Sentinel rewrites its own configuration
        path.write_text(self.config)
        self.process = subprocess.Popen(
            [self.binary, str(path)], stdout=subprocess.DEVNULL, env=real_clock_env()
        )
        wait_port(self.port)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=2)


class ReplicatedRedis:
    """A primary with ``replicas`` replicas (append-only files on, as deployed) and three
    sentinels (quorum 2) that fail over after ``down_after_ms`` without an answer."""

    def __init__(
        self, workdir: Path, replicas: int = 1, down_after_ms: int = 1000, failover_timeout_ms: int = 5000
    ) -> None:
        self.primary = RedisServer(workdir / "primary", *NO_SYNC_DELAY)
        self.replicas = [
            RedisServer(workdir / f"replica-{i}", "--replicaof", "127.0.0.1", str(self.primary.port))
            for i in range(replicas)
        ]
        self.sentinels = [
            SentinelServer(workdir / f"sentinel-{i}", self.primary.port, down_after_ms, failover_timeout_ms)
            for i in range(3)
        ]

    @property
    def servers(self) -> list[RedisServer]:
        return [self.primary, *self.replicas]

    @property
    def sentinel_addresses(self) -> str:
        """The value of ``TTHC_REDIS_SENTINELS``."""
        return ",".join(f"127.0.0.1:{s.port}" for s in self.sentinels)

    def env(self) -> dict[str, str]:
        """The settings that make a service find the primary through the sentinels."""
        return {
            "TTHC_REDIS_SENTINELS": self.sentinel_addresses,
            "TTHC_REDIS_MASTER": MASTER,
            # Deliberately not a server of the set: only its database number may be used.
            "TTHC_REDIS_URL": "redis://127.0.0.1:1/0",
        }

    def start(self) -> None:
        for server in self.servers:
            server.start()
        until(lambda: self._replicas_online() == len(self.replicas), 30, "(replicas in sync)")
        for sentinel in self.sentinels:
            sentinel.start()
        until(self._sentinels_agree, 30, "(sentinels know each other and the replicas)")

    def stop(self) -> None:
        """Sentinels first (no failover while stopping), then the servers with SIGKILL: a
        primary would wait up to 10 s for lagging replicas on SIGTERM (``shutdown-timeout``)."""
        for sentinel in self.sentinels:
            sentinel.stop()
        for server in self.servers:
            server.stop(signal.SIGKILL)

    def _replicas_online(self) -> int:
        info: dict[str, Any] = self.primary.client().info("replication")
        return sum(1 for key, value in info.items() if key.startswith("slave") and value["state"] == "online")

    def _sentinels_agree(self) -> bool:
        for sentinel in self.sentinels:
            state: dict[str, Any] = sentinel.client().sentinel_master(MASTER)  # type: ignore[assignment]
            if state["num-other-sentinels"] != 2 or state["num-slaves"] != len(self.replicas):
                return False
        return True

    def primary_port(self) -> int | None:
        """The primary's port as the first sentinel that answers names it."""
        for sentinel in self.sentinels:
            try:
                address: Any = sentinel.client().sentinel_get_master_addr_by_name(MASTER)
            except (redis.RedisError, OSError):
                continue
            if address:
                return int(address[1])
        return None

    def server_on(self, port: int) -> RedisServer:
        return next(s for s in self.servers if s.port == port)


@contextmanager
def replicated_redis(workdir: Path, replicas: int = 1, **options: int) -> Iterator[ReplicatedRedis]:
    servers = ReplicatedRedis(workdir, replicas, **options)
    try:
        servers.start()
        yield servers
    finally:
        servers.stop()


def wait_promotion(servers: ReplicatedRedis, old_port: int, timeout: float = 30.0) -> tuple[int, float]:
    """The new primary's port once the sentinels name another, and when (``time.monotonic``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        port = servers.primary_port()
        if port is not None and port != old_port:
            return port, time.monotonic()
        time.sleep(0.02)
    raise AssertionError(f"no replica was promoted within {timeout}s")
