"""What a request to the portal's address carries, told by its content (SPEC section 9.1), pure.

Real one-stop-shop systems post in their own ways: OpenCPS wraps every service in an envelope
``{"session", "madonvi", "service", "isUpdating", "data"}`` posted to one address; HuanVu201's
system posts a bare JSON array of records to an address per operation. So the path says
nothing and the body says everything:

- a **sync body** is an envelope whose ``service`` is ``DongBoHoSoMC`` or ``CapNhatTienDoHoSoMC``
  (extra fields allowed), an envelope without ``service`` whose ``data`` holds records, a bare
  array of records, or a single record. Each record is a dossier (``MaHoSo`` and ``MaTTHC``),
  a progress step (``MaHoSo`` and ``ThoiDiemXuLy``), or, in an envelope naming its service,
  what the service says it is;
- any other request (a login, a look-up such as ``TraCuuHoSo`` or ``LayThuTuc``) is not ours:
  it is forwarded in relay mode and never stored, for it may carry credentials;
- a body that cannot be read but looks like a sync body (it mentions a sync service or
  ``MaHoSo``, or starts as an array) is **unreadable**: kept whole (with credentials masked) in
  relay mode, refused with 400 in translate mode.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

SYNC = "DongBoHoSoMC"
PROGRESS = "CapNhatTienDoHoSoMC"
SERVICES = (SYNC, PROGRESS)
MAX_RECORDS = 1_000
RecordKind = Literal["dossier", "step", "unknown"]
_SYNC_HINTS = (b'"MaHoSo"', SYNC.encode(), PROGRESS.encode())
_SECRET = re.compile(rb'("(?:session|password|matkhau|token|access_token)"\s*:\s*)"(?:[^"\\]|\\.)*"', re.I)


@dataclass(frozen=True, slots=True)
class SyncBody:
    records: list[Any]
    kinds: list[RecordKind]
    service: str | None = None
    agency: str | None = None
    """The envelope's ``madonvi``: the unit of records without ``DonViXuLy``."""
    updating: bool = False

    def indexes(self, kind: RecordKind) -> list[int]:
        return [i for i, k in enumerate(self.kinds) if k == kind]


@dataclass(frozen=True, slots=True)
class NotSync:
    what: str
    """What it is, for logs and counts: ``login``, a service name, ``not JSON``, ..."""


@dataclass(frozen=True, slots=True)
class Unreadable:
    reason_vi: str
    reason_en: str
    too_many: bool = False
    records: int = 0


Classified = SyncBody | NotSync | Unreadable


@dataclass(frozen=True, slots=True)
class _Envelope:
    records: list[Any]
    service: str | None
    agency: str | None
    updating: bool
    extra: dict[str, Any] = field(default_factory=dict)


def masked(body: bytes) -> bytes:
    """The body with the values of credential fields (``session``, ``password``, ...) masked."""
    return _SECRET.sub(rb'\1"***"', body)


def looks_like_sync(body: bytes) -> bool:
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"[") or any(hint in body for hint in _SYNC_HINTS)


def classify(body: bytes) -> Classified:
    try:
        parsed = orjson.loads(body.removeprefix(b"\xef\xbb\xbf"))
    except orjson.JSONDecodeError as exc:
        if looks_like_sync(body):
            return Unreadable(
                f"nội dung không phải JSON hợp lệ ({exc})", f"the body is not valid JSON ({exc})"
            )
        return NotSync("not JSON")
    envelope = _envelope(parsed)
    if isinstance(envelope, NotSync | Unreadable):
        return envelope
    if len(envelope.records) > MAX_RECORDS:
        return Unreadable(
            f"{len(envelope.records)} hồ sơ trong một yêu cầu; gửi tối đa {MAX_RECORDS:,} hồ sơ mỗi lần".replace(
                ",", "."
            ),
            f"{len(envelope.records)} records in one request; send at most {MAX_RECORDS:,} per request",
            too_many=True,
            records=len(envelope.records),
        )
    kinds = [record_kind(r, envelope.service) for r in envelope.records]
    return SyncBody(envelope.records, kinds, envelope.service, envelope.agency, envelope.updating)


def _envelope(parsed: Any) -> _Envelope | NotSync | Unreadable:
    if isinstance(parsed, list):
        return _Envelope(parsed, None, None, False)
    if not isinstance(parsed, dict):
        return NotSync("not an object or array")
    service = parsed.get("service")
    data = parsed.get("data")
    if service is not None and service not in SERVICES:
        return NotSync(str(service)[:64])
    if service is None and "MaHoSo" in parsed:
        return _Envelope([parsed], None, None, False)  # one record, sent bare
    if service is None and not (isinstance(data, list) and any(_has_code(r) for r in data)):
        return NotSync("login" if "password" in parsed else "not a sync request")
    if not isinstance(data, list):
        return Unreadable(
            f"trường data của {service} phải là danh sách hồ sơ",
            f"data of {service} must be a list of records",
        )
    agency = parsed.get("madonvi")
    updating = str(parsed.get("isUpdating", "")).strip().lower() in ("true", "1")
    return _Envelope(data, service, agency.strip() or None if isinstance(agency, str) else None, updating)


def _has_code(record: Any) -> bool:
    return isinstance(record, dict) and record.get("MaHoSo") not in (None, "")


def record_kind(record: Any, service: str | None) -> RecordKind:
    """Dossier: ``MaHoSo`` and ``MaTTHC``; progress step: ``MaHoSo`` and ``ThoiDiemXuLy``;
    otherwise what the envelope's ``service`` says, or unknown."""
    if isinstance(record, dict):
        if _has_code(record) and record.get("MaTTHC") not in (None, ""):
            return "dossier"
        if _has_code(record) and record.get("ThoiDiemXuLy") not in (None, ""):
            return "step"
    return {SYNC: "dossier", PROGRESS: "step"}.get(service or "", "unknown")  # type: ignore[return-value]
