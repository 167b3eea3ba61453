"""The batcher: full batches, or as old as ``max_wait``; a cancelled ``take`` stops."""

from __future__ import annotations

import asyncio

import pytest

from tthc_metrics.batcher import Batcher

pytestmark = pytest.mark.asyncio


async def test_a_batch_is_full_or_as_old_as_max_wait() -> None:
    batcher = Batcher(max_rows=3, max_wait_s=0.05)
    await batcher.add([(b"1-0", 1), (b"2-0", 2), (b"3-0", 3), (b"4-0", 4)])
    assert [e for e, _ in await batcher.take()] == [b"1-0", b"2-0", b"3-0"]
    assert [e for e, _ in await batcher.take()] == [b"4-0"], "the rest, once old enough"


async def test_a_take_cancelled_as_new_entries_arrive_is_cancelled() -> None:
    """Stopping metrics cancels the task waiting for a fuller batch. When entries arrive in
    the same turn of the loop, Python 3.11's ``asyncio.wait_for`` returns instead of raising
    (the inner wait was done), the cancel is lost and the stop waits for ever."""
    batcher = Batcher(max_rows=10, max_wait_s=60)
    await batcher.add([(b"1-0", 1)])
    taking = asyncio.create_task(batcher.take())
    await asyncio.sleep(0.01)  # waiting for more entries, up to 60 s
    await batcher.add([(b"2-0", 2)])  # wakes the waiter ...
    taking.cancel()  # ... and the stop cancels it before it runs
    done, _ = await asyncio.wait([taking], timeout=1)
    assert done and taking.cancelled()
