"""How long the monthly report of a province takes, in each format (not a test: a measurement).

A province of 150 communes × 7 departments (``province.py``), a dozen cases per department
in the kỳ báo cáo of March 2026 (received online or not, paid, digitized, synced, resolved
on time or late, some with a feedback item), stored through the real writer into the real
embedded ClickHouse. Then, through the metrics API as it runs (reports built in threads,
rendered in the render processes): the monthly report as JSON, .docx, .xlsx and .html,
three times each; the building and the rendering alone; and /health while four reports
render. The target is at most 10 s for every format.

    .venv/bin/python -m tests.metrics.bench_province_report [--communes 150] [--cases 12]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import structlog

from tthc_contract.heap import settle_startup_heap
from tthc_contract.periods import LOCAL_TZ
from tthc_contract.plan import Plan
from tthc_contract.redis_client import connect
from tthc_contract.report_periods import parse_report_period
from tthc_metrics.api import create_api
from tthc_metrics.reports.render import render_file
from tthc_metrics.reports.service import ReportBuilder
from tthc_metrics.store import Store

from ..servers import RedisServer
from .conftest import make_writer
from .events import digitized, feedback, paid, received, resolved, result, synced
from .province import province_plan
from .test_api import state
from .test_indicators import store_events

PARAMS = {"unit": "dong-nai", "period": "2026-03/ky"}
START = datetime(2026, 2, 15, 7, 0, tzinfo=LOCAL_TZ)
FIELDS = ("Hộ tịch", "Chứng thực", "Đất đai", "Xây dựng", "Bảo trợ xã hội", "")


def history(plan: Plan, per_department: int, seed: int = 1) -> list[dict[str, Any]]:
    rnd, events = random.Random(seed), []
    departments = [code for code, _ in plan.walk() if not plan.children[code]]
    for unit in departments:
        for n in range(per_department):
            case = f"{unit}-{n}"
            at = START + timedelta(hours=rnd.randint(0, 27 * 24))
            due = at + timedelta(days=rnd.choice((1, 3, 5, 10)))
            channel = rnd.choice(("online_full", "online_full", "online_partial", "in_person", "postal"))
            events.append(
                received(
                    case,
                    at.isoformat(),
                    unit=unit,
                    channel=channel,
                    due=due.isoformat(),
                    field=rnd.choice(FIELDS),
                )
            )
            if rnd.random() < 0.6:
                events.append(paid(case, (at + timedelta(hours=1)).isoformat(), f"P-{case}"))
            if rnd.random() < 0.9:
                events.append(digitized(case, (at + timedelta(hours=2)).isoformat()))
            if rnd.random() < 0.95:
                events.append(synced(case, (at + timedelta(hours=2)).isoformat()))
            if rnd.random() < 0.8:
                end = at + timedelta(days=rnd.choice((1, 2, 4, 8, 12)))
                events += [resolved(case, end.isoformat()), result(case, end.isoformat(), rnd.random() < 0.9)]
            if rnd.random() < 0.05:
                events.append(
                    feedback(f"F-{case}", at.isoformat(), unit, (at + timedelta(days=7)).isoformat(), case)
                )
    return events


def line(label: str, seconds: list[float]) -> None:
    shown = ", ".join(f"{s:.2f}" for s in seconds)
    print(f"  {label:<44} median {statistics.median(seconds):6.2f} s   ({shown})")


async def main(communes: int, cases: int) -> None:
    plan = province_plan(communes)
    with tempfile.TemporaryDirectory() as tmp:
        server = RedisServer(Path(tmp) / "redis")
        server.start()
        store = Store("chdb://" + str(Path(tmp) / "chdb"))
        redis = connect(server.url)
        try:
            await measure(plan, store, redis, cases)
        finally:
            await redis.aclose()
            store.close()
            server.stop()


async def measure(plan: Plan, store: Store, redis: Any, cases: int) -> None:
    store.migrate()
    store.sync_plan(plan)
    writer = make_writer(store, redis, plan)
    events = history(plan, cases)
    started = time.perf_counter()
    await store_events(writer, events, batches=max(1, len(events) // 5000))
    units = len(plan.unit_codes)
    print(
        f"\nProvince: {units} units, {len(events):,} events stored in {time.perf_counter() - started:.1f} s"
    )
    del events
    settle_startup_heap()  # as metrics does once started: what lives on is frozen out of full collections
    app = create_api(state(store, redis, plan, writer))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://metrics", timeout=600) as client:
        await client.get("/v1/reports/evaluation.docx", params=PARAMS)  # the render processes start
        print("Through the API (built in a thread, rendered in a render process):")
        for ext in ("", ".docx", ".xlsx", ".html"):
            took, size = [], 0
            for _ in range(3):
                began = time.perf_counter()
                answer = await client.get(f"/v1/reports/monthly{ext}", params=PARAMS)
                took.append(time.perf_counter() - began)
                assert answer.status_code == 200, answer.text
                size = len(answer.content)
            line(f"monthly{ext or ' (JSON)'}  {size / 1e6:.1f} MB", took)
        await health_under_load(client, app.state.render_pool)
    app.state.render_pool.close()
    app.state.report_store.close()
    in_process(plan, store)


def in_process(plan: Plan, store: Store) -> None:
    print("In this process:")
    report, now = parse_report_period("2026-03/ky", 14), datetime.now(LOCAL_TZ)
    builds = []
    for _ in range(3):
        began = time.perf_counter()
        document = ReportBuilder(store, plan).document(plan.root, report, None, now)
        builds.append(time.perf_counter() - began)
    line("building the document (store reads, model)", builds)
    for ext in ("docx", "xlsx", "html"):
        took = []
        for _ in range(3):
            began = time.perf_counter()
            render_file(document, ext, "Biên Hòa")
            took.append(time.perf_counter() - began)
        line(f"rendering .{ext}", took)


async def health_under_load(client: httpx.AsyncClient, pool: Any) -> None:
    idle = [await timed(client, "/health") for _ in range(20)]
    renders = [
        asyncio.create_task(client.get(f"/v1/reports/monthly.{ext}", params=PARAMS))
        for ext in ("docx", "xlsx", "html", "docx")
    ]
    loaded = []
    while not all(r.done() for r in renders):
        busy = pool.rendering
        took = await timed(client, "/health")
        if busy and pool.rendering:
            loaded.append(took)
        await asyncio.sleep(0.05)
    ms = sorted(t * 1000 for t in loaded)
    print(
        f"  /health idle: median {statistics.median(idle) * 1000:.0f} ms, at most {max(idle) * 1000:.0f} ms"
    )
    if ms:
        print(
            f"  /health while renders ran ({len(ms)} checks): median {statistics.median(ms):.0f} ms, "
            f"95th percentile {ms[int(len(ms) * 0.95) - 1]:.0f} ms, at most {ms[-1]:.0f} ms"
        )


async def timed(client: httpx.AsyncClient, path: str) -> float:
    began = time.perf_counter()
    assert (await client.get(path)).status_code == 200
    return time.perf_counter() - began


if __name__ == "__main__":
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--communes", type=int, default=150)
    parser.add_argument("--cases", type=int, default=12, help="cases per department")
    args = parser.parse_args()
    asyncio.run(main(args.communes, args.cases))
