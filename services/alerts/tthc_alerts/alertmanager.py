"""Prometheus Alertmanager's v2 API: where our alerts are handed over for delivery."""

from __future__ import annotations

from typing import Any

import httpx


class DeliveryFailed(Exception):
    pass


class AlertmanagerClient:
    def __init__(self, url: str, timeout_s: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.AsyncClient(base_url=self.url, timeout=timeout_s)

    async def post(self, alerts: list[dict[str, Any]]) -> None:
        if not alerts:
            return
        try:
            response = await self._http.post("/api/v2/alerts", json=alerts)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"Alertmanager at {self.url} unreachable: {exc}") from exc
        if response.status_code != 200:
            raise DeliveryFailed(f"Alertmanager answered {response.status_code}: {response.text[:500]}")

    async def ready(self, timeout_s: float = 2.0) -> bool:
        try:
            return (await self._http.get("/-/ready", timeout=timeout_s)).status_code == 200
        except httpx.HTTPError:
            return False

    async def close(self) -> None:
        await self._http.aclose()
