"""From event objects to published entries, for every endpoint of ingest (all or nothing).

Validate every event (422), check the key may send each one (403), then publish them in
one script call that also checks the unit of each case and feedback item (403) — or, when
Redis cannot take them, publish none (``None``: the endpoint answers 503). When fewer
replicas than ``TTHC_REDIS_WAIT_REPLICAS`` confirm them in time, ``NotReplicated`` (503):
they are on the primary only, and a retried request is stored once (by identity).
"""

from __future__ import annotations

from typing import Any

from tthc_contract.http import ApiError
from tthc_contract.logs import get_logger
from tthc_contract.plan import Plan
from tthc_contract.signing import EntrySigner
from tthc_contract.validation import ValidationContext

from .intake import Checked, authorize, scope_ops, scope_refusal, to_entries, validate_all
from .keys import Credential
from .observability import EVENTS, NOT_REPLICATED
from .publisher import EventPublisher, RedisUnavailable, ReplicasBehind

log = get_logger("tthc.ingest.submission")


class NotReplicated(ApiError):
    """503: the events are on the primary, but not on enough replicas yet to be answered 202."""

    def __init__(self, behind: ReplicasBehind) -> None:
        super().__init__(
            503,
            "not_replicated",
            f"the events reached Redis, but only {behind.confirmed} of {behind.wait.replicas} replicas "
            f"confirmed them within {behind.wait.timeout_ms} ms, so their safety is not guaranteed: "
            "retry the request (a retried event is stored once; duplicates are dropped by identity)",
            {"Retry-After": "1"},
        )


class Submission:
    def __init__(self, plan: Plan, signer: EntrySigner, publisher: EventPublisher) -> None:
        self.units = plan.unit_codes
        self.signer = signer
        self.publisher = publisher

    def check(self, objs: list[Any], credential: Credential) -> list[Checked]:
        """Valid and the key's to send, or ``ApiError`` 422/403."""
        checked = validate_all(objs, ValidationContext(units=self.units))
        authorize(checked, credential)
        return checked

    async def submit(self, objs: list[Any], credential: Credential) -> int | None:
        return await self.publish(self.check(objs, credential), credential)

    async def publish(self, checked: list[Checked], credential: Credential) -> int | None:
        """How many were published; ``None`` when Redis is unavailable (nothing published);
        ``NotReplicated`` when not enough replicas confirmed them in time."""
        try:
            refused = await self.publisher.publish(
                to_entries(checked, self.signer), scope_ops(checked), credential.units
            )
        except RedisUnavailable as exc:
            log.warning("ingest.redis_unavailable", error=str(exc), events=len(checked))
            return None
        except ReplicasBehind as exc:
            log.warning("ingest.not_replicated", error=str(exc), events=len(checked))
            NOT_REPLICATED.inc()
            raise NotReplicated(exc) from None
        if refused:
            raise scope_refusal(checked, refused, credential)
        EVENTS.labels("accepted").inc(len(checked))
        return len(checked)
