"""End to end: tthc up + tthc simulate + a real Alertmanager + a webhook on the kt route."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import pytest
import redis
import yaml

from tthc_alerts.am_config import Delivery, write
from tthc_contract.periods import period_of
from tthc_contract.plan import parse_plan
from tthc_contract.streams import ALERTS, BODY_FIELD

from ..conftest import PLAN_PATH
from ..servers import (
    AlertmanagerServer,
    RedisServer,
    WebhookSink,
    stop_process,
    tthc_command,
    tthc_env,
    until,
    wait_http,
)

pytestmark = [pytest.mark.slow, pytest.mark.real_clock, pytest.mark.clock]
CLEAN_KT = [
    "kt.feedback_per_case=0",
    "kt.online_payment_rate=1",
    "kt.data_reuse_rate=1",
    "kt.satisfaction_rate=1",
]


def simulate(env: dict[str, str], url: str, run_id: str, online: float, cases: int) -> None:
    settings = [f"kt.online_rate={online}", *CLEAN_KT]
    args = [
        "simulate",
        "--url",
        url,
        "--units",
        "kt",
        "--cases",
        str(cases),
        "--rate",
        "0",
        "--day-seconds",
        "1",
        "--run-id",
        run_id,
        "--no-progress",
        *[x for s in settings for x in ("--set", s)],
    ]
    subprocess.run([*tthc_command(), *args], env=env, check=True, capture_output=True, timeout=180)


@dataclass
class KtAlerting:
    """A plan routing Phòng Kinh tế's alerts to a webhook, a real Alertmanager started on
    it, and the environment of a quick ``tthc up`` (1 s pending, grouping and reposts)."""

    alertmanager: AlertmanagerServer
    config: Path
    env: dict[str, str]


def kt_alerting(
    tmp_path: Path, redis_url: str, sink: WebhookSink, targets: dict[str, float] | None = None, **alerts: str
) -> KtAlerting:
    """Alertmanager and the plan for Phòng Kinh tế's webhook (``targets``: the plan's targets
    changed; ``alerts``: its ``alerts`` settings changed)."""
    data = yaml.safe_load(PLAN_PATH.read_text(encoding="utf-8"))
    data["targets"] = {**data["targets"], **(targets or {})}
    data["alerts"] = {**data["alerts"], "pending": "1s", **alerts}
    data["routes"] = [{"name": "Phòng Kinh tế", "units": ["kt"], "webhook": sink.url}]
    plan_file = tmp_path / "plan.yaml"
    plan_file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    config = write(
        parse_plan(data, str(plan_file)),
        Delivery(group_wait=timedelta(seconds=1), group_interval=timedelta(seconds=1)),
        tmp_path / "am",
    )
    alertmanager = AlertmanagerServer(tmp_path / "am-data")
    alertmanager.start(config)
    env = tthc_env(
        tmp_path,
        redis_url,
        TTHC_PLAN=str(plan_file),
        TTHC_ALERTMANAGER_URL=alertmanager.url,
        TTHC_METRICS_SNAPSHOT_MIN_GAP_MS="200",
        TTHC_ALERTS_TICK_S="0.5",
        TTHC_ALERTS_REPOST_S="1",
        TTHC_INGEST_WORKERS="1",
        TTHC_METRICS_FLUSH_MS="100",
    )
    return KtAlerting(alertmanager, config, env)


def test_kt_below_target_fires_once_notifies_and_resolves(
    tmp_path: Path, redis_server: RedisServer, redis_url: str, sink: WebhookSink
) -> None:
    setup = kt_alerting(tmp_path, redis_url, sink)
    alertmanager, env = setup.alertmanager, setup.env
    up = subprocess.Popen([*tthc_command(), "up"], env=env)
    ingest = f"http://127.0.0.1:{env['TTHC_INGEST_PORT']}"
    alerts = f"http://127.0.0.1:{env['TTHC_ALERTS_PORT']}"
    try:
        for url in (ingest, f"http://127.0.0.1:{env['TTHC_METRICS_PORT']}", alerts):
            wait_http(url + "/health", timeout=60, process=up)
        key = f"kt/online_rate/{period_of(datetime.now(UTC), 'month').code}"
        simulate(env, ingest, "low", online=0.8, cases=12)
        # Until the alert counts all twelve cases: a snapshot taken while the batch was being
        # stored may already fire on fewer (the simulation sends them at once).
        firing = until(
            lambda: [
                a
                for a in httpx.get(alerts + "/v1/alerts").json()["alerts"]
                if a["id"] == key and a["denominator"] == 12
            ]
        )
        assert len(firing) == 1 and firing[0]["numerator"] == 9
        notified = until(
            lambda: [
                n
                for n in sink.received
                if any(a["labels"]["indicator"] == "online_rate" for a in n["alerts"])
            ]
        )
        assert notified[0]["groupLabels"] == {"unit": "kt"} and notified[0]["status"] == "firing"

        simulate(env, ingest, "high", online=1.0, cases=30)
        until(
            lambda: any(
                a["id"] == key
                for a in httpx.get(alerts + "/v1/alerts", params={"status": "resolved"}).json()["alerts"]
            )
        )
        until(
            lambda: any(
                n["status"] == "resolved"
                or any(
                    a["status"] == "resolved" and a["labels"]["indicator"] == "online_rate"
                    for a in n["alerts"]
                )
                for n in sink.received
            )
        )
        changes = [orjson.loads(f[BODY_FIELD]) for _, f in redis.Redis.from_url(redis_url).xrange(ALERTS)]
        assert [c["status"] for c in changes if c["id"] == key] == ["firing", "resolved"], (
            "fired once, resolved once"
        )
    finally:
        assert stop_process(up, timeout=40) == 0
        alertmanager.stop()
