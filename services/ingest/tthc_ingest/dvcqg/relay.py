"""Relay mode: the bridge stands in for the portal's address (``TTHC_DVCQG_UPSTREAM``).

A one-stop-shop system pointed at the bridge must never be slowed or blocked by it. Every
request to ``/v1/dvcqg/<path>`` (any method: login, look-ups, sync) goes to
``<upstream>/<path>`` with its query string (less the bridge's own ``key``), its headers
(less the hop-by-hop ones, and less ``Authorization`` when that header carried the bridge's
key) and its body, byte for byte, still encoded as sent. The portal's status, headers (less
hop-by-hop ones) and body, raw, are what the system receives. Connections are pooled; a
portal that does not answer within ``TTHC_DVCQG_TIMEOUT`` makes the bridge answer 503, so
the system retries.

An answer is read into memory up to ``MAX_BUFFERED`` (sync answers are small, and the bridge
reads whether the portal accepted them); a larger one (a big look-up) is streamed through.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

import httpx
import orjson

from tthc_contract.logs import get_logger

log = get_logger("tthc.ingest.dvcqg.relay")

HOP_BY_HOP = frozenset(
    {
        "host",
        "content-length",
        "connection",
        "keep-alive",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "proxy-authorization",
        "proxy-authenticate",
        "proxy-connection",
    }
)
MAX_BUFFERED = 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class PortalAnswer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    rest: AsyncIterator[bytes] | None = None
    """The remainder of an answer larger than ``MAX_BUFFERED``, streamed after ``body``."""

    @property
    def accepted(self) -> bool:
        """The portal took the request: a 2xx with ``error_code`` 0 (``"0"``, ``"00"``, ``0``)."""
        if not 200 <= self.status < 300 or self.rest is not None:
            return False
        try:
            parsed = orjson.loads(self.body)
        except orjson.JSONDecodeError:
            return False
        code = str(parsed.get("error_code", "")).strip() if isinstance(parsed, dict) else ""
        return code.lstrip("0") == "" and code != ""


def forwarded_headers(headers: Mapping[str, str], drop_authorization: bool) -> list[tuple[str, str]]:
    dropped = HOP_BY_HOP | ({"authorization"} if drop_authorization else set())
    return [(name, value) for name, value in headers.items() if name.lower() not in dropped]


class PortalRelay:
    def __init__(self, url: str, timeout_s: float) -> None:
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s)),
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32, keepalive_expiry=30),
        )

    def target(self, path: str, query: str) -> str:
        url = f"{self.url}/{path.lstrip('/')}" if path.strip("/") else self.url
        return f"{url}?{query}" if query else url

    async def forward(
        self, method: str, path: str, query: str, headers: list[tuple[str, str]], body: bytes
    ) -> PortalAnswer | None:
        """The portal's answer, or ``None`` when it did not answer in time."""
        request = self._client.build_request(method, self.target(path, query), headers=headers, content=body)
        try:
            response = await self._client.send(request, stream=True)
        except httpx.HTTPError as exc:
            self._unavailable(exc)
            return None
        try:
            return await self._read(response)
        except httpx.HTTPError as exc:
            await response.aclose()
            self._unavailable(exc)
            return None

    async def _read(self, response: httpx.Response) -> PortalAnswer:
        kept = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in HOP_BY_HOP]
        chunks, size = [], 0
        raw = response.aiter_raw()
        async for chunk in raw:
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_BUFFERED:
                return PortalAnswer(response.status_code, kept, b"".join(chunks), _rest(raw, response))
        await response.aclose()
        return PortalAnswer(response.status_code, kept, b"".join(chunks))

    def _unavailable(self, exc: httpx.HTTPError) -> None:
        log.warning(
            "dvcqg.upstream_unavailable", error=f"{type(exc).__name__}: {exc}"[:300], timeout_s=self.timeout_s
        )

    async def close(self) -> None:
        await self._client.aclose()


async def _rest(raw: AsyncIterator[bytes], response: httpx.Response) -> AsyncIterator[bytes]:
    try:
        async for chunk in raw:
            yield chunk
    finally:
        with contextlib.suppress(httpx.HTTPError):
            await response.aclose()
