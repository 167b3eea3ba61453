"""The docker compose deployment and Grafana provisioning, checked without a Docker engine:
Debian's docker-compose validates the file; the rest is cross-checked here."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tthc_dashboards.build import FILES
from tthc_dashboards.panels import CLICKHOUSE, PROMETHEUS

from .conftest import REPO

COMPOSE = REPO / "docker-compose.yml"


def rendered() -> dict[str, object]:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.fail("docker-compose is not installed: run 'make test' (it installs Debian's docker-compose)")
    result = subprocess.run(
        [binary, "--env-file", str(REPO / ".env.example"), "-f", str(COMPOSE), "config"],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)  # type: ignore[no-any-return]


def test_compose_file_is_valid_and_complete() -> None:
    config = rendered()
    services = config["services"]  # type: ignore[index]
    assert set(services) == {
        "redis",
        "clickhouse",
        "grafana",
        "grafana-plugins",
        "alertmanager",
        "alertmanager-2",
        "prometheus",
        "ingest",
        "metrics",
        "alerts",
        "simulate",
    }
    for name in (
        "redis",
        "clickhouse",
        "grafana",
        "alertmanager",
        "alertmanager-2",
        "prometheus",
        "ingest",
        "metrics",
        "alerts",
    ):
        assert "healthcheck" in services[name], name
    for name in ("redis", "clickhouse", "grafana", "alertmanager", "alertmanager-2", "prometheus"):
        assert re.search(r":\d+\.\d+\.\d+", services[name]["image"]) or re.search(
            r":v\d+\.\d+\.\d+", services[name]["image"]
        ), name
    assert "--appendonly" in services["redis"]["command"] and "always" in services["redis"]["command"]
    grafana = services["grafana"]
    assert grafana["environment"]["GF_DATE_FORMATS_DEFAULT_TIMEZONE"] == "Asia/Ho_Chi_Minh"
    assert "GF_DEFAULT_TIMEZONE" not in grafana["environment"], "not a Grafana setting"
    assert "GF_PLUGINS_PREINSTALL_SYNC" not in grafana["environment"], (
        "would keep Grafana from starting offline"
    )
    assert grafana["depends_on"]["metrics"]["condition"] == "service_healthy", (
        "dashboards open on migrated tables"
    )
    assert services["metrics"]["environment"]["TTHC_CLICKHOUSE_GRAFANA_USER"], (
        "the migrations create Grafana's reader"
    )
    assert services["simulate"]["profiles"] == ["demo"]
    metrics_env = services["metrics"]["environment"]
    assert (
        metrics_env["TTHC_CLICKHOUSE_URL"].startswith("http://")
        and "@clickhouse:8123/" in metrics_env["TTHC_CLICKHOUSE_URL"]
    )
    assert (
        services["grafana"]["environment"]["GF_PLUGINS_PREINSTALL"] == "grafana-clickhouse-datasource@4.20.0"
    )
    copier = services["grafana-plugins"]
    assert copier["image"] == grafana["image"]
    assert any(str(v).endswith("deploy/grafana/plugins:/offline:ro") for v in copier["volumes"])
    assert grafana["depends_on"]["grafana-plugins"]["condition"] == "service_completed_successfully"


def test_alertmanager_is_a_pair_and_everyone_posts_to_both_peers() -> None:
    """Alertmanager's HA: two peers in one gossip cluster, one configuration, and every
    alert sent to every peer (by alerts and by Prometheus), never through a balancer."""
    services = rendered()["services"]  # type: ignore[index]
    first, second = services["alertmanager"], services["alertmanager-2"]
    assert "--cluster.peer=alertmanager-2:9094" in first["command"]
    assert "--cluster.peer=alertmanager:9094" in second["command"]
    for peer in (first, second):
        assert "--cluster.listen-address=0.0.0.0:9094" in peer["command"]
        assert peer["image"] == first["image"] and peer["volumes"][0] == first["volumes"][0]
    assert first["volumes"][1] != second["volumes"][1], "each its own data"
    for name in ("ingest", "metrics", "alerts"):
        urls = services[name]["environment"]["TTHC_ALERTMANAGER_URL"]
        assert urls == "http://alertmanager:9093,http://alertmanager-2:9093", name
    prometheus = yaml.safe_load((REPO / "deploy/prometheus/prometheus.yml").read_text(encoding="utf-8"))
    [targets] = prometheus["alerting"]["alertmanagers"][0]["static_configs"]
    assert targets["targets"] == ["alertmanager:9093", "alertmanager-2:9093"]


def test_every_variable_the_compose_file_uses_is_in_env_example() -> None:
    used = set(re.findall(r"\$\{(\w+)", COMPOSE.read_text(encoding="utf-8")))
    listed = set(re.findall(r"^(\w+)=", (REPO / ".env.example").read_text(encoding="utf-8"), re.MULTILINE))
    assert used <= listed, used - listed


def test_provisioning_matches_the_dashboards_and_the_compose_mounts() -> None:
    source = yaml.safe_load(
        (REPO / "deploy/grafana/provisioning/datasources/clickhouse.yaml").read_text(encoding="utf-8")
    )
    [datasource] = source["datasources"]
    assert (datasource["uid"], datasource["type"]) == (CLICKHOUSE["uid"], CLICKHOUSE["type"])
    prometheus = yaml.safe_load(
        (REPO / "deploy/grafana/provisioning/datasources/prometheus.yaml").read_text(encoding="utf-8")
    )["datasources"][0]
    assert (prometheus["uid"], prometheus["type"]) == (PROMETHEUS["uid"], PROMETHEUS["type"])
    assert prometheus["url"] == "http://prometheus:9090", "the compose service"
    assert datasource["jsonData"]["protocol"] == "native" and datasource["jsonData"]["port"] == 9000
    assert datasource["jsonData"]["username"] == "${CLICKHOUSE_GRAFANA_USER}"
    assert "password" in datasource["secureJsonData"]
    provider = yaml.safe_load(
        (REPO / "deploy/grafana/provisioning/dashboards/tthc.yaml").read_text(encoding="utf-8")
    )
    path = provider["providers"][0]["options"]["path"]
    mounts = rendered()["services"]["grafana"]["volumes"]  # type: ignore[index]
    binds = [(m["source"], m["target"]) if isinstance(m, dict) else tuple(m.split(":")[:2]) for m in mounts]
    assert path in [target for _, target in binds]
    [source] = [Path(source) for source, target in binds if target == path]
    provisioned = {p.name for p in source.glob("*.json")}
    assert provisioned == set(FILES), "every dashboard built is provisioned, and only those"
    assert "uoc-tinh-diem-766.json" in provisioned


def test_the_dockerfile_runs_what_the_docs_document() -> None:
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    deployment = (REPO / "docs" / "deployment.md").read_text(encoding="utf-8")
    assert "uv sync --frozen --no-dev" in dockerfile and "USER tthc" in dockerfile
    assert re.search(r"^FROM python:3\.11-slim", dockerfile, re.MULTILINE)
    commands = {
        " ".join(s["command"][:3])
        for s in rendered()["services"].values()  # type: ignore[attr-defined]
        if isinstance(s.get("command"), list) and s["command"][0] == "tthc"
    }
    assert commands == {"tthc run ingest", "tthc run metrics", "tthc run alerts", "tthc simulate --url"}
    for command in commands:
        assert command in deployment, f"docs/deployment.md does not document {command!r}"
