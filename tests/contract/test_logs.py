"""Structured logs on the stderr of the moment, for our loggers and libraries': readable
lines on a terminal, JSON lines otherwise; the libraries' routine lines at debug."""

from __future__ import annotations

import io
import logging
import os
import pty
import subprocess
import sys

import orjson
import pytest

from tthc_contract.logs import configure_logging, get_logger

# These tests configure logging for the whole process: tests/conftest.py puts it back.


def test_library_and_service_lines_follow_a_replaced_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    configure_logging("metrics", "INFO")
    first = io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    logging.getLogger("a.library").info("hello %s", "world")
    first.close()  # what pytest's capture does between tests
    second = io.StringIO()
    monkeypatch.setattr(sys, "stderr", second)
    logging.getLogger("a.library").warning("still here")
    get_logger("tthc.test").info("metrics.flushed", stored=3)
    lines = [orjson.loads(line) for line in second.getvalue().splitlines()]
    assert [line["event"] for line in lines] == ["still here", "metrics.flushed"]
    assert lines[0]["logger"] == "a.library" and lines[0]["level"] == "warning"
    assert lines[1]["stored"] == 3 and all(line["service"] == "metrics" for line in lines)


SCRIPT = """
import logging
from tthc_contract.logs import configure_logging, get_logger
from tthc_contract.settings import Settings
settings = Settings()
configure_logging("metrics", settings.log_level, settings.log_format)
get_logger("tthc.test").info("metrics.flushed", stored=3)
logging.getLogger("httpx").info('HTTP Request: POST http://am:9093/api/v2/alerts "HTTP/1.1 200 OK"')
"""


def stderr_of_a_service(on_terminal: bool, **env: str) -> str:
    """What a process configured from the environment (``Settings``) writes on its stderr:
    a pseudo-terminal, as a person's shell gives it, or a pipe, as a log collector does."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TTHC_")} | env
    command = [sys.executable, "-c", SCRIPT]
    if not on_terminal:
        done = subprocess.run(
            command, env=environment, capture_output=True, text=True, timeout=60, check=True
        )
        return done.stderr
    reader, writer = pty.openpty()
    try:
        process = subprocess.Popen(command, env=environment, stdin=subprocess.DEVNULL, stderr=writer)
    finally:
        os.close(writer)
    chunks = []
    try:
        while True:
            try:
                chunk = os.read(reader, 4096)
            except OSError:  # EIO: the other end closed
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(reader)
    assert process.wait(timeout=60) == 0
    return b"".join(chunks).decode().replace("\r\n", "\n")


def test_by_default_people_at_a_terminal_read_lines_and_collectors_get_json() -> None:
    terminal = stderr_of_a_service(on_terminal=True, NO_COLOR="1")
    [line] = terminal.splitlines()
    assert "metrics.flushed" in line and "stored=3" in line and "service=metrics" in line
    assert not line.lstrip().startswith("{") and "[info" in line
    assert "\x1b[" in stderr_of_a_service(on_terminal=True), "coloured unless NO_COLOR is set"
    [record] = [orjson.loads(line) for line in stderr_of_a_service(on_terminal=False).splitlines()]
    assert record["event"] == "metrics.flushed" and record["stored"] == 3


def test_tthc_log_format_forces_one_or_the_other() -> None:
    [forced_json] = stderr_of_a_service(on_terminal=True, TTHC_LOG_FORMAT="json").splitlines()
    assert orjson.loads(forced_json)["event"] == "metrics.flushed"
    [forced_console] = stderr_of_a_service(on_terminal=False, TTHC_LOG_FORMAT="console").splitlines()
    assert "metrics.flushed" in forced_console and "stored=3" in forced_console
    assert "\x1b[" not in forced_console, "no colour codes where no terminal shows them"


def test_library_routine_lines_are_debug_and_their_warnings_stay(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("uvicorn", "httpx"):  # the tests keep them quiet (tests/conftest.py); a service does not
        logger = logging.getLogger(name)
        monkeypatch.setattr(logger, "level", logger.level)  # put back after the test
        logger.setLevel(logging.NOTSET)
    for level, expected in (
        ("INFO", ["Child process [7] died", "Invalid HTTP request received.", "alerts.posted"]),
        (
            "DEBUG",
            [
                "Started server process [7]",
                "HTTP Request: POST http://am/api/v2/alerts",
                "Child process [7] died",
                "Invalid HTTP request received.",
                "alerts.posted",
            ],
        ),
    ):
        configure_logging("alerts", level, "json")
        out = io.StringIO()
        monkeypatch.setattr(sys, "stderr", out)
        logging.getLogger("uvicorn.error").info("Started server process [%d]", 7)
        logging.getLogger("httpx").info("HTTP Request: POST http://am/api/v2/alerts")
        logging.getLogger("uvicorn.error").info("Child process [7] died")  # a worker crashed: kept
        logging.getLogger("uvicorn.error").warning("Invalid HTTP request received.")
        get_logger("tthc.alerts").info("alerts.posted", alerts=2)
        lines = [orjson.loads(line) for line in out.getvalue().splitlines()]
        assert [line["event"] for line in lines] == expected, level
        levels = {line["event"]: line["level"] for line in lines}
        assert levels.get("Started server process [7]", "debug") == "debug"
        assert levels["Child process [7] died"] == "info"
