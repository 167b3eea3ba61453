"""Drill: the alerts service and Alertmanager killed in turn while Phòng Kinh tế is below
target. What the unit receives is exactly what docs/guarantees.md promises:

- alerts SIGKILLed (restarted by ``tthc up``): nothing is announced twice;
- Alertmanager SIGKILLed: its notification log since the last save is lost, so the unit is
  told once more (Alertmanager saves it every ``--data.maintenance-interval``, and on SIGTERM);
- Alertmanager stopped (SIGTERM) and restarted on its data: nothing is announced twice;
- the resolution is announced once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import psutil
import pytest
import redis

from tthc_contract.indicators import INDICATORS
from tthc_contract.periods import period_of
from tthc_contract.streams import ALERTS, BODY_FIELD

from ..alerts.test_e2e import kt_alerting, simulate, until
from ..cli.test_up import child_named
from ..servers import (
    RedisServer,
    WebhookSink,
    stop_process,
    tthc_command,
    wait_http,
)

pytestmark = [pytest.mark.slow, pytest.mark.faults, pytest.mark.real_clock, pytest.mark.clock]


def online_notices(sink: WebhookSink, status: str) -> list[dict[str, Any]]:
    return [
        n
        for n in sink.received
        if any(a["labels"]["indicator"] == "online_rate" and a["status"] == status for a in n["alerts"])
    ]


def settle(seconds: float = 6.0) -> None:
    """Longer than group_wait + group_interval + a repost: anything owed would have come."""
    time.sleep(seconds)


def test_alerts_and_alertmanager_killed_in_turn(
    tmp_path: Path, redis_server: RedisServer, redis_url: str, sink: WebhookSink
) -> None:
    # Only the online rate can fire, and no due-soon warnings: other alerts share the unit's
    # group with the online alerts, and whether the simulated cases are synced, issued
    # electronically or due within 48 h when they are judged depends on the moment; each
    # alert that starts or ends is one more notice of the group (with the online alerts in it),
    # whatever the kills do. (A resolution is not announced again by the group's next notice:
    # tests/alerts/test_delivery.py.)
    others = {i.code: 0.0 for i in INDICATORS if i.code != "online_rate"}
    setup = kt_alerting(tmp_path, redis_url, sink, targets=others, due_soon="0s")
    alertmanager, config, env = setup.alertmanager, setup.config, setup.env
    up = subprocess.Popen([*tthc_command(), "up"], env=env)
    ingest = f"http://127.0.0.1:{env['TTHC_INGEST_PORT']}"
    alerts = f"http://127.0.0.1:{env['TTHC_ALERTS_PORT']}"
    key = f"kt/online_rate/{period_of(datetime.now(UTC), 'month').code}"
    try:
        for url in (ingest, f"http://127.0.0.1:{env['TTHC_METRICS_PORT']}", alerts):
            wait_http(url + "/health", timeout=60, process=up)
        simulate(env, ingest, "low", online=0.8, cases=12)
        until(lambda: online_notices(sink, "firing"))
        settle()
        # The month's and the year's alerts fire a moment apart: a notice per change of the group.
        told = len(online_notices(sink, "firing"))
        assert told in (1, 2)

        first = child_named(psutil.Process(up.pid), "alerts")
        os.kill(first.pid, signal.SIGKILL)
        child_named(psutil.Process(up.pid), "alerts", not_pid=first.pid)
        wait_http(alerts + "/health", timeout=60, process=up)
        # It answers as a standby until its killed predecessor's lease expires.
        until(lambda: httpx.get(alerts + "/health").json()["role"] == "evaluator", timeout=30)
        settle()
        assert len(online_notices(sink, "firing")) == told, "a restart of alerts announces nothing twice"

        assert alertmanager.process is not None
        alertmanager.process.send_signal(signal.SIGKILL)
        alertmanager.process.wait()
        alertmanager.start(config)
        until(lambda: len(online_notices(sink, "firing")) == told + 1, timeout=30)
        settle()
        assert len(online_notices(sink, "firing")) == told + 1, (
            "a SIGKILL of Alertmanager repeats once (documented)"
        )

        alertmanager.stop()  # SIGTERM: it saves its notification log
        until(lambda: httpx.get(alerts + "/health").status_code == 503, timeout=20)
        assert httpx.get(alerts + "/health").json()["alertmanager"].startswith("unreachable")
        alertmanager.start(config)
        wait_http(alerts + "/health", timeout=30)
        settle()
        assert len(online_notices(sink, "firing")) == told + 1, "nor does Alertmanager stopped and restarted"

        simulate(env, ingest, "high", online=1.0, cases=30)
        until(lambda: online_notices(sink, "resolved"))
        settle()
        assert len(online_notices(sink, "resolved")) == 1
        changes = [orjson.loads(f[BODY_FIELD]) for _, f in redis.Redis.from_url(redis_url).xrange(ALERTS)]
        assert [c["status"] for c in changes if c["id"] == key] == ["firing", "resolved"]
    finally:
        assert stop_process(up, timeout=40) == 0
        alertmanager.stop()
