"""The portal's answer shape (pure), as one-stop-shop systems already read it.

``{"error_code": "0", "message": ...}`` on success (the message starts with «Thành công»: one
client counts a dossier as synced only when the lower-cased message contains «thành công»);
otherwise ``error_code`` is the HTTP status as text ("422", "403", ...) and the message says
why, in Vietnamese then English, with each refused record (``records``). How a request is
read is in ``sync_body``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tthc_contract.http import ApiError


@dataclass(frozen=True, slots=True)
class RefusedRecord:
    index: int
    code: Any
    field: str
    vi: str
    en: str
    reason: str = "invalid_field"

    def body(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "MaHoSo": self.code,
            "field": self.field,
            "loi": self.vi,
            "error": self.en,
        }


def answer(message_vi: str, message_en: str) -> dict[str, Any]:
    return {"error_code": "0", "message": f"{message_vi} / {message_en}"}


def accepted(records: int, events: int, steps: int = 0) -> dict[str, Any]:
    if not records and steps:
        return answer(
            f"Thành công: đã ghi nhận {steps} bước tiến độ", f"Success: {steps} progress steps counted"
        )
    vi = f"Thành công: đã nhận {records} hồ sơ ({events} sự kiện)"
    en = f"Success: {records} records ({events} events) accepted"
    if steps:
        vi, en = f"{vi}, {steps} bước tiến độ", f"{en}, {steps} progress steps counted"
    return answer(vi, en)


def portal_error(status: int, vi: str, en: str, records: list[RefusedRecord] | None = None) -> ApiError:
    body: dict[str, Any] = {"error_code": str(status), "message": f"{vi} / {en}"}
    if records:
        body["records"] = [r.body() for r in records]
    return ApiError(status, "portal", body)


def step_problems(records: list[Any], indexes: list[int]) -> list[RefusedRecord]:
    """Progress steps are only counted, but each must at least name its dossier."""
    return [
        RefusedRecord(
            index,
            step.get("MaHoSo") if isinstance(step, dict) else None,
            "MaHoSo",
            "mỗi bước tiến độ phải là một đối tượng JSON có MaHoSo",
            "each progress step must be a JSON object with a MaHoSo",
            "step_invalid",
        )
        for index in indexes
        if not (isinstance(step := records[index], dict) and str(step.get("MaHoSo") or "").strip())
    ]


def unknown_records(records: list[Any], indexes: list[int]) -> list[RefusedRecord]:
    return [
        RefusedRecord(
            index,
            records[index].get("MaHoSo") if isinstance(records[index], dict) else None,
            "(bản ghi)",
            "không phải hồ sơ (MaHoSo và MaTTHC) cũng không phải bước tiến độ (MaHoSo và ThoiDiemXuLy)",
            "neither a dossier (MaHoSo and MaTTHC) nor a progress step (MaHoSo and ThoiDiemXuLy)",
            "not_a_record",
        )
        for index in indexes
    ]


def refused(status: int, records: list[RefusedRecord]) -> ApiError:
    """All or nothing (translate mode): the request is refused, naming each refused record."""
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
    "not_replicated": "Hệ thống chưa sao lưu kịp các hồ sơ; hãy gửi lại (hồ sơ gửi lại chỉ được ghi nhận một lần)",
    "upstream_unavailable": "Cổng DVCQG không trả lời; không hồ sơ nào được ghi nhận, hãy gửi lại sau",
}


def as_portal(exc: ApiError) -> ApiError:
    """An ingest error (401, 408, 413, 415, 503, ...) in the portal's shape."""
    if exc.code == "portal":
        return exc
    vi = TRANSLATED.get(exc.code, "Yêu cầu không hợp lệ")
    body = {"error_code": str(exc.status), "message": f"{vi} / {exc.detail}"}
    return ApiError(exc.status, "portal", body, exc.headers)
