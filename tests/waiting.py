"""Waiting in async tests for something that happens in the background."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable
from typing import Any


async def eventually(check: Callable[[], Any], timeout: float = 60.0, every: float = 0.02) -> Any:
    """``check()``'s first true result (``check`` may be a coroutine function), polled every
    ``every`` seconds; ``AssertionError`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout}s: {getattr(check, '__qualname__', check)}")
        await asyncio.sleep(every)
