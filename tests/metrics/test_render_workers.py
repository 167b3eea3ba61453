"""Render workers end with the service's process, however it ended."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import psutil

OWNER = """
import json, sys, time
from multiprocessing import forkserver
from tthc_metrics.reports.pool import RenderPool
pool = RenderPool(2)
pool._warm()
workers = list(pool.processes()._processes)
print(json.dumps({"workers": workers, "server": forkserver._forkserver._forkserver_pid}), flush=True)
time.sleep(600)
"""


def test_a_killed_service_leaves_no_render_process_behind() -> None:
    """SIGKILL gives the service no chance to stop its pool: its workers end by themselves,
    and with them the fork server (a worker would wait on its queue forever, at every crash)."""
    owner = subprocess.Popen([sys.executable, "-c", OWNER], stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout is not None
        started = json.loads(owner.stdout.readline())
        children = [psutil.Process(pid) for pid in [*started["workers"], started["server"]]]
        assert len(children) == 3 and all(c.is_running() for c in children)
    finally:
        owner.send_signal(signal.SIGKILL)
        owner.wait()
    _, alive = psutil.wait_procs(children, timeout=10)
    assert alive == [], f"outlived the service: {alive}"
