"""Settings from the environment (SPEC section 1). Every one has the SPEC's default."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .durations import parse_duration
from .unit_index import DEFAULT_INDEX_MONTHS

MIN_DEDUP_WINDOW_S = 3600
"""A claim must outlive every redelivery of its entry (reclaims, restarts, outages)."""


def parse_sentinels(value: str) -> list[tuple[str, int]]:
    """``host:port,host:port,...`` (IPv6 hosts in brackets) as pairs; ``ValueError`` naming the
    first malformed item."""
    nodes: list[tuple[str, int]] = []
    for item in filter(None, (part.strip() for part in value.split(","))):
        host, sep, port = item.rpartition(":")
        host = host.removeprefix("[").removesuffix("]")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(
                f"TTHC_REDIS_SENTINELS must look like host:port,host:port,... ({item!r} is not host:port)"
            )
        nodes.append((host, int(port)))
    return nodes


def parse_alertmanager_urls(value: str) -> list[str]:
    """``TTHC_ALERTMANAGER_URL``: every peer of the Alertmanager cluster, comma-separated
    (alerts are posted to each); ``ValueError`` naming the first malformed or repeated one."""
    urls: list[str] = []
    for item in filter(None, (part.strip().rstrip("/") for part in value.split(","))):
        parts = urlsplit(item)
        try:
            port_ok = parts.port is None or parts.port > 0
        except ValueError:  # not a number, or out of range
            port_ok = False
        if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok or parts.query:
            raise ValueError(
                "TTHC_ALERTMANAGER_URL must list every Alertmanager peer as http(s)://host:port, "
                f"comma-separated ({item!r} is not one)"
            )
        if item in urls:
            raise ValueError(f"TTHC_ALERTMANAGER_URL names {item!r} twice")
        urls.append(item)
    if not urls:
        raise ValueError("TTHC_ALERTMANAGER_URL must name at least one Alertmanager")
    return urls


def embedded_dsn(data_dir: Path) -> str:
    """The embedded engine's store in ``data_dir`` (what an empty ``TTHC_CLICKHOUSE_URL`` means)."""
    return "chdb://" + str((data_dir / "clickhouse").resolve())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TTHC_", extra="ignore")

    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_sentinels: str = ""
    """``host:port,host:port,...``: the primary is found through these sentinels, and only the
    database number and password are read from ``redis_url``."""
    redis_master: str = Field("tthc", min_length=1)
    """The name the sentinels monitor the primary under."""
    redis_wait_replicas: int | None = Field(None, ge=0)
    """Replicas that must hold a request's events before ingest answers 202 (``WAIT``);
    default 1 with sentinels, else 0 (see ``wait_replicas``)."""
    redis_wait_ms: int = Field(1000, ge=1, le=60_000)
    """How long ingest waits for them; fewer in time: 503 (0 would mean forever in Redis)."""
    data_dir: Path = Path("data")
    clickhouse_url: str = ""
    """Empty means the embedded engine in ``<data_dir>/clickhouse``."""
    clickhouse_cluster: str | None = Field(None, pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
    """A ClickHouse cluster (``remote_servers``) the schema is created on: ``ON CLUSTER``, Replicated
    engines, Distributed tables (docs/cluster.md); needs a server URL."""
    clickhouse_grafana_user: str | None = None
    """On a ClickHouse server: the read-only user Grafana connects with, created at every start."""
    clickhouse_grafana_password: SecretStr | None = None
    plan: Path = Path("deploy/plans/dong-phu-2026.yaml")
    stream_key: SecretStr | None = None
    """Key with which ingest signs what it publishes (default: ``<data_dir>/stream.key``)."""

    ingest_host: str = "127.0.0.1"
    ingest_port: int = 8081
    ingest_workers: int = Field(default_factory=lambda: min(4, os.cpu_count() or 1), ge=1)
    """Ingest worker processes; validation is CPU-bound, so one per core."""
    metrics_host: str = "127.0.0.1"
    metrics_port: int = 8082
    alerts_host: str = "127.0.0.1"
    alerts_port: int = 8083

    dvcqg_upstream: str | None = None
    """The portal's base URL: set, /v1/dvcqg/<path> relays every request to <base>/<path> first (SPEC 9.1)."""
    dvcqg_timeout: float = Field(30.0, gt=0, le=600)
    """Seconds the portal has to answer a relayed request; then the bridge answers 503."""

    api_keys: SecretStr = SecretStr("")
    """``source=key,source2=key2``: extra keys that may send for every unit."""

    alertmanager_url: str = "http://127.0.0.1:9093"
    """Every peer of the Alertmanager cluster, comma-separated: alerts go to each, never
    through a balancer (``alertmanager_urls``)."""
    smtp_smarthost: str | None = None
    """host:port of the SMTP server Alertmanager sends e-mail through."""
    smtp_from: str = "tthc-alerts@localhost"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_require_tls: bool = True
    alerts_repost_s: float = Field(30.0, gt=0)
    """Firing alerts are posted to Alertmanager again this often (well within its resolve timeout)."""
    alerts_tick_s: float = Field(5.0, gt=0)
    """How often pending alerts are checked against the clock without a new snapshot."""
    metrics_public_url: str | None = None
    """Where people reach the metrics API (alert links); default http://<metrics host>:<port>."""
    grafana_url: str | None = None
    grafana_token: SecretStr | None = None

    log_level: str = "INFO"
    log_format: str = Field("auto", pattern="^(auto|json|console)$")
    """``auto``: readable lines when stderr is a terminal, one JSON object per line otherwise."""

    metrics_flush_rows: int = Field(10_000, ge=1)
    metrics_flush_ms: int = Field(50, ge=1)
    """A batch is written when it holds ``metrics_flush_rows`` entries or its first is this old:
    under a backlog batches fill up at once; in live traffic an event waits at most this long."""
    metrics_snapshot_interval_s: float = Field(300.0, gt=0)
    """Every unit's snapshot is published this often (a repair); in between, only what changed."""
    metrics_snapshot_check_s: float = Field(5.0, gt=0)
    """How often the units whose open items fell late (or due soon) by time alone are computed again."""
    metrics_snapshot_min_gap_ms: int = Field(1000, ge=0)
    """Snapshots after flushes are coalesced: at most one per gap."""
    metrics_grafana_rows_interval_s: float = Field(30.0, gt=0)
    """The rows Grafana reads (the QĐ 766 estimate, ``scorecard_points``; every unit's
    indicators, ``unit_indicators``) are written for what changed at most this often (and never
    sooner than twice what the last round took); every unit's open periods every
    ``metrics_snapshot_interval_s``."""
    metrics_report_renders: int = Field(2, ge=1, le=32)
    """Report files rendered at once, each in a process of its own; as many more reports may
    wait for one, and a report beyond that is answered 503 with Retry-After."""
    metrics_result_ttl_ms: int = Field(1000, ge=0)
    """A computed indicator result is served again for this long, unless new events arrived (0: never)."""
    metrics_ops_sample_s: float = Field(15.0, gt=0)
    """How often the operations samples (stream lag, dead letters, ingest answers) are taken."""
    metrics_reclaim_idle_ms: int = Field(30_000, ge=100)
    """Entries another consumer left pending this long are reclaimed."""
    metrics_poison_after: int = Field(2, ge=1)
    """An entry whose processing killed its consumer this many times while processed alone
    (after being cornered in smaller and smaller groups) goes to tthc:dead as poison."""
    dedup_window: str = "35d"
    """How long metrics remembers an event id to refuse a re-sent duplicate."""
    metrics_trim_s: float = Field(5.0, gt=0)
    """How often metrics trims tthc:events below the entries every consumer group has stored."""
    unit_index_months: int = Field(DEFAULT_INDEX_MONTHS, ge=1)
    """A case (feedback item) stays in the case → unit index this many months after its last
    ``received``; restricted sources may send about it only while it is there."""

    @property
    def clickhouse_dsn(self) -> str:
        return self.clickhouse_url or embedded_dsn(self.data_dir)

    @property
    def stream_key_file(self) -> Path:
        return self.data_dir / "stream.key"

    @property
    def sentinel_nodes(self) -> list[tuple[str, int]]:
        """``TTHC_REDIS_SENTINELS`` as (host, port) pairs; empty without Sentinel."""
        return parse_sentinels(self.redis_sentinels)

    @property
    def wait_replicas(self) -> int:
        if self.redis_wait_replicas is not None:
            return self.redis_wait_replicas
        return 1 if self.redis_sentinels.strip() else 0

    @field_validator("redis_sentinels")
    @classmethod
    def _check_sentinels(cls, value: str) -> str:
        parse_sentinels(value)
        return value

    @model_validator(mode="after")
    def _check_sentinel_url(self) -> Settings:
        if self.redis_sentinels.strip() and urlsplit(self.redis_url).scheme not in ("redis", "rediss"):
            raise ValueError(
                "with TTHC_REDIS_SENTINELS, TTHC_REDIS_URL must be redis:// or rediss:// "
                "(only its database number and password are used)"
            )
        return self

    @property
    def alertmanager_urls(self) -> list[str]:
        return parse_alertmanager_urls(self.alertmanager_url)

    @field_validator("alertmanager_url")
    @classmethod
    def _check_alertmanager_url(cls, value: str) -> str:
        parse_alertmanager_urls(value)
        return value

    @field_validator("dedup_window")
    @classmethod
    def _check_dedup_window(cls, value: str) -> str:
        if parse_duration(value).total_seconds() < MIN_DEDUP_WINDOW_S:
            raise ValueError(f"TTHC_DEDUP_WINDOW must be at least {MIN_DEDUP_WINDOW_S}s (it is {value})")
        return value

    @field_validator("clickhouse_url")
    @classmethod
    def _check_clickhouse_url(cls, value: str) -> str:
        if not value:
            return value
        scheme = urlsplit(value).scheme
        if scheme not in ("chdb", "http", "https"):
            raise ValueError(
                "TTHC_CLICKHOUSE_URL must be chdb:///abs/path (embedded engine) "
                "or http(s)://user:pass@host:8123/db (ClickHouse server)"
            )
        if scheme == "chdb" and not urlsplit(value).path.startswith("/"):
            raise ValueError("TTHC_CLICKHOUSE_URL: a chdb:// URL needs an absolute path")
        return value

    def extra_keys(self) -> dict[str, str]:
        """``TTHC_API_KEYS`` parsed into {key: source}; raises on a malformed pair."""
        keys: dict[str, str] = {}
        for pair in filter(None, (p.strip() for p in self.api_keys.get_secret_value().split(","))):
            source, sep, key = pair.partition("=")
            if not sep or not source.strip() or not key.strip():
                raise ValueError("TTHC_API_KEYS must look like source=key,source2=key2")
            keys[key.strip()] = source.strip()
        return keys
