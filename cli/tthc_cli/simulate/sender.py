"""Sending events to the ingest API: batches, pacing, and retries that mean it."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from tthc_contract.logs import get_logger

log = get_logger("tthc.simulate")

RETRYABLE = {429, 502, 503, 504}


class IngestRefused(Exception):
    """Ingest refused a batch for a reason retrying cannot fix (4xx)."""


class Sender:
    def __init__(self, url: str, api_key: str, rate: float, attempts: int = 8) -> None:
        self._client = httpx.AsyncClient(
            base_url=url.rstrip("/"),
            headers={
                "Authorization": f"Bearer {api_key}",
                "Content-Type": "application/cloudevents-batch+json",
            },
            timeout=httpx.Timeout(30.0, connect=5.0),
        )
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._next_slot = time.monotonic()
        self._attempts = attempts
        self.sent = 0
        self.records = 0

    async def _pace(self, count: int) -> None:
        # A token bucket of one: each event reserves its slot on the clock.
        now = time.monotonic()
        self._next_slot = max(self._next_slot, now)
        wait = self._next_slot - now
        self._next_slot += count * self._interval
        if wait > 0:
            await asyncio.sleep(wait)

    async def send(self, events: list[dict[str, Any]]) -> None:
        if events:
            await self._pace(len(events))
            await self._post("/v1/events", events, 202)
            self.sent += len(events)

    async def send_records(self, request: dict[str, Any], events: int) -> None:
        """A portal sync request (``DongBoHoSoMC``) to ``/v1/dvcqg``, paced as its ``events``."""
        await self._pace(events)
        await self._post("/v1/dvcqg", request, 200)
        self.records += len(request["data"])

    async def _post(self, path: str, body: Any, ok: int) -> None:
        delay = 0.5
        for attempt in range(1, self._attempts + 1):
            try:
                response = await self._client.post(path, json=body)
            except httpx.TransportError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code == ok:
                    return
                if response.status_code not in RETRYABLE:
                    raise IngestRefused(f"ingest answered {response.status_code}: {response.text[:2000]}")
                problem = f"HTTP {response.status_code}"
            log.warning("simulate.retry", attempt=attempt, problem=problem, retry_in_s=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
        raise IngestRefused(f"ingest still unavailable after {self._attempts} attempts")

    async def close(self) -> None:
        await self._client.aclose()
