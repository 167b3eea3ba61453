"""Relay mode, request by request: forward first, then read what went by (SPEC section 9.1).

1. The request goes to the portal unchanged (``relay``); no answer in time: 503, nothing kept.
2. A request that is not a sync service (login, look-ups) is counted and never stored.
3. A sync body that cannot be read is kept whole in ``tthc:dead`` (credentials masked).
4. Sync records: dossiers are translated (with ``synced`` when the portal accepted the
   request); what can be published is, and every record refused, for whatever reason, is
   kept in ``tthc:dead`` with the reason and whether the portal accepted it. Progress steps
   are counted.
5. The portal's own answer goes back unchanged. When Redis cannot take what is to be kept
   or published, or no replica confirms what was published in time (``NotReplicated``), the
   answer is 503 instead, so the system sends again (the portal takes a re-sent record as an
   update, and the store a re-sent event once).
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode

from fastapi import Request
from starlette.responses import Response, StreamingResponse

from tthc_contract.http import ApiError
from tthc_contract.logs import get_logger
from tthc_contract.plan import Plan
from tthc_contract.redis_client import REDIS_ERRORS

from ..body import decoded, read_raw
from ..intake import MAX_BYTES
from ..keys import Credential
from ..submission import NotReplicated, Submission
from .ledger import BridgeLedger, Where
from .mapping import Context
from .portal import portal_error, step_problems, unknown_records
from .relay import PortalAnswer, PortalRelay, forwarded_headers
from .sync_body import NotSync, SyncBody, Unreadable, classify, masked
from .translation import Translation, refused_by_events, translate_all

log = get_logger("tthc.ingest.dvcqg")
NO_ANSWER = (
    "Cổng DVCQG không trả lời; không hồ sơ nào được ghi nhận, hãy gửi lại sau",
    "the portal did not answer in time; nothing was recorded, retry",
)
NOT_KEPT = (
    "Hệ thống tạm thời không ghi nhận được; hãy gửi lại sau",
    "the event stream is unavailable; retry (the portal takes a re-sent record as an update)",
)


class RelayFlow:
    def __init__(self, relay: PortalRelay, plan: Plan, submission: Submission, ledger: BridgeLedger) -> None:
        self.relay, self.plan, self.submission, self.ledger = relay, plan, submission, ledger

    async def handle(
        self, request: Request, path: str, credential: Credential, key_in_address: bool
    ) -> Response:
        raw = await read_raw(request, MAX_BYTES, any_encoding=True)
        query = urlencode(
            [(k, v) for k, v in parse_qsl(request.url.query, keep_blank_values=True) if k != "key"]
        )
        headers = forwarded_headers(request.headers, drop_authorization=not key_in_address)
        answer = await self.relay.forward(request.method, path, query, headers, raw)
        if answer is None:
            raise portal_error(503, *NO_ANSWER)
        where = Where(credential.source, "/" + path, answer.accepted, received_at=datetime.now(UTC))
        try:
            await self._read_through(request, raw, where, credential)
        except REDIS_ERRORS as exc:
            log.warning("dvcqg.not_kept", error=str(exc)[:300], path=where.path)
            raise portal_error(503, *NOT_KEPT) from None
        return passthrough(answer)

    async def _read_through(self, request: Request, raw: bytes, where: Where, credential: Credential) -> None:
        try:
            body = decoded(request, raw, MAX_BYTES)
        except ApiError as exc:
            if request.method == "POST" and raw:
                await self.ledger.keep_body(
                    raw, "unreadable", f"the body cannot be decoded: {exc.detail}", where
                )
            else:
                await self.ledger.forwarded("undecodable")
            return
        found = classify(body)
        if isinstance(found, NotSync):
            await self.ledger.forwarded(found.what)
        elif isinstance(found, Unreadable):
            code = "too_many_records" if found.too_many else "unreadable"
            await self.ledger.keep_body(masked(body), code, f"{found.reason_en} ({found.reason_vi})", where)
        else:
            await self._records(found, where, credential)

    async def _records(self, body: SyncBody, where: Where, credential: Credential) -> None:
        where = Where(where.source, where.path, where.portal_accepted, body.agency, where.received_at)
        synced_at = where.received_at if where.portal_accepted else None
        ctx = Context(self.plan, credential.source, synced_at, body.agency)
        translation = translate_all(body.records, ctx, body.indexes("dossier"))
        translation = translation.refusing(
            [
                *step_problems(body.records, body.indexes("step")),
                *unknown_records(body.records, body.indexes("unknown")),
            ]
        )
        translation = await self._publish_what_can_be(translation, credential)
        await self.ledger.keep_records(body.records, translation.refused, where)
        left_out = {r.index for r in translation.refused}
        await self.ledger.translated(sum(1 for i in body.indexes("dossier") if i not in left_out))
        await self.ledger.steps(sum(1 for i in body.indexes("step") if i not in left_out))

    async def _publish_what_can_be(self, translation: Translation, credential: Credential) -> Translation:
        """Publish the events of every record that can be; returns the translation published,
        its ``refused`` listing every record left out.

        Each refusal (invalid events, events outside the key's units, cases received for
        other units) names records; they are left out and the rest is tried again. Every
        round leaves out at least one record, so this ends.
        """
        while translation.events:
            try:
                checked = self.submission.check(translation.events, credential)
                published = await self.submission.publish(checked, credential)
            except NotReplicated:
                raise  # the whole request is answered 503: nothing kept, the system sends again
            except ApiError as exc:
                refused = refused_by_events(translation, exc.status, exc.detail)
                if not refused:  # names no record (never seen): retrying could not end
                    log.error("dvcqg.unattributed_refusal", status=exc.status, detail=str(exc.detail)[:500])
                    raise ConnectionError("a refusal that names no record") from None
                translation = translation.refusing(refused)
                continue
            if published is None:
                raise ConnectionError("Redis is unavailable")
            break
        return translation


def passthrough(answer: PortalAnswer) -> Response:
    """The portal's answer as it came: status, headers (hop-by-hop ones aside), raw body."""
    response: Response
    if answer.rest is None:
        response = Response(answer.body, status_code=answer.status)
    else:
        response = StreamingResponse(_chain(answer), status_code=answer.status)
    extra = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers]
    kept = [h for h in response.raw_headers if h[0] == b"content-length"]
    response.raw_headers = kept + extra
    return response


async def _chain(answer: PortalAnswer):  # type: ignore[no-untyped-def]
    yield answer.body
    assert answer.rest is not None
    async for chunk in answer.rest:
        yield chunk
