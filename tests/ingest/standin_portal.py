"""A stand-in of the National Public Service Portal on a local port: it records every request it
receives (method, path, query, headers, raw body) and answers as it is told (accepts, refuses,
is slow, or answers with whatever a test scripts)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import orjson

BASE_PATH = "/dvcqg/api"
ACCEPTED = {"error_code": "0", "message": "Đồng bộ thành công"}
REFUSED = {"error_code": "-1", "message": "Hồ sơ không hợp lệ"}


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    """Below the portal's base address (``BASE_PATH`` removed)."""
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)


class StandInPortal:
    def __init__(self) -> None:
        self.mode = "accept"
        self.received: list[Received] = []
        self.script: Callable[[Received], Answer] | None = None
        portal = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                url = urlsplit(self.path)
                got = Received(
                    self.command,
                    url.path.removeprefix(BASE_PATH),
                    url.query,
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                portal.received.append(got)
                answer = portal.answer(got)
                self.send_response(answer.status)
                for name, value in answer.headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(answer.body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _any

            def log_message(self, *_: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # socketserver's default backlog of 5 drops a busy job's connections

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{BASE_PATH}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, got: Received) -> Answer:
        if self.mode == "slow":
            time.sleep(3)
        if self.script is not None:
            return self.script(got)
        body = orjson.dumps(ACCEPTED if self.mode == "accept" else REFUSED)
        return Answer(200, body, [("Content-Type", "application/json; charset=utf-8")])

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
