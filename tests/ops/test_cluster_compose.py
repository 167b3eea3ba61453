"""docker-compose.cluster.yml: ClickHouse Keeper ×3 and two shards of two replicas over the main
compose file, validated by Debian's docker-compose (no engine here), its ClickHouse files read
as XML, and the cluster they define the one metrics creates the schema on."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CLUSTER = REPO / "deploy" / "clickhouse" / "cluster"


def rendered() -> dict[str, object]:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.fail("docker-compose is not installed: run 'make test' (it installs Debian's docker-compose)")
    files = ["-f", str(REPO / "docker-compose.yml"), "-f", str(REPO / "docker-compose.cluster.yml")]
    result = subprocess.run(
        [binary, "--env-file", str(REPO / ".env.example"), *files, "config"],
        capture_output=True, text=True, check=False, cwd=REPO,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)  # type: ignore[no-any-return]


def test_the_cluster_profile_is_keepers_and_two_shards_of_two_replicas() -> None:
    services = rendered()["services"]
    assert isinstance(services, dict)
    keepers = [n for n in services if n.startswith("keeper-")]
    nodes = {n: s for n, s in services.items() if n == "clickhouse" or n.startswith("clickhouse-")}
    assert len(keepers) == 3 and len(nodes) == 4
    places = {
        (s["environment"]["CLICKHOUSE_SHARD"], s["environment"]["CLICKHOUSE_REPLICA"]) for s in nodes.values()
    }
    assert {shard for shard, _ in places} == {"1", "2"} and len({r for _, r in places}) == 4
    assert services["metrics"]["environment"]["TTHC_CLICKHOUSE_CLUSTER"] == "tthc"


def test_the_clickhouse_files_define_that_cluster() -> None:
    servers = ET.parse(CLUSTER / "remote-servers.xml").getroot()
    cluster = servers.find("remote_servers/tthc")
    assert cluster is not None
    shards = cluster.findall("shard")
    hosts = [[r.findtext("host") for r in s.findall("replica")] for s in shards]
    assert hosts == [["clickhouse", "clickhouse-1-2"], ["clickhouse-2-1", "clickhouse-2-2"]]
    assert all(s.findtext("internal_replication") == "true" for s in shards)
    assert servers.find("macros/shard").get("from_env") == "CLICKHOUSE_SHARD"  # type: ignore[union-attr]
    keepers = ET.parse(CLUSTER / "keepers.xml").getroot().findall("zookeeper/node")
    raft = ET.parse(CLUSTER / "keeper.xml").getroot().findall("keeper_server/raft_configuration/server")
    assert [k.findtext("host") for k in keepers] == [s.findtext("hostname") for s in raft] == [
        "keeper-1", "keeper-2", "keeper-3"
    ]  # fmt: skip
