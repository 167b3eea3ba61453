"""Structured logs: JSON lines on the stderr of the moment, for our loggers and libraries'."""

from __future__ import annotations

import io
import logging
import sys

import orjson
import pytest

from tthc_contract.logs import configure_logging, get_logger


def test_library_and_service_lines_follow_a_replaced_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", root.handlers[:])
    monkeypatch.setattr(root, "level", root.level)
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
