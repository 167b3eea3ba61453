"""Reports never stall the service: they are built and rendered off the event loop, bounded.

- A report's store reads and its model run in a thread of the pool's own, one report at a
  time (``BUILDS``), so that reports never take the threads the other routes (and
  ``/health``) use, nor hold the interpreter from the event loop for long.
- Files are rendered in worker processes (CPU-bound Python would hold the event loop's
  interpreter): the ``forkserver`` start method (``spawn`` where there is none), because the
  service's process hosts the embedded ClickHouse engine and must never be forked. The
  server preloads the renderers, so a worker starts in milliseconds; a worker is replaced
  after ``TASKS_PER_WORKER`` renders, which returns the memory a large report took. Workers
  run at a lower CPU priority (``nice`` 10): on a two-core machine the service answers first.
  Each worker ends when the service's process does, however it ended (a worker waits on
  its queue forever otherwise, and it holds the fork server open: a SIGKILLed service would
  leave both behind at every crash).
- Starting a process blocks its caller until the child answers (the fork server's first start
  takes a second or more): the service starts the workers at start-up (``start``), in a
  thread, and every submit, which may replace a worker that reached its task count, runs
  in a thread too. The event loop never waits for a process to start.
- At most ``renders`` files are rendered at a time (``TTHC_METRICS_REPORT_RENDERS``) and at
  most ``waiting`` more reports are admitted (built, or waiting for a worker). A report
  beyond that is refused at once with ``ReportsBusy`` (the API answers 503 with
  ``Retry-After``): never an unbounded queue. A report whose client went away keeps its
  place until its render ends, so clients that hang up cannot pile renders up either.
"""

from __future__ import annotations

import asyncio
import math
import multiprocessing
import os
import select
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager, suppress
from multiprocessing.context import BaseContext
from typing import Any, TypeVar

from tthc_contract.logs import get_logger
from tthc_contract.report_bodies import ReportDocument

from .render import render_file

T = TypeVar("T")
log = get_logger("tthc.metrics.reports")
TASKS_PER_WORKER = 20
BUILDS = 1
"""Reports built at once: building holds the interpreter (the model of a province's 1,201
units), so one at a time leaves the event loop its turn; rendering, the longer part, runs
in parallel in the workers."""
WORKER_NICENESS = 10
"""Workers yield the CPU to the service: on a small machine, answers come before renders."""
DEFAULT_RETRY_S = 5
RenderWork = Callable[[ReportDocument, str, str], bytes]


def _start_worker(niceness: int, owner: int) -> None:
    """In each render process: a lower priority, and an end with the ``owner`` process."""
    os.nice(niceness)
    threading.Thread(target=_exit_with, args=(owner,), name="owner-watch", daemon=True).start()


def _exit_with(owner: int) -> None:
    """Wait for ``owner`` to end (a pidfd where Linux has one, else a poll each second), then
    end this process at once: nothing of a render is worth keeping without the service."""
    try:
        handle = os.pidfd_open(owner)
    except (AttributeError, OSError):  # no pidfd here, or the owner already gone
        while _alive(owner):
            time.sleep(1.0)
    else:
        select.select([handle], [], [])
    os._exit(0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ReportsBusy(Exception):
    """Every place is taken: try again in ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"every report place is taken; retry in {retry_after} s")
        self.retry_after = retry_after


class RenderFailed(Exception):
    """A render process died (out of memory, killed): the pool starts new ones."""


def _context() -> BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([render_file.__module__])
        return context
    return multiprocessing.get_context("spawn")


class RenderPool:
    def __init__(self, renders: int = 2, waiting: int | None = None, work: RenderWork = render_file) -> None:
        self.renders = renders
        self.waiting = renders if waiting is None else waiting
        self.work = work
        """What a worker runs: ``render_file`` (a test gives a slower one: a module-level function)."""
        self.admitted = 0
        """Reports admitted and not finished (built, rendering or waiting for a worker)."""
        self.rendering = 0
        """Renders given to the workers and not finished."""
        self._processes: ProcessPoolExecutor | None = None
        self._threads = ThreadPoolExecutor(BUILDS, thread_name_prefix="report")
        self._durations: deque[float] = deque(maxlen=20)
        self._starting = threading.Lock()

    @asynccontextmanager
    async def place(self) -> AsyncIterator[Place]:
        """A place for one report, or ``ReportsBusy`` at once."""
        if self.admitted >= self.renders + self.waiting:
            raise ReportsBusy(self.retry_after())
        self.admitted += 1
        place = Place(self, asyncio.get_running_loop())
        try:
            yield place
        finally:
            place.leave()

    def retry_after(self) -> int:
        """Seconds until a place is likely free: the mean of the last renders, rounded up."""
        if not self._durations:
            return DEFAULT_RETRY_S
        return max(1, min(120, math.ceil(sum(self._durations) / len(self._durations))))

    async def start(self) -> None:
        """Start the fork server and the workers now, off the event loop (else the first
        report's submit would, on it)."""
        try:
            await asyncio.to_thread(self._warm)
        except (OSError, BrokenProcessPool) as exc:  # the first report tries again
            log.warning("metrics.report_workers_not_started", error=str(exc)[:300])

    def _warm(self) -> None:
        executor = self.processes()
        for ready in [executor.submit(os.getpid) for _ in range(self.renders)]:
            ready.result()

    def processes(self) -> ProcessPoolExecutor:
        with self._starting:  # called from threads: one executor, however many ask at once
            return self._processes or self._new_processes()

    def _new_processes(self) -> ProcessPoolExecutor:
        self._processes = ProcessPoolExecutor(
            self.renders,
            mp_context=_context(),
            initializer=_start_worker,
            initargs=(WORKER_NICENESS, os.getpid()),
            max_tasks_per_child=TASKS_PER_WORKER,
        )
        return self._processes

    def broken(self, executor: ProcessPoolExecutor) -> None:
        if self._processes is executor:
            self._processes = None
        executor.shutdown(wait=False, cancel_futures=True)

    def finished(self, started: float) -> None:
        self.rendering -= 1
        self._durations.append(time.monotonic() - started)

    def close(self) -> None:
        if self._processes is not None:
            self._processes.shutdown(wait=False, cancel_futures=True)
            self._processes = None
        self._threads.shutdown(wait=False, cancel_futures=True)


class Place:
    """One admitted report: its building in a thread, its renders in the workers."""

    def __init__(self, pool: RenderPool, loop: asyncio.AbstractEventLoop) -> None:
        self.pool, self.loop = pool, loop
        self.pending: Future[bytes] | None = None
        self.submitting: asyncio.Future[Future[bytes]] | None = None
        self.held = True

    async def build(self, work: Callable[..., T], *args: Any) -> T:
        return await self.loop.run_in_executor(self.pool._threads, work, *args)

    async def render(self, document: ReportDocument, ext: str, place: str) -> bytes:
        pool, started = self.pool, time.monotonic()
        executor = await asyncio.to_thread(pool.processes)
        # Shielded: a client gone while submitting leaves the render running (see ``leave``).
        self.submitting = self.loop.run_in_executor(None, self._submit, executor, document, ext, place)
        try:
            self.pending = await asyncio.shield(self.submitting)
        except BrokenProcessPool:
            pool.broken(executor)
            raise RenderFailed("the render processes stopped; retry") from None
        pool.rendering += 1
        self.pending.add_done_callback(lambda _: self._on_loop(pool.finished, started))
        try:
            return await asyncio.wrap_future(self.pending)
        except BrokenProcessPool:
            pool.broken(executor)
            raise RenderFailed("a render process stopped (out of memory?); retry") from None

    def _submit(
        self, executor: ProcessPoolExecutor, document: ReportDocument, ext: str, place: str
    ) -> Future[bytes]:
        self.pending = executor.submit(self.pool.work, document, ext, place)
        return self.pending

    def leave(self) -> None:
        """Give the place back, or, while a render still runs for a client gone, when it ends."""
        if self.submitting is not None and not self.submitting.done():
            self.submitting.add_done_callback(lambda _: self.leave())
        elif self.pending is not None and not self.pending.done():
            self.pending.add_done_callback(lambda _: self._on_loop(self._free))
        else:
            self._free()

    def _on_loop(self, work: Callable[..., None], *args: Any) -> None:
        """Run ``work`` on the event loop (done callbacks run in the pool's thread)."""
        with suppress(RuntimeError):  # the loop is closed: nothing waits for the count anymore
            self.loop.call_soon_threadsafe(work, *args)

    def _free(self) -> None:
        if self.held:
            self.held = False
            self.pool.admitted -= 1
