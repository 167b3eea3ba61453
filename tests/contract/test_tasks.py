"""Ending tasks for certain: a cancel swallowed below (as Python 3.11's ``wait_for`` in
redis-py may) does not keep a task, and so a service's stop, going for ever."""

from __future__ import annotations

import asyncio

import pytest

from tthc_contract import tasks
from tthc_contract.tasks import cancelled

pytestmark = pytest.mark.asyncio


def stubborn(swallow: int) -> tuple[asyncio.Task[None], list[int]]:
    """A loop that swallows its first ``swallow`` cancels, as a Redis call's ``wait_for`` may."""
    swallowed: list[int] = []

    async def loop() -> None:
        while True:
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                if len(swallowed) == swallow:
                    raise
                swallowed.append(1)

    return asyncio.create_task(loop()), swallowed


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cancels repeated every 50 ms rather than every second."""
    monkeypatch.setattr(tasks, "RECANCEL_S", 0.05)


@pytest.mark.usefixtures("quick")
async def test_a_task_that_swallows_cancels_is_cancelled_again_until_it_ends() -> None:
    task, swallowed = stubborn(3)
    await asyncio.sleep(0)
    task.cancel()
    await asyncio.sleep(0.05)
    assert not task.done(), "a plain cancel left it running"
    await asyncio.wait_for(cancelled(task, None), timeout=5)
    assert task.cancelled() and len(swallowed) == 3


async def test_errors_are_left_on_the_tasks_and_finished_tasks_are_fine() -> None:
    async def failing() -> None:
        raise ValueError("boom")

    broken = asyncio.create_task(failing())
    await asyncio.sleep(0)
    done = asyncio.create_task(asyncio.sleep(0))
    await asyncio.sleep(0.01)
    await cancelled(broken, done)
    assert isinstance(broken.exception(), ValueError) and done.done()


@pytest.mark.usefixtures("quick")
async def test_a_cancel_of_the_caller_is_honoured_once_the_tasks_ended() -> None:
    task, _ = stubborn(2)
    await asyncio.sleep(0)
    waiting = asyncio.create_task(cancelled(task))
    await asyncio.sleep(0.01)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert task.cancelled(), "the caller's cancel did not leave its task running"


async def test_in_a_cancelled_tasks_cleanup_it_waits_and_the_cleanup_goes_on() -> None:
    """A task being cancelled stops its helpers in its ``finally``, then does more there
    (a reader's stop): ``cancelled`` must not cut that short."""
    after: list[str] = []

    async def owner() -> None:
        helper = asyncio.create_task(asyncio.sleep(60))
        try:
            await asyncio.sleep(60)
        finally:
            await cancelled(helper)
            after.append("cleaned up")

    task = asyncio.create_task(owner())
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert after == ["cleaned up"]
