"""``tthc simulate`` through a real ingest process: valid traffic, exact shares, reproducible."""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

import orjson
import pytest
import redis

from tthc_contract.streams import EVENT_FIELD, EVENTS

from ..servers import RedisServer, running_ingest, tthc_command, tthc_env

pytestmark = pytest.mark.slow


def stream_events(url: str) -> list[dict[str, object]]:
    return [orjson.loads(f[EVENT_FIELD]) for _, f in redis.Redis.from_url(url).xrange(EVENTS)]


def test_live_simulation_sends_whole_lifecycles_with_exact_shares(
    tmp_path: Path, redis_server: RedisServer, redis_url: str
) -> None:
    env = tthc_env(tmp_path, redis_url)
    with running_ingest(env) as url:
        result = subprocess.run(
            [
                *tthc_command(),
                "simulate",
                "--url",
                url,
                "--cases",
                "40",
                "--units",
                "kt",
                "--rate",
                "0",
                "--day-seconds",
                "0.3",
                "--set",
                "kt.online_rate=0.8",
                "--set",
                "kt.feedback_per_case=0.1",
                "--no-progress",
                "--seed",
                "7",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    events = stream_events(redis_url)
    kinds = Counter(e["type"] for e in events)
    assert kinds["tthc.case.received"] == 40 and kinds["tthc.case.resolved"] == 40
    assert kinds["tthc.case.synced"] == 40 and kinds["tthc.feedback.received"] == 4
    channels = Counter(e["data"]["channel"] for e in events if e["type"] == "tthc.case.received")  # type: ignore[index]
    online = channels["online_full"] + channels["online_partial"]
    assert online == 32, channels  # exactly 80%
    times = [e["time"] for e in events]
    assert len({e["id"] for e in events}) == len(events)
    assert times, "events were sent"


def test_backfill_is_reproducible_with_a_seed(
    tmp_path: Path, redis_server: RedisServer, redis_url: str
) -> None:
    env = tthc_env(tmp_path, redis_url)
    with running_ingest(env) as url:
        for _ in range(2):
            subprocess.run(
                [
                    *tthc_command(),
                    "simulate",
                    "--url",
                    url,
                    "--days",
                    "3",
                    "--cases-per-day",
                    "20",
                    "--rate",
                    "0",
                    "--no-progress",
                    "--seed",
                    "11",
                ],
                env=env,
                check=True,
                capture_output=True,
                timeout=120,
            )
    events = stream_events(redis_url)
    half = len(events) // 2
    assert half > 100
    strip = lambda e: {k: v for k, v in e.items() if k != "time"}  # noqa: E731 - "now" moves between runs
    assert [e["id"] for e in events[:half]] == [e["id"] for e in events[half:]]
    assert [strip(e)["type"] for e in events[:half]] == [strip(e)["type"] for e in events[half:]]


def test_portal_format_sends_each_dossier_at_every_change(
    tmp_path: Path, redis_server: RedisServer, redis_url: str
) -> None:
    """--format dvcqg: DongBoHoSoMC requests to /v1/dvcqg, a record re-sent at each change;
    ratings, feedback and syncs stay CloudEvents. The cases' lifecycles arrive whole."""
    env = tthc_env(tmp_path, redis_url, TTHC_INGEST_WORKERS="1")
    with running_ingest(env) as url:
        args = ["simulate", "--url", url, "--days", "3", "--cases-per-day", "20", "--rate", "0"]
        result = subprocess.run(
            [*tthc_command(), *args, "--format", "dvcqg", "--no-progress", "--seed", "5", "--batch", "25"],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "portal records sent" in result.stdout
    events = stream_events(redis_url)
    bridged = [e for e in events if str(e["id"]).startswith("dvcqg:")]
    received = {e["subject"] for e in bridged if e["type"] == "tthc.case.received"}
    assert len(received) == 60, "every dossier received through the bridge"
    assert {e["type"] for e in events if not str(e["id"]).startswith("dvcqg:")} <= {
        "tthc.case.rated",
        "tthc.case.synced",
        "tthc.feedback.received",
        "tthc.feedback.resolved",
        "tthc.feedback.rated",
    }
    assert any(e["type"] == "tthc.case.resolved" for e in bridged)
    stats = redis.Redis.from_url(redis_url).hgetall("tthc:ingest:stats")
    assert int(stats[b"dvcqg_records"]) > len(received), "records re-sent at every change"
