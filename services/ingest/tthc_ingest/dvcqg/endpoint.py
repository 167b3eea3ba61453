"""``POST /v1/dvcqg``: the portal's own sync requests, translated into events (SPEC section 9).

- Translate only (default): every record is translated and checked like ``/v1/events``
  (SPEC sections 2 and 7), all or nothing, answered in the portal's shape.
- Relay (``TTHC_DVCQG_UPSTREAM``): the portal answers first and its answer is what the
  sending system gets; then the records it accepted are also synced, what can be translated
  is published, and what cannot goes to ``tthc:dead`` with the reason.

The key is sent as ``Authorization: Bearer <key>``; a sync job that can only change the
portal's address may put it in the address instead (``?key=<key>``; it is not forwarded).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

import orjson
from fastapi import FastAPI, Request
from starlette.responses import Response

from tthc_contract.dead_letters import DeadLetter, DeadLetterBox
from tthc_contract.http import ApiError, JSONResponse
from tthc_contract.logs import get_logger
from tthc_contract.plan import Plan
from tthc_contract.redis_client import REDIS_ERRORS

from ..body import read_body
from ..intake import MAX_BYTES, Checked
from ..keys import Credential, KeyRing
from ..observability import DVCQG_RECORDS
from ..publisher import EventPublisher
from ..submission import Submission
from .mapping import Context
from .portal import (
    PROGRESS,
    SYNC,
    accepted,
    as_portal,
    parse_request,
    portal_error,
    progress_counted,
    progress_problems,
    refused,
)
from .relay import PortalAnswer, PortalRelay
from .translation import Translation, refused_by_events, translate_all

log = get_logger("tthc.ingest.dvcqg")
DOCUMENTED: dict[int | str, dict[str, Any]] = {
    status: {
        "description": text,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PortalAnswer"}}},
    }
    for status, text in {
        200: "accepted (error_code 0); in relay mode, the portal's own answer",
        400: "not a DongBoHoSoMC or CapNhatTienDoHoSoMC request",
        401: "missing or unknown API key",
        403: "records outside the source's units",
        413: "more than 1,000 records or 5 MiB",
        422: "invalid records, each with MaHoSo, field and reason (Vietnamese and English)",
        503: "Redis unavailable, or (relay mode) the portal did not answer: nothing was recorded, retry",
    }.items()
}
PORTAL_ANSWER_SCHEMA = {
    "type": "object",
    "required": ["error_code", "message"],
    "properties": {
        "error_code": {"type": "string", "description": '"0" on success, else the HTTP status'},
        "message": {"type": "string", "description": "Vietnamese / English"},
        "records": {"type": "array", "items": {"type": "object"}, "description": "each refused record"},
    },
}


class DvcqgBridge:
    def __init__(
        self,
        plan: Plan,
        keys: KeyRing,
        submission: Submission,
        publisher: EventPublisher,
        relay: PortalRelay | None,
    ):
        self.plan, self.keys, self.submission, self.publisher, self.relay = (
            plan,
            keys,
            submission,
            publisher,
            relay,
        )
        self.dead = DeadLetterBox(publisher.redis)

    def credential(self, request: Request) -> Credential:
        header = request.headers.get("authorization")
        key = request.query_params.get("key")
        return self.keys.authenticate(header if header or not key else f"Bearer {key}")

    async def handle(self, request: Request) -> Response:
        try:
            credential = self.credential(request)
            body = await read_body(request, MAX_BYTES)
            if self.relay is not None:
                return await self.relayed(request, body, credential)
            return await self.translated(body, credential)
        except ApiError as exc:
            portal = as_portal(exc)
            await self.publisher.count_refusal(portal.status)
            return JSONResponse(portal.detail, status_code=portal.status, headers=portal.headers)

    async def translated(self, body: bytes, credential: Credential) -> Response:
        portal = parse_request(body)
        if portal.service == PROGRESS:
            if problems := progress_problems(portal.records):
                raise refused(422, problems)
            await self._count("dvcqg_progress", len(portal.records), PROGRESS, "counted")
            return JSONResponse(progress_counted(len(portal.records)))
        translation = translate_all(portal.records, Context(self.plan, credential.source))
        if translation.refused:
            DVCQG_RECORDS.labels(SYNC, "refused").inc(len(portal.records))
            raise refused(422, translation.refused)
        try:
            published = await self.submission.publish(self._checked(translation, credential), credential)
        except ApiError as exc:
            DVCQG_RECORDS.labels(SYNC, "refused").inc(len(portal.records))
            raise refused(exc.status, refused_by_events(translation, exc.status, exc.detail)) from None
        if published is None:
            raise portal_error(
                503,
                "Hệ thống tạm thời không ghi nhận được; hãy gửi lại sau",
                "the event stream is unavailable; nothing was recorded, retry later",
            )
        await self._count("dvcqg_records", len(portal.records), SYNC, "accepted")
        return JSONResponse(accepted(len(portal.records), published))

    def _checked(self, translation: Translation, credential: Credential) -> list[Checked]:
        return self.submission.check(translation.events, credential)

    async def relayed(self, request: Request, body: bytes, credential: Credential) -> Response:
        assert self.relay is not None
        query = urlencode([(k, v) for k, v in parse_qsl(request.url.query) if k != "key"])
        answer = await self.relay.forward(body, request.headers, query)
        if answer is None:
            raise portal_error(
                503,
                "Cổng DVCQG không trả lời; không hồ sơ nào được ghi nhận, hãy gửi lại sau",
                "the portal did not answer in time; nothing was recorded, retry",
            )
        try:
            portal = parse_request(body)
        except ApiError:
            return _as_received(answer)  # not ours to translate; the portal has answered it
        if portal.service == PROGRESS:
            await self._count("dvcqg_progress", len(portal.records), PROGRESS, "counted")
            return _as_received(answer)
        synced_at = datetime.now(UTC) if answer.accepted else None
        translation = translate_all(portal.records, Context(self.plan, credential.source, synced_at))
        if not await self._publish_what_can_be(translation, credential):
            raise portal_error(
                503,
                "Hệ thống tạm thời không ghi nhận được; hãy gửi lại sau",
                "the event stream is unavailable; retry (the portal takes a re-sent record as an update)",
            )
        return _as_received(answer)

    async def _publish_what_can_be(self, translation: Translation, credential: Credential) -> bool:
        """Publish the events of every record that can be; the others go to tthc:dead.

        Each refusal (invalid events, events outside the key's units, cases received for
        other units) names records; they are left out and the rest is tried again. Every
        round leaves out at least one record, so this ends.
        """
        while translation.events:
            try:
                checked = self._checked(translation, credential)
                published = await self.submission.publish(checked, credential)
            except ApiError as exc:
                refused = refused_by_events(translation, exc.status, exc.detail)
                if not refused:  # names no record (never seen): retrying could not end
                    log.error("dvcqg.unattributed_refusal", status=exc.status, detail=str(exc.detail)[:500])
                    return False
                translation = translation.refusing(refused)
                continue
            if published is None:
                return False
            break
        try:
            await self._dead_letters(translation)
            await self._count("dvcqg_records", len(translation.records), SYNC, "accepted")
        except REDIS_ERRORS:
            return False
        return True

    async def _dead_letters(self, translation: Translation) -> None:
        letters = [
            DeadLetter(
                b"",
                {b"record": orjson.dumps(translation.records[r.index])},
                f"{r.field}: {r.en} ({r.vi})",
                origin="dvcqg",
            )
            for r in translation.refused
        ]
        if letters:
            DVCQG_RECORDS.labels(SYNC, "dead").inc(len(letters))
            await self.dead.send(letters)
            await self.publisher.count("dvcqg_dead", len(letters))

    async def _count(self, field: str, records: int, service: str, outcome: str) -> None:
        DVCQG_RECORDS.labels(service, outcome).inc(records)
        await self.publisher.count(field, records)


def _as_received(answer: PortalAnswer) -> Response:
    return Response(answer.body, status_code=answer.status, media_type=answer.content_type)


def install(app: FastAPI, bridge: DvcqgBridge) -> dict[str, Any]:
    """Add the route; returns the schemas it adds to the OpenAPI document."""

    @app.post("/v1/dvcqg", responses=DOCUMENTED)
    async def post_dvcqg(request: Request) -> Response:
        return await bridge.handle(request)

    return {"PortalAnswer": PORTAL_ANSWER_SCHEMA}
