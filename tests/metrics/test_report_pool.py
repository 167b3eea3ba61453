"""Reports never stall the service: files render in worker processes, at most two at a time
and two more waiting; beyond that a report is refused at once with 503 and Retry-After.
Real store, real render processes (the renders given to the pool are module-level functions
of this file, which the workers import)."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Awaitable
from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest
import redis.asyncio as aredis
from fastapi import FastAPI

from tthc_contract.periods import parse_period
from tthc_contract.plan import Plan
from tthc_contract.report_bodies import ReportDocument
from tthc_contract.streams import EVENTS
from tthc_metrics import reads
from tthc_metrics.api import create_api
from tthc_metrics.batcher import Batcher
from tthc_metrics.consumer import EventConsumer
from tthc_metrics.reports.pool import RenderPool
from tthc_metrics.reports.render import render_file
from tthc_metrics.store import Store
from tthc_metrics.writer import Writer

from ..waiting import eventually as until
from .conftest import make_writer, signed_entry
from .events import received, t
from .province import province_plan
from .test_api import state

pytestmark = pytest.mark.asyncio
CPU_S = 2.5
"""How long a "slow" render keeps its worker's core busy after rendering."""
PROVINCE = {"unit": "dong-nai", "period": "2026-03/ky"}
MARCH = {"period": "2026-03/ky"}


def cpu_bound_render(document: ReportDocument, ext: str, place: str) -> bytes:
    """The real render, then CPU_S seconds of pure Python: were it run on the event loop,
    nothing else would answer meanwhile."""
    content = render_file(document, ext, place)
    deadline = time.process_time() + CPU_S
    while time.process_time() < deadline:
        sum(range(1000))
    return content


def sleepy_render(document: ReportDocument, ext: str, place: str) -> bytes:
    time.sleep(2.0)
    return render_file(document, ext, place)


def dying_render(document: ReportDocument, ext: str, place: str) -> bytes:
    os._exit(3)  # a worker killed (out of memory): the pool must start new ones


async def timed(request: Awaitable[httpx.Response]) -> tuple[httpx.Response, float]:
    """The answer and the seconds it took, start to end."""
    started = time.perf_counter()
    answer = await request
    return answer, time.perf_counter() - started


def province_renders(client: httpx.AsyncClient) -> list[asyncio.Task[tuple[httpx.Response, float]]]:
    """Four monthly reports of the province asked for at once, each timed."""
    return [
        asyncio.create_task(timed(client.get(f"/v1/reports/monthly.{ext}", params=PROVINCE)))
        for ext in ("docx", "xlsx", "html", "docx")
    ]


def blocking_bound_s(renders: list[asyncio.Task[tuple[httpx.Response, float]]]) -> float:
    """Half the shortest render, as this run's machine took it (a render keeps a core busy
    ``CPU_S`` seconds, longer in wall time when other work shares the cores). Anything held
    up by a render, were it run on the event loop, would wait at least that render's whole
    length; the bound scales with the machine's load, so a busy machine fails no one."""
    return min(task.result()[1] for task in renders) / 2


@pytest.fixture
async def serve(store: Store, redis: aredis.Redis, writer: Writer) -> AsyncIterator[object]:
    """``await serve(plan, pool)``: a client of the metrics API using ``pool`` for reports."""
    apps: list[FastAPI] = []
    clients: list[httpx.AsyncClient] = []

    async def start(plan: Plan, pool: RenderPool) -> tuple[FastAPI, httpx.AsyncClient]:
        store.sync_plan(plan)
        app = create_api(replace(state(store, redis, plan, writer), reports=pool))
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://metrics", timeout=120
        )
        apps.append(app)
        clients.append(client)
        return app, client

    yield start
    for client in clients:
        await client.aclose()
    for app in apps:
        app.state.render_pool.close()
        app.state.report_store.close()


async def test_health_answers_at_once_while_a_province_report_renders(serve) -> None:  # type: ignore[no-untyped-def]
    pool = RenderPool(2, waiting=2, work=cpu_bound_render)
    _, client = await serve(province_plan(150), pool)
    renders = province_renders(client)
    await until(lambda: pool.rendering > 0)
    samples: list[tuple[float, int]] = []  # (seconds /health took, renders in flight meanwhile)
    while not all(task.done() for task in renders):
        started = time.perf_counter()
        health = await client.get("/health")
        samples.append((time.perf_counter() - started, pool.rendering))
        assert health.status_code == 200, health.text
        await asyncio.sleep(0.05)
    answers = [task.result()[0] for task in renders]
    assert [a.status_code for a in answers] == [200] * 4
    assert answers[1].content[:2] == b"PK" and "PHỤ LỤC".encode() in answers[2].content
    during = [took for took, rendering in samples if rendering > 0]
    assert len(during) >= 10, f"the pool was busy for {len(during)} health checks only: {samples}"
    bound_s = blocking_bound_s(renders)
    assert max(during) < bound_s, f"/health took {max(during):.3f} s while reports rendered ({bound_s:.2f} s)"
    print(f"/health while reports rendered: {len(during)} checks, at most {max(during) * 1000:.0f} ms")


async def test_a_report_beyond_the_bound_is_refused_at_once_with_retry_after(serve) -> None:  # type: ignore[no-untyped-def]
    pool = RenderPool(1, waiting=1, work=sleepy_render)
    _, client = await serve(province_plan(3), pool)
    first = asyncio.create_task(client.get("/v1/reports/evaluation.html", params=MARCH))
    second = asyncio.create_task(client.get("/v1/reports/bieu-06.docx", params=MARCH))
    await until(lambda: pool.admitted == 2 and pool.rendering >= 1)
    started = time.perf_counter()
    refused = await client.get("/v1/reports/plan.xlsx", params=MARCH)
    assert time.perf_counter() - started < 1.0, "refused at once, not queued"
    assert refused.status_code == 503 and refused.json()["error"] == "reports_busy"
    assert int(refused.headers["Retry-After"]) >= 1
    assert "thử lại sau" in refused.json()["detail"] and "retry in" in refused.json()["detail"]
    assert (await client.get("/v1/reports/plan", params=MARCH)).status_code == 503, "JSON takes a place too"
    assert [(await task).status_code for task in (first, second)] == [200, 200]
    assert pool.admitted == 0
    assert (await client.get("/v1/reports/plan.xlsx", params=MARCH)).status_code == 200


async def test_a_client_gone_keeps_its_place_until_its_render_ends(serve) -> None:  # type: ignore[no-untyped-def]
    pool = RenderPool(1, waiting=0, work=sleepy_render)
    _, client = await serve(province_plan(3), pool)
    gone = asyncio.create_task(client.get("/v1/reports/evaluation.html", params=MARCH))
    await until(lambda: pool.rendering == 1)
    gone.cancel()  # the client hangs up while its file renders
    await asyncio.sleep(0.1)
    assert pool.admitted == 1, "the worker is still busy with it"
    assert (await client.get("/v1/reports/plan.html", params=MARCH)).status_code == 503
    await until(lambda: pool.admitted == 0)
    assert (await client.get("/v1/reports/plan.html", params=MARCH)).status_code == 200


async def test_a_dead_worker_answers_503_and_the_pool_starts_new_ones(serve) -> None:  # type: ignore[no-untyped-def]
    pool = RenderPool(1, work=dying_render)
    _, client = await serve(province_plan(3), pool)
    dead = await client.get("/v1/reports/plan.docx", params=MARCH)
    assert (
        dead.status_code == 503 and dead.json()["error"] == "render_failed" and "Retry-After" in dead.headers
    )
    pool.work = render_file
    assert (await client.get("/v1/reports/plan.docx", params=MARCH)).status_code == 200
    assert pool.admitted == 0 and pool.rendering == 0


async def test_events_flowing_while_a_province_report_renders_are_stored_without_waiting(
    serve, redis_url: str, redis: aredis.Redis, store: Store
) -> None:  # type: ignore[no-untyped-def]
    """The consumer stores and counts events one by one while four reports of a province
    render (each at least ``CPU_S`` seconds of a worker's core): none waits for a render.
    Up to ten events, one after another while the renders last; at least five must be stored
    before the renders end (on a busy machine storing slows down as the renders do)."""
    plan = province_plan(150)
    pool = RenderPool(2, waiting=2, work=cpu_bound_render)
    _, client = await serve(plan, pool)
    consumer = EventConsumer(
        redis_url, redis, "while-rendering", make_writer(store, redis, plan), Batcher(500, 0.05),
        reclaim_idle_ms=60_000, poison_after=2, on_stored=_stored,
    )  # fmt: skip
    await consumer.start()
    try:
        renders = province_renders(client)
        await until(lambda: pool.rendering > 0)
        sent, waits = 0, []  # waits: of the events stored while the renders still ran
        while pool.rendering > 0 and sent < 10:
            sent += 1
            case = received(f"while-rendering-{sent}", t("2026-03-10 09:00"), unit="x007-vp")
            published = time.perf_counter()
            await redis.xadd(EVENTS, signed_entry(case))
            await until(lambda n=sent: reads.events_stored(store) == n, timeout=30)
            if pool.rendering > 0:
                waits.append(time.perf_counter() - published)
        assert len(waits) >= 5, f"the renders ended after {len(waits)} events stored: {waits}"
        assert [(await task)[0].status_code for task in renders] == [200] * 4
    finally:
        await consumer.stop(flush_timeout_s=10)
    bound_s = blocking_bound_s(renders)
    assert max(waits) < bound_s, (
        f"an event waited {max(waits):.2f} s to be stored while reports rendered: {waits}, bound {bound_s:.2f} s"
    )
    march = reads.counts(
        store, plan.descendants("x007"), parse_period("2026-03"), datetime(2026, 4, 1, tzinfo=UTC)
    )
    assert march["cases"] == sent, "each counted once"


async def test_starting_the_workers_never_blocks_the_event_loop() -> None:
    """The fork server's first start takes a second or more; the loop keeps ticking meanwhile."""
    pool = RenderPool(2)
    gaps: list[float] = []

    async def tick() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticking = asyncio.create_task(tick())
    try:
        started = time.perf_counter()
        await pool.start()
        took = time.perf_counter() - started
        assert pool._processes is not None and len(pool._processes._processes) == 2, "both workers up"
    finally:
        ticking.cancel()
        pool.close()
    # Were the start run on the loop, one gap would be the whole start: the bound is half of
    # it, as measured in this run (the start and the gaps both stretch on a busy machine), and
    # never under 0.25 s (when the fork server already runs, a start takes a few ms and a
    # gap is the 10 ms tick itself).
    bound_s = max(0.25, took / 2)
    assert max(gaps) < bound_s, f"the loop stood still {max(gaps):.2f} s while workers started ({took:.2f} s)"


async def _stored(*_: object) -> None:
    return None
