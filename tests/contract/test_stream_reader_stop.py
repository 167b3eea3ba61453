"""A stream reader's stop ends FastStream's reads, whatever cuts the broker's stop short.

An alerts service was seen by ``tthc bench`` still running minutes after its SIGTERM: its
last lines had run, and FastStream's read loop went on (its subscriber still marked running),
so Python's runner, which cancels the remaining tasks once at exit, waited for it for ever (the
loop's Redis call can swallow that cancel: 3.11's ``wait_for``). A stop is bounded
(``BROKER_STOP_S``) and can be cancelled (``tasks.cancelled`` cancels again every second);
either way the read loops must end."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import redis.asyncio as aredis

from tthc_contract import stream_consumers
from tthc_contract.stream_consumers import RawStreamReader

from ..waiting import eventually

pytestmark = pytest.mark.asyncio


def reading_tasks() -> list[asyncio.Task[Any]]:
    """FastStream's read loops still running in this loop."""
    return [t for t in asyncio.all_tasks() if not t.done() and "_consume" in t.get_coro().__qualname__]


async def start_reading(redis_url: str, redis: aredis.Redis, stream: str) -> RawStreamReader:
    reader = RawStreamReader(redis_url, redis, stream, "readers", consumer="one", start="0")

    async def handle(_message: Any) -> None:
        return None

    reader.subscribe(handle, max_records=10, polling_interval=200)
    await reader.start()
    assert reading_tasks(), "FastStream reads in a task of its own"
    return reader


@pytest.mark.parametrize("after", [1, 3, 8])
async def test_a_stop_cancelled_as_it_runs_still_ends_the_reads(
    redis_url: str, redis: aredis.Redis, after: int
) -> None:
    reader = await start_reading(redis_url, redis, f"test:stop:{after}")
    stopping = asyncio.create_task(reader.stop())
    for _ in range(after):  # the stop has gone this many steps when the cancel comes
        await asyncio.sleep(0)
    stopping.cancel()
    await asyncio.gather(stopping, return_exceptions=True)
    assert not any(s.running for s in reader.broker.subscribers), "the subscribers are stopped"
    await eventually(lambda: not reading_tasks(), timeout=10)


async def test_a_stop_cut_short_by_its_bound_still_ends_the_reads(
    redis_url: str, redis: aredis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The broker's stop hangs (as on a lost primary) past its bound, before FastStream has
    stopped a subscriber."""
    reader = await start_reading(redis_url, redis, "test:stop:bound")
    monkeypatch.setattr(stream_consumers, "BROKER_STOP_S", 0.2)

    async def hanging() -> None:
        await asyncio.sleep(3600)

    monkeypatch.setattr(reader.broker, "stop", hanging)
    await reader.stop()
    assert not any(s.running for s in reader.broker.subscribers), "the subscribers are stopped"
    await eventually(lambda: not reading_tasks(), timeout=10)
