"""Each alert change as a Grafana annotation (when ``TTHC_GRAFANA_URL`` is set).

Organization-wide annotations tagged ``tthc``, the unit, the indicator and the status;
the dashboards can show them beside the history they read from ClickHouse. Best effort:
a Grafana that does not answer after a few tries is logged, never blocks the alerts.
"""

from __future__ import annotations

import asyncio

from grafana_client.api import AsyncGrafanaApi
from grafana_client.client import GrafanaException

from tthc_contract.logs import get_logger
from tthc_contract.plan import Plan

from .evaluator import Alert
from .records import DueSoonWarning
from .state_store import Record
from .texts import due_soon_summary, summary

log = get_logger("tthc.alerts.grafana")


class GrafanaAnnotations:
    def __init__(self, url: str, token: str | None, plan: Plan, attempts: int = 3) -> None:
        self.api = AsyncGrafanaApi.from_url(url, credential=token)
        self.plan = plan
        self.attempts = attempts

    def text(self, record: Record) -> str:
        name = self.plan.names[record.unit]
        if isinstance(record, DueSoonWarning):
            return due_soon_summary(name, list(record.items), record.within_s / 3600)
        assert isinstance(record, Alert)
        return summary(record, name)

    async def __call__(self, changed: list[Record]) -> None:
        for record in changed:
            when = record.resolved_at if record.status == "resolved" else record.started_at
            assert when is not None
            indicator = "due_soon" if isinstance(record, DueSoonWarning) else record.indicator
            tags = ["tthc", record.unit, indicator, record.status]
            for attempt in range(1, self.attempts + 1):
                try:
                    await self.api.annotations.add_annotation(
                        time_from=int(when.timestamp() * 1000), tags=tags, text=self.text(record)
                    )
                    break
                except (GrafanaException, OSError) as exc:
                    if attempt == self.attempts:
                        log.warning("grafana.annotation_failed", id=record.id, error=str(exc)[:300])
                    else:
                        await asyncio.sleep(0.5 * attempt)
