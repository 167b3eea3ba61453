"""Reports never stall the service: files render in worker processes, at most two at a time
and two more waiting; beyond that a report is refused at once with 503 and Retry-After.
Real store, real render processes (the renders given to the pool are module-level functions
of this file, which the workers import)."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest
import redis.asyncio as aredis
from fastapi import FastAPI

from tthc_contract.plan import Plan
from tthc_contract.report_bodies import ReportDocument
from tthc_metrics.api import create_api
from tthc_metrics.reports.pool import RenderPool
from tthc_metrics.reports.render import render_file
from tthc_metrics.store import Store
from tthc_metrics.writer import Writer

from .province import province_plan
from .test_api import state

pytestmark = pytest.mark.asyncio
CPU_S = 1.5
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


async def until(condition: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the condition never held"
        await asyncio.sleep(0.01)


async def test_health_answers_at_once_while_a_province_report_renders(serve) -> None:  # type: ignore[no-untyped-def]
    pool = RenderPool(2, waiting=2, work=cpu_bound_render)
    _, client = await serve(province_plan(150), pool)
    renders = [
        asyncio.create_task(client.get(f"/v1/reports/monthly.{ext}", params=PROVINCE))
        for ext in ("docx", "xlsx", "html", "docx")
    ]
    await until(lambda: pool.rendering > 0)
    samples: list[tuple[float, int]] = []  # (seconds /health took, renders in flight meanwhile)
    while not all(task.done() for task in renders):
        started = time.perf_counter()
        health = await client.get("/health")
        samples.append((time.perf_counter() - started, pool.rendering))
        assert health.status_code == 200, health.text
        await asyncio.sleep(0.05)
    answers = [task.result() for task in renders]
    assert [a.status_code for a in answers] == [200] * 4
    assert answers[1].content[:2] == b"PK" and "PHỤ LỤC".encode() in answers[2].content
    during = [took for took, rendering in samples if rendering > 0]
    assert len(during) >= 10, f"the pool was busy for {len(during)} health checks only: {samples}"
    assert max(during) < 1.0, f"/health took {max(during):.3f} s while reports rendered"
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
