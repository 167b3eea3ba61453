"""Running the services' HTTP servers (uvicorn) with bounds a public endpoint needs.

uvicorn bounds the idle time between requests (keep-alive) but not the time a client
takes to send a request's headers: a connection that opens and then sends nothing, or
half a header, would stay open for ever. ``BoundedHttpToolsProtocol`` answers 408 and
closes such a connection after ``HEADER_TIMEOUT_S``. Bodies are bounded by the endpoints.
"""

from __future__ import annotations

import asyncio
import signal
from typing import Any

import orjson
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEADER_TIMEOUT_S = 10.0
PROTOCOL = "tthc_contract.http_server:BoundedHttpToolsProtocol"
"""For ``uvicorn.run(http=...)``: an import path, so that worker processes load it too."""
GRACEFUL_SHUTDOWN_S = 5
"""On a stop, how long requests still being answered are given before they are cut."""


def _answer_408() -> bytes:
    body = orjson.dumps(
        {
            "error": "request_timeout",
            "detail": f"the request headers did not arrive within {HEADER_TIMEOUT_S:g} s",
        }
    )
    head = b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\nconnection: close\r\n"
    return head + b"content-length: %d\r\n\r\n%b" % (len(body), body)


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with a deadline for each request's headers."""

    _header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._header_deadline = self.loop.call_later(HEADER_TIMEOUT_S, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_too_slow(self) -> None:
        self._header_deadline = None
        if not self.transport.is_closing():
            self.transport.write(_answer_408())
            self.transport.close()


def server_config(app: Any, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        lifespan="on",
        http=PROTOCOL,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )


async def serve(app: Any, host: str, port: int, stop: asyncio.Event | None = None) -> None:
    """Run ``app`` with uvicorn inside the running loop until ``stop`` is set or a signal."""
    server = uvicorn.Server(server_config(app, host, port))
    if stop is not None:

        async def watch() -> None:
            await stop.wait()
            server.should_exit = True

        watcher = asyncio.create_task(watch())
    await server.serve()
    if stop is not None:
        watcher.cancel()


def install_stop_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
