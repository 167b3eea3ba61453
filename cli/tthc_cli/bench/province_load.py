"""How fast metrics stores what waits in the stream (``tthc bench pipeline`` and ``province``)."""

from __future__ import annotations

import time
from typing import Any

import httpx
import psutil
import redis
from tqdm import tqdm

from tthc_contract.streams import EVENTS, METRICS_GROUP


def backfill(url: str, pid: int, total: int, label: str = "backfill") -> tuple[float, int]:
    """Events/s from now (metrics just started) until every entry is acknowledged, counting the
    entries acknowledged from now on, and the process's peak RSS. Progress is read from the
    consumer group in Redis, so watching costs metrics nothing. (Timing from the first
    acknowledged batch instead gave 0 events/s when one batch held the whole history.)"""
    client: Any = redis.Redis.from_url(url)
    process = psutil.Process(pid)
    peak, started, before = 0, time.perf_counter(), _acknowledged(client, total)
    if before >= total:
        raise SystemExit(f"{label}: all {total:,} events were stored before they could be timed; load more")
    with tqdm(total=total, initial=before, unit="ev", desc=label, mininterval=1.0) as bar:
        while True:
            peak = max(peak, process.memory_info().rss)
            done = _acknowledged(client, total)
            bar.update(done - bar.n)
            if done >= total:
                break
            time.sleep(0.05)
    return (total - before) / max(time.perf_counter() - started, 1e-6), peak


def _acknowledged(client: Any, total: int) -> int:
    groups = [g for g in client.xinfo_groups(EVENTS) if g["name"] == METRICS_GROUP.encode()]
    if not groups:
        return 0
    return total - int(groups[0]["lag"] or 0) - int(groups[0]["pending"])


def grafana_rows_caught_up(port: int, timeout_s: float = 600.0) -> float:
    """Seconds until metrics has written Grafana's rows (the 766 estimate, the table of units)
    in a round begun from now (the rows wait while a backlog is stored: this is how far behind
    the backfill they end)."""
    started, since = time.perf_counter(), time.time()
    while time.perf_counter() - started < timeout_s:
        rows = httpx.get(f"http://127.0.0.1:{port}/v1/status", timeout=30).json()["this_process"][
            "grafana_rows"
        ]
        if (rows["covers_since"] or 0) > since:
            return time.perf_counter() - started
        time.sleep(0.5)
    raise SystemExit(f"metrics did not write Grafana's rows within {timeout_s:.0f} s of the backfill")
