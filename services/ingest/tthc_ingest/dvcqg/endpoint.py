"""``/v1/dvcqg`` and everything under it: the portal's address, as one-stop-shop systems use it
(SPEC sections 9 and 9.1).

- Translate only (default): sync bodies, in either shape and at any path, are translated and
  checked like ``/v1/events`` (SPEC sections 2 and 7), all or nothing, answered in the
  portal's shape. Other requests are answered 400: there is no portal to relay them to.
- Relay (``TTHC_DVCQG_UPSTREAM``, the portal's base URL): every request goes to the portal
  first, whatever the method and path, and the portal's answer is what the system receives.
  Then sync records are translated and published (with ``synced`` when the portal accepted
  them), and what cannot be is kept in ``tthc:dead`` (``relay_flow``).

The key is ``Authorization: Bearer <key>`` or ``?key=<key>`` on the address (neither reaches
the portal; with ``?key=``, an ``Authorization`` header is the portal's and is forwarded).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from starlette.responses import Response

from tthc_contract.http import ApiError, JSONResponse
from tthc_contract.plan import Plan
from tthc_contract.redis_client import REDIS_ERRORS

from ..body import read_body
from ..intake import MAX_BYTES
from ..keys import Credential, KeyRing
from ..publisher import EventPublisher
from ..submission import NotReplicated, Submission
from .ledger import BridgeLedger
from .mapping import Context
from .portal import accepted, as_portal, portal_error, refused, step_problems, unknown_records
from .relay import PortalRelay
from .relay_flow import RelayFlow
from .sync_body import NotSync, SyncBody, Unreadable, classify
from .translation import refused_by_events, translate_all

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
DOCUMENTED: dict[int | str, dict[str, Any]] = {
    status: {
        "description": text,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PortalAnswer"}}},
    }
    for status, text in {
        200: "accepted (error_code 0); in relay mode, the portal's own answer, whatever it is",
        400: "translate mode: not a sync request (DongBoHoSoMC, CapNhatTienDoHoSoMC, or an array of records)",
        401: "missing or unknown API key (Authorization: Bearer, or ?key=)",
        403: "records outside the source's units",
        413: "more than 1,000 records or 5 MiB",
        422: "invalid records, each with MaHoSo, field and reason (Vietnamese and English)",
        503: "Redis unavailable, or no replica confirmed the records in time (with Sentinel), or "
        "(relay mode) the portal did not answer: retry (a re-sent record is stored once)",
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
NOT_SYNC = (
    "Không phải yêu cầu đồng bộ hồ sơ (DongBoHoSoMC, CapNhatTienDoHoSoMC hoặc một danh sách hồ sơ); "
    "các dịch vụ khác chỉ được chuyển tiếp khi cấu hình TTHC_DVCQG_UPSTREAM",
    "not a sync request (DongBoHoSoMC, CapNhatTienDoHoSoMC, or an array of records); other services "
    "are only relayed to the portal when TTHC_DVCQG_UPSTREAM is set",
)
STREAM_DOWN = (
    "Hệ thống tạm thời không ghi nhận được; hãy gửi lại sau",
    "the event stream is unavailable; nothing was recorded, retry later",
)


class DvcqgBridge:
    def __init__(
        self,
        plan: Plan,
        keys: KeyRing,
        submission: Submission,
        publisher: EventPublisher,
        relay: PortalRelay | None,
    ):
        self.plan, self.keys, self.submission, self.publisher = plan, keys, submission, publisher
        self.ledger = BridgeLedger(publisher)
        self.relay = RelayFlow(relay, plan, submission, self.ledger) if relay is not None else None

    def credential(self, request: Request) -> tuple[Credential, bool]:
        """The key's credential, and whether it came in the address (``?key=``)."""
        key = request.query_params.get("key")
        header = request.headers.get("authorization")
        if key:
            return self.keys.authenticate(f"Bearer {key}"), True
        return self.keys.authenticate(header), False

    async def handle(self, request: Request, path: str) -> Response:
        try:
            credential, key_in_address = self.credential(request)
            if self.relay is not None:
                return await self.relay.handle(request, path, credential, key_in_address)
            return await self.translated(await read_body(request, MAX_BYTES), credential)
        except ApiError as exc:
            portal = as_portal(exc)
            await self.publisher.count_refusal(portal.status)
            return JSONResponse(portal.detail, status_code=portal.status, headers=portal.headers)

    async def translated(self, body: bytes, credential: Credential) -> Response:
        found = classify(body)
        if isinstance(found, NotSync) and found.what == "not JSON":
            raise portal_error(400, "Nội dung không phải JSON hợp lệ", "the body is not valid JSON")
        if isinstance(found, NotSync):
            raise portal_error(400, f"{NOT_SYNC[0]} ({found.what})", f"{NOT_SYNC[1]} ({found.what})")
        if isinstance(found, Unreadable):
            raise portal_error(413 if found.too_many else 400, found.reason_vi, found.reason_en)
        return await self._translate(found, credential)

    async def _translate(self, body: SyncBody, credential: Credential) -> Response:
        """All or nothing: every record translated and published, or the request refused."""
        translation = translate_all(
            body.records, Context(self.plan, credential.source, agency=body.agency), body.indexes("dossier")
        )
        problems = [
            *translation.refused,
            *step_problems(body.records, body.indexes("step")),
            *unknown_records(body.records, body.indexes("unknown")),
        ]
        if problems:
            raise refused(422, sorted(problems, key=lambda r: r.index))
        try:
            checked = self.submission.check(translation.events, credential)
            published = await self.submission.publish(checked, credential)
        except NotReplicated:
            raise  # 503 for the whole request, in the portal's shape (``handle``)
        except ApiError as exc:
            raise refused(exc.status, refused_by_events(translation, exc.status, exc.detail)) from None
        if published is None:
            raise portal_error(503, *STREAM_DOWN)
        dossiers, steps = len(body.indexes("dossier")), len(body.indexes("step"))
        try:
            await self.ledger.translated(dossiers)
            await self.ledger.steps(steps)
        except REDIS_ERRORS:
            pass  # published; only the counters missed it
        return JSONResponse(accepted(dossiers, published, steps))


def install(app: FastAPI, bridge: DvcqgBridge) -> dict[str, Any]:
    """Add the routes; returns the schemas they add to the OpenAPI document."""

    @app.post("/v1/dvcqg", responses=DOCUMENTED)
    async def dvcqg_root(request: Request) -> Response:
        return await bridge.handle(request, "")

    @app.post("/v1/dvcqg/{path:path}", responses=DOCUMENTED)
    async def dvcqg_path(request: Request, path: str) -> Response:
        """Any path under the portal's address; in relay mode, any method (not listed here)."""
        return await bridge.handle(request, path)

    others = [m for m in METHODS if m != "POST"]

    @app.api_route("/v1/dvcqg", methods=others, include_in_schema=False)
    async def dvcqg_root_other(request: Request) -> Response:
        return await bridge.handle(request, "")

    @app.api_route("/v1/dvcqg/{path:path}", methods=others, include_in_schema=False)
    async def dvcqg_path_other(request: Request, path: str) -> Response:
        return await bridge.handle(request, path)

    return {"PortalAnswer": PORTAL_ANSWER_SCHEMA}


def now() -> datetime:
    return datetime.now(UTC)
