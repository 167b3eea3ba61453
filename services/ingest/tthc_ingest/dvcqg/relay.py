"""Relay mode: each request goes to the national portal first (``TTHC_DVCQG_UPSTREAM``).

A provincial sync job pointed at the bridge must never be slowed or blocked by it: the
request is forwarded unchanged (the portal's credentials travel in its body and its
``dstcode`` header; the bridge's own ``Authorization`` and ``key`` are not forwarded), and
the portal's status, content type and body are what the job receives. Connections to the
portal are pooled (many requests per second from a busy job); a portal that does not answer
within ``TTHC_DVCQG_TIMEOUT`` makes the bridge answer 503, so the job retries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import httpx
import orjson

from tthc_contract.logs import get_logger

log = get_logger("tthc.ingest.dvcqg.relay")

NOT_FORWARDED = frozenset(
    {
        "authorization",
        "host",
        "content-length",
        "content-encoding",
        "connection",
        "keep-alive",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "proxy-authorization",
        "proxy-connection",
    }
)


@dataclass(frozen=True, slots=True)
class PortalAnswer:
    status: int
    body: bytes
    content_type: str

    @property
    def accepted(self) -> bool:
        """The portal took the request: ``error_code`` 0 (as text or number)."""
        try:
            parsed = orjson.loads(self.body)
        except orjson.JSONDecodeError:
            return False
        return isinstance(parsed, dict) and str(parsed.get("error_code", "")).strip() == "0"


class PortalRelay:
    def __init__(self, url: str, timeout_s: float) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s)),
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32, keepalive_expiry=30),
        )

    async def forward(self, body: bytes, headers: Mapping[str, str], query: str) -> PortalAnswer | None:
        """The portal's answer, or ``None`` when it did not answer in time."""
        kept = {name: value for name, value in headers.items() if name.lower() not in NOT_FORWARDED}
        url = f"{self.url}?{query}" if query else self.url
        try:
            response = await self._client.post(url, content=body, headers=kept)
        except httpx.HTTPError as exc:
            log.warning(
                "dvcqg.upstream_unavailable",
                error=f"{type(exc).__name__}: {exc}"[:300],
                timeout_s=self.timeout_s,
            )
            return None
        return PortalAnswer(
            response.status_code, response.content, response.headers.get("content-type", "application/json")
        )

    async def close(self) -> None:
        await self._client.aclose()
