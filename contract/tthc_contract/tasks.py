"""Ending asyncio tasks for certain (runtime plumbing).

Python 3.11's ``asyncio.wait_for``, which redis-py's reads and writes go through, can swallow a
cancel that arrives just as the call completes. A loop that calls Redis (a heartbeat, a
follower of the Sentinel primary, a lease's renewal) then goes on after ``task.cancel()``,
and a plain ``await task`` waits for ever: a service asked to stop never stops (it is
SIGKILLed at the end of its grace period). ``cancelled`` cancels again until the task ends.
"""

from __future__ import annotations

import asyncio
from typing import Any

RECANCEL_S = 1.0
"""How long a task is given to end after a cancel before it is cancelled again."""


def honour_cancel() -> None:
    """Raise ``CancelledError`` if the current task was asked to stop (a cancel a call below
    may have swallowed)."""
    current = asyncio.current_task()
    if current is not None and current.cancelling():
        raise asyncio.CancelledError


async def cancelled(*tasks: asyncio.Task[Any] | None) -> None:
    """Cancel ``tasks`` and wait until every one has ended, cancelling again every
    ``RECANCEL_S`` those that go on. Their results and errors are left on them (read them
    with ``task.exception()``). A cancel of the caller while it waits is raised once they
    have ended (one that came before, as in a cancelled task's ``finally``, is its own)."""
    pending = {task for task in tasks if task is not None and not task.done()}
    interrupted = False
    while pending:
        for task in pending:
            task.cancel()
        try:
            await asyncio.wait(pending, timeout=RECANCEL_S)
        except asyncio.CancelledError:
            interrupted = True
        pending = {task for task in pending if not task.done()}
    for each in tasks:  # retrieved, so that asyncio does not log them as never retrieved
        if each is not None and not each.cancelled():
            each.exception()
    if interrupted:
        raise asyncio.CancelledError
