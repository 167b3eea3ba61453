"""Operations on Prometheus: a real Prometheus (Debian's) scrapes the three running
services, the Vận hành tiles show what it answers (Grafana's own display rules), and when
metrics stops, the pipeline's rule fires into a real Alertmanager, to the plan's ops route."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import yaml

from tthc_alerts.am_config import Delivery, write
from tthc_cli.bench.fixtures import realistic_events
from tthc_contract.plan import Plan, parse_plan
from tthc_dashboards.panels import GREEN, RED

from ..conftest import PLAN_PATH
from ..dashboards.conftest import REPO
from ..dashboards.grafana_display import prometheus_frames, show
from ..servers import (
    AlertmanagerServer,
    PrometheusServer,
    RedisServer,
    WebhookSink,
    stop_process,
    tthc_command,
    tthc_env,
    until,
    wait_http,
)

pytestmark = [pytest.mark.slow, pytest.mark.real_clock]
PROMETHEUS = REPO / "deploy/prometheus"
SERVICES = ("ingest", "metrics", "alerts")


def test_promtool_accepts_the_config_and_the_rules_behave() -> None:
    for config in (PROMETHEUS / "prometheus.yml", REPO / "deploy/local/prometheus.yml"):
        check = subprocess.run(
            ["promtool", "check", "config", str(config)], capture_output=True, text=True, check=False
        )
        assert check.returncode == 0, check.stdout + check.stderr
        assert "SUCCESS: 7 rules found" in check.stdout + check.stderr
    tests = subprocess.run(
        ["promtool", "test", "rules", "rules_test.yml"],
        check=False,
        cwd=Path(__file__).parent,
        capture_output=True,
        text=True,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr


def fast_rules(directory: Path) -> Path:
    """The shipped rules, a service down after 2 s instead of 1 min (nothing else changed)."""
    rules = yaml.safe_load((PROMETHEUS / "rules.yml").read_text(encoding="utf-8"))
    for rule in rules["groups"][0]["rules"]:
        if rule["alert"] == "TTHCServiceDown":
            rule["for"] = "2s"
    path = directory / "rules.yml"
    path.write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    return path


def prometheus_config(directory: Path, env: dict[str, str], alertmanager: str) -> Path:
    """The shipped scrape jobs, on this machine's ports, scraped and evaluated every second."""
    shipped = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text(encoding="utf-8"))
    ports = {f"tthc-{s}": env[f"TTHC_{s.upper()}_PORT"] for s in SERVICES}
    jobs = [
        {**job, "static_configs": [{"targets": [f"127.0.0.1:{ports[job['job_name']]}"]}]}
        for job in shipped["scrape_configs"]
    ]
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(fast_rules(directory))],
        "alerting": {
            "alertmanagers": [{"static_configs": [{"targets": [alertmanager.removeprefix("http://")]}]}]
        },
        "scrape_configs": jobs,
    }
    path = directory / "prometheus.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def ops_plan(tmp_path: Path, sink: WebhookSink) -> tuple[Plan, Path]:
    data = yaml.safe_load(PLAN_PATH.read_text(encoding="utf-8"))
    data["routes"] = [{"name": "Vận hành", "ops": True, "webhook": sink.url}]
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return parse_plan(data, str(path)), path


@contextmanager
def services(env: dict[str, str]) -> Iterator[dict[str, subprocess.Popen[bytes]]]:
    processes = {name: subprocess.Popen([*tthc_command(), "run", name], env=env) for name in SERVICES}
    try:
        for name, process in processes.items():
            wait_http(
                f"http://127.0.0.1:{env[f'TTHC_{name.upper()}_PORT']}/health", timeout=60, process=process
            )
        yield processes
    finally:
        for process in processes.values():
            stop_process(process)


def ops_tiles(prometheus: PrometheusServer) -> dict[str, dict[str, Any]]:
    """Title → what Grafana shows on each stat tile of Vận hành, from Prometheus's answers."""
    dashboard = json.loads((REPO / "dashboards/van-hanh.json").read_text(encoding="utf-8"))
    stats = [p for p in dashboard["panels"] if p["type"] == "stat"]
    panels = []
    for panel in stats:
        [target] = panel["targets"]
        panels.append((panel, prometheus_frames(prometheus.query(target["expr"]), target["legendFormat"])))
    views = show(panels, {})
    return {p["title"]: v["values"] for p, v in zip(stats, views, strict=True)}


def test_prometheus_scrapes_the_services_and_a_service_down_reaches_the_ops_route(
    tmp_path: Path, redis_server: RedisServer, redis_url: str, sink: WebhookSink
) -> None:
    plan, plan_file = ops_plan(tmp_path, sink)
    alertmanager = AlertmanagerServer(tmp_path / "am-data")
    alertmanager.start(
        write(
            plan,
            Delivery(group_wait=timedelta(seconds=1), group_interval=timedelta(seconds=1)),
            tmp_path / "am",
        )
    )
    env = tthc_env(
        tmp_path,
        redis_url,
        TTHC_PLAN=str(plan_file),
        TTHC_ALERTMANAGER_URL=alertmanager.url,
        TTHC_METRICS_OPS_SAMPLE_S="0.5",
        TTHC_METRICS_TRIM_S="3600",  # the stream's length is read below: not trimmed meanwhile
        TTHC_INGEST_WORKERS="2",  # their counts added up (multiprocess mode)
    )
    prometheus = PrometheusServer(tmp_path / "prometheus")
    with ExitStack() as stack:
        stack.callback(alertmanager.stop)
        running = stack.enter_context(services(env))
        prometheus.start(prometheus_config(tmp_path, env, alertmanager.url))
        stack.callback(prometheus.stop)
        until(
            lambda: len(prometheus.query('up{job=~"tthc-.*"} == 1')) == 3, what="the three services scraped"
        )

        events = realistic_events(plan, 600, seed=3, run_id="ops")
        ingest = f"http://127.0.0.1:{env['TTHC_INGEST_PORT']}"
        for start in range(0, 600, 100):  # six requests, over both ingest workers
            answer = httpx.post(
                ingest + "/v1/events",
                content=orjson.dumps(events[start : start + 100]),
                headers={"Authorization": "Bearer demo-igate-key", "Content-Type": "application/json"},
            )
            assert answer.status_code == 202, answer.text
        stored = "sum(tthc_metrics_events_stored_total)"
        until(lambda: [s for s in prometheus.query(stored) if float(s["value"][1]) == 600], what=stored)
        until(lambda: [s for s in prometheus.query("max(tthc_stream_length)") if float(s["value"][1]) == 600])
        accepted = 'sum(tthc_http_requests_total{service="ingest", route="/v1/events", status="202"})'
        until(lambda: [float(s["value"][1]) for s in prometheus.query(accepted)] == [6], what=accepted)

        tiles = ops_tiles(prometheus)
        assert tiles["Bản ghi lỗi (tthc:dead)"] == [{"title": "Bản ghi lỗi", "text": "0", "color": GREEN}]
        assert tiles["Kho dữ liệu đang lỗi"] == [{"title": "Kho dữ liệu lỗi", "text": "0", "color": GREEN}]
        assert tiles["Dịch vụ không hoạt động"] == [
            {"title": "Dịch vụ không hoạt động", "text": "0", "color": GREEN}
        ]
        [firing] = tiles["Cảnh báo chỉ tiêu đang hoạt động"]
        assert firing["title"] == "Cảnh báo" and firing["text"].isdigit()

        assert stop_process(running["metrics"]) == 0
        notified = until(
            lambda: [
                a
                for n in sink.received
                for a in n["alerts"]
                if a["labels"]["alertname"] == "TTHCServiceDown" and a["status"] == "firing"
            ],
            timeout=90,
            what="TTHCServiceDown delivered",
        )
        assert notified[0]["labels"] | {"kind": "ops", "job": "tthc-metrics"} == notified[0]["labels"]
        assert notified[0]["annotations"]["summary"].startswith("Dịch vụ tthc-metrics (127.0.0.1:")
        assert notified[0]["annotations"]["summary"].endswith("không hoạt động")
        down = ops_tiles(prometheus)["Dịch vụ không hoạt động"]
        assert down == [{"title": "Dịch vụ không hoạt động", "text": "1", "color": RED}]
