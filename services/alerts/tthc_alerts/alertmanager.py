"""Prometheus Alertmanager's v2 API: where our alerts are handed over for delivery.

One client per Alertmanager peer. A peer that hangs costs its own timeouts only: each
peer has its own client, its own delivery loop and its own backoff (``delivery``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

TIMEOUT = httpx.Timeout(10.0, connect=3.0)
"""A post waits at most 3 s for a connection and 10 s for each read or write."""


class DeliveryFailed(Exception):
    pass


def display_url(url: str) -> str:
    """The URL without credentials: what logs, /health and Prometheus labels show."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


class AlertmanagerClient:
    def __init__(self, url: str, timeout: httpx.Timeout | float = TIMEOUT) -> None:
        self.url = url.rstrip("/")
        self.name = display_url(self.url)
        self._http = httpx.AsyncClient(base_url=self.url, timeout=timeout)

    async def post(self, alerts: list[dict[str, Any]]) -> None:
        if not alerts:
            return
        try:
            response = await self._http.post("/api/v2/alerts", json=alerts)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"Alertmanager at {self.name} unreachable: {exc!r}") from exc
        if response.status_code != 200:
            raise DeliveryFailed(
                f"Alertmanager at {self.name} answered {response.status_code}: {response.text[:500]}"
            )

    async def ready(self, timeout_s: float = 2.0) -> bool:
        try:
            return (await self._http.get("/-/ready", timeout=timeout_s)).status_code == 200
        except httpx.HTTPError:
            return False

    async def close(self) -> None:
        await self._http.aclose()
