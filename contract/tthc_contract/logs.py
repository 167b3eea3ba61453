"""Structured logs on stderr: readable lines for a person at a terminal, one JSON object per
line for everything else (a file, journald, docker, a log shipper).

``TTHC_LOG_FORMAT`` chooses: ``auto`` (the default: ``console`` when stderr is a terminal,
else ``json``), ``console`` or ``json``. Libraries log through the standard library into
the same lines. Their routine lines (uvicorn's start-up and shutdown chatter and access
lines, every httpx request, FastStream's callbacks) are debug: they show with
``TTHC_LOG_LEVEL=DEBUG``; their warnings and errors always show.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TextIO

import structlog

LOG_FORMATS = ("auto", "console", "json")
ROUTINE_LOGGERS = (
    "uvicorn",
    "httpx",
    "httpcore",
    "faststream",
    "tthc.faststream",
    "urllib3",
    "niquests",
    "clickhouse_connect",
)
"""Libraries whose info lines are routine (a request made, a server started): logged at debug."""
KEPT_ROUTINE = ("died",)
"""Info lines of those libraries that stay info: uvicorn's "Child process [..] died" (a worker crashed)."""


class _StderrLogger:
    """Writes each line to whatever ``sys.stderr`` is at that moment (it may be replaced)."""

    def msg(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    log = debug = info = warning = warn = error = critical = exception = fatal = msg


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler bound to the current ``sys.stderr``, not the one at set-up time.

    Test runners and daemonizers swap and close ``sys.stderr``; a handler holding the old
    one would fail with "I/O operation on closed file" and lose the line.
    """

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


class RoutineToDebug(logging.Filter):
    """Lowers the libraries' routine info lines to debug, then keeps what ``level`` allows."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.INFO and is_routine(record):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return record.levelno >= self.level


def is_routine(record: logging.LogRecord) -> bool:
    name = record.name
    if not any(name == logger or name.startswith(logger + ".") for logger in ROUTINE_LOGGERS):
        return False
    message = str(record.msg)
    return not any(kept in message for kept in KEPT_ROUTINE)


def resolve_format(fmt: str, stream: TextIO | None = None) -> str:
    """``console`` or ``json``: ``auto`` is ``console`` when ``stream`` (stderr) is a terminal."""
    if fmt not in LOG_FORMATS:
        raise ValueError(f"log format must be one of {', '.join(LOG_FORMATS)} (it is {fmt!r})")
    if fmt != "auto":
        return fmt
    stream = stream or sys.stderr
    try:
        return "console" if stream.isatty() else "json"
    except (AttributeError, ValueError):  # no isatty, or closed
        return "json"


def configure_logging(service: str, level: str = "INFO", fmt: str = "auto") -> None:
    console = resolve_format(fmt) == "console"
    renderer: structlog.types.Processor
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
    ]
    if console:
        colors = sys.stderr.isatty() and "NO_COLOR" not in os.environ
        renderer = structlog.dev.ConsoleRenderer(colors=colors)
        shared.append(structlog.processors.TimeStamper(fmt="%Y-%m-%d %H:%M:%S", utc=False))
    else:
        renderer = structlog.processors.JSONRenderer()
        shared += [
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
        ]
    numeric_level = logging.getLevelName(level.upper())
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        logger_factory=lambda *_: _StderrLogger(),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
    # Libraries (uvicorn, faststream, httpx) log through the standard library: same format.
    handler = _StderrHandler(sys.stderr)
    handler.addFilter(RoutineToDebug(numeric_level))
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                renderer,
            ],
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)  # type: ignore[no-any-return]
