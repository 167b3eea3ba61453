"""The batcher: full batches, or as old as ``max_wait`` and paced by storing; a cancelled
``take`` stops."""

from __future__ import annotations

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st

from tthc_metrics.batcher import MAX_PACE_S, Batcher


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


async def _taken_after(batcher: Batcher, entries: list[tuple[bytes, int]]) -> tuple[list[bytes], float]:
    """Add ``entries`` right after a take, then take again: what came, and how long it took."""
    loop = asyncio.get_running_loop()
    await batcher.add([(b"0-0", 0)])
    await batcher.take()
    started = loop.time()
    await batcher.add(entries)
    batch = await batcher.take()
    return [e for e, _ in batch], loop.time() - started


async def test_a_batch_that_is_not_full_waits_twice_what_storing_took() -> None:
    """Storing costs nearly the same for 25 events as for 1,000: under live traffic a batch
    gathers what arrives while the last ones are stored (pacing), not 50 ms of it."""
    batcher = Batcher(max_rows=100, max_wait_s=0.01)
    batcher.paced(0.1)
    ids, waited = await _taken_after(batcher, [(b"1-0", 1)])
    assert ids == [b"1-0"]
    assert waited >= 0.19, "taken no sooner than 2 x 0.1 s after the last batch"


async def test_what_arrives_during_the_pace_comes_in_one_batch() -> None:
    batcher = Batcher(max_rows=100, max_wait_s=0.01)
    batcher.paced(MAX_PACE_S)  # the longest pace (0.3 s): the trickle (0.1 s) fits if its sleeps overrun
    await batcher.add([(b"0-0", 0)])
    await batcher.take()

    async def trickle() -> None:
        for n in range(1, 6):
            await batcher.add([(f"{n}-0".encode(), n)])
            await asyncio.sleep(0.02)

    feeding = asyncio.create_task(trickle())
    batch = await batcher.take()
    await feeding
    assert [e for e, _ in batch] == [f"{n}-0".encode() for n in range(1, 6)]


async def test_a_full_batch_is_never_held_by_the_pace() -> None:
    """A backfill's batches are full: taken at once, however long storing took."""
    batcher = Batcher(max_rows=3, max_wait_s=0.01)
    batcher.paced(60)
    await batcher.add([(b"0-0", 0)])
    await batcher.take()
    await batcher.add([(b"1-0", 1), (b"2-0", 2), (b"3-0", 3)])
    batch = await asyncio.wait_for(batcher.take(), timeout=MAX_PACE_S / 2)
    assert len(batch) == 3


@given(stored_s=st.floats(min_value=0, max_value=3600, allow_nan=False))
@settings(max_examples=5, deadline=None)
def test_the_pace_is_bounded(stored_s: float) -> None:
    """However long storing took, a batch that is not full waits at most ``MAX_PACE_S``."""

    async def check() -> None:
        batcher = Batcher(max_rows=100, max_wait_s=0.01)
        batcher.paced(stored_s)
        ids, waited = await _taken_after(batcher, [(b"1-0", 1)])
        assert ids == [b"1-0"]
        assert waited >= min(2 * stored_s, MAX_PACE_S) * 0.95
        assert waited < MAX_PACE_S + 2, "never held for what storing took (up to an hour)"

    asyncio.run(check())
