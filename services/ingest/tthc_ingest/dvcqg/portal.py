"""The portal's request and answer shapes (pure), as one-stop-shop systems already speak them.

Request: ``{"service": "DongBoHoSoMC", "isUpdating": "True"|"False", "data": [...]}`` or
``{"service": "CapNhatTienDoHoSoMC", "data": [...]}``; other keys (``session``, ``madonvi``:
the portal's own credentials) are left alone. Answer: ``{"error_code": "0", "message": ...}``
on success; otherwise ``error_code`` is the HTTP status as text ("422", "403", ...) and the
message says why, in Vietnamese then English, with each refused record (``records``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from tthc_contract.http import ApiError

SYNC = "DongBoHoSoMC"
PROGRESS = "CapNhatTienDoHoSoMC"
SERVICES = (SYNC, PROGRESS)
MAX_RECORDS = 1_000


@dataclass(frozen=True, slots=True)
class PortalRequest:
    service: str
    records: list[Any]


@dataclass(frozen=True, slots=True)
class RefusedRecord:
    index: int
    code: Any
    field: str
    vi: str
    en: str

    def body(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "MaHoSo": self.code,
            "field": self.field,
            "loi": self.vi,
            "error": self.en,
        }


def parse_request(body: bytes) -> PortalRequest:
    """The portal request in ``body``; raises 400/413 in the portal's shape."""
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise portal_error(
            400, "Nội dung không phải JSON hợp lệ", f"the body is not valid JSON ({exc})"
        ) from None
    if not isinstance(parsed, dict):
        raise portal_error(
            400,
            "Nội dung phải là một đối tượng JSON có service và data",
            'the body must be a JSON object: {"service": "DongBoHoSoMC", "data": [...]}',
        )
    if "service" not in parsed:
        raise portal_error(
            400,
            "Thiếu trường service; dùng DongBoHoSoMC hoặc CapNhatTienDoHoSoMC",
            "the field service is missing; send DongBoHoSoMC or CapNhatTienDoHoSoMC",
        )
    if parsed["service"] not in SERVICES:
        service = parsed["service"]
        raise portal_error(
            400,
            f"Dịch vụ {service!r} không được hỗ trợ; dùng DongBoHoSoMC hoặc CapNhatTienDoHoSoMC",
            f"service {service!r} is not supported; send DongBoHoSoMC or CapNhatTienDoHoSoMC",
        )
    records = parsed.get("data")
    if not isinstance(records, list):
        raise portal_error(400, "Trường data phải là danh sách hồ sơ", "data must be a list of records")
    if len(records) > MAX_RECORDS:
        raise portal_error(
            413,
            f"{len(records)} hồ sơ trong một yêu cầu; gửi tối đa {MAX_RECORDS:,} hồ sơ mỗi lần".replace(
                ",", "."
            ),
            f"{len(records)} records in one request; send at most {MAX_RECORDS:,} per request",
        )
    return PortalRequest(parsed["service"], records)


def answer(message_vi: str, message_en: str) -> dict[str, Any]:
    return {"error_code": "0", "message": f"{message_vi} / {message_en}"}


def accepted(records: int, events: int) -> dict[str, Any]:
    return answer(
        f"Thành công: đã nhận {records} hồ sơ ({events} sự kiện)",
        f"Success: {records} records ({events} events) accepted",
    )


def progress_counted(records: int) -> dict[str, Any]:
    return answer(
        f"Thành công: đã ghi nhận {records} bước tiến độ", f"Success: {records} progress steps counted"
    )


def portal_error(status: int, vi: str, en: str, records: list[RefusedRecord] | None = None) -> ApiError:
    body: dict[str, Any] = {"error_code": str(status), "message": f"{vi} / {en}"}
    if records:
        body["records"] = [r.body() for r in records]
    return ApiError(status, "portal", body)


def progress_problems(records: list[Any]) -> list[RefusedRecord]:
    """Progress steps are only counted, but each must at least name its dossier."""
    return [
        RefusedRecord(
            index,
            step.get("MaHoSo") if isinstance(step, dict) else None,
            "MaHoSo",
            "mỗi bước tiến độ phải là một đối tượng JSON có MaHoSo",
            "each progress step must be a JSON object with a MaHoSo (text)",
        )
        for index, step in enumerate(records)
        if not (isinstance(step, dict) and isinstance(step.get("MaHoSo"), str) and step["MaHoSo"].strip())
    ]


def refused(status: int, records: list[RefusedRecord]) -> ApiError:
    vi = {422: "hồ sơ không hợp lệ", 403: "hồ sơ ngoài phạm vi của nguồn gửi"}[status]
    en = {422: "invalid records", 403: "records outside the sending source's units"}[status]
    return portal_error(
        status,
        f"Không nhận yêu cầu: {len(records)} {vi}; không hồ sơ nào được ghi nhận",
        f"request refused: {len(records)} {en}; nothing was recorded",
        records,
    )


TRANSLATED = {
    "unauthorized": "Thiếu hoặc sai khóa API của hệ thống gửi (Authorization: Bearer <khóa>)",
    "body_too_large": "Yêu cầu quá lớn (tối đa 5 MiB); hãy chia thành nhiều yêu cầu",
    "request_timeout": "Yêu cầu đến quá chậm; hãy gửi lại",
    "unsupported_encoding": "Content-Encoding không được hỗ trợ; gửi nguyên bản hoặc gzip",
    "invalid_gzip": "Nội dung gzip không hợp lệ",
    "redis_unavailable": "Hệ thống tạm thời không ghi nhận được; không hồ sơ nào được ghi nhận, hãy gửi lại sau",
    "upstream_unavailable": "Cổng DVCQG không trả lời; không hồ sơ nào được ghi nhận, hãy gửi lại sau",
}


def as_portal(exc: ApiError) -> ApiError:
    """An ingest error (401, 408, 413, 415, 503, ...) in the portal's shape."""
    if exc.code == "portal":
        return exc
    vi = TRANSLATED.get(exc.code, "Yêu cầu không hợp lệ")
    body = {"error_code": str(exc.status), "message": f"{vi} / {exc.detail}"}
    return ApiError(exc.status, "portal", body, exc.headers)
