"""How fast metrics stores what waits in the stream (``tthc bench pipeline`` and ``province``)."""

from __future__ import annotations

import time
from typing import Any

import psutil
import redis
from tqdm import tqdm

from tthc_contract.streams import EVENTS, METRICS_GROUP


def backfill(url: str, pid: int, total: int, label: str = "backfill") -> tuple[float, int]:
    """Events/s from the first acknowledged entry to the last, and the process's peak RSS.
    Progress is read from the consumer group in Redis, so watching costs metrics nothing."""
    client: Any = redis.Redis.from_url(url)
    process = psutil.Process(pid)
    peak, first = 0, None
    with tqdm(total=total, unit="ev", desc=label, mininterval=1.0) as bar:
        while True:
            peak = max(peak, process.memory_info().rss)
            done = _acknowledged(client, total)
            if done and first is None:
                first = (time.perf_counter(), done)
            bar.update(done - bar.n)
            if done >= total:
                break
            time.sleep(0.05)
    assert first is not None
    elapsed = max(time.perf_counter() - first[0], 1e-6)
    return (total - first[1]) / elapsed, peak


def _acknowledged(client: Any, total: int) -> int:
    groups = [g for g in client.xinfo_groups(EVENTS) if g["name"] == METRICS_GROUP.encode()]
    if not groups:
        return 0
    return total - int(groups[0]["lag"] or 0) - int(groups[0]["pending"])
