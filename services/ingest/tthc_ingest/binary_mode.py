"""CloudEvents HTTP binary content mode: attributes in ``ce-*`` headers, ``data`` as the body
(pure). The resulting event object is validated exactly as a structured one.

HTTP binding 1.0, section 3.1: every ``ce-<name>`` header is the attribute ``<name>``, its
value percent-decoded (UTF-8); ``Content-Type`` is ``datacontenttype``; the body is ``data``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

import orjson

from tthc_contract.http import ApiError

PREFIX = "ce-"


def is_binary(headers: Mapping[str, str]) -> bool:
    """A request is in binary mode when it carries ``ce-specversion`` and is not structured."""
    media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return "ce-specversion" in headers and not media.startswith("application/cloudevents")


def from_binary(headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
    """The event object of a binary-mode request; raises 400 when the body is not JSON."""
    event: dict[str, Any] = {}
    for header, value in headers.items():
        name = header.lower()
        if name.startswith(PREFIX) and len(name) > len(PREFIX):
            try:
                event[name[len(PREFIX) :]] = unquote(value, encoding="utf-8", errors="strict")
            except UnicodeDecodeError:
                raise ApiError(
                    400, "invalid_header", f"{name}: percent-encoded bytes that are not UTF-8"
                ) from None
    content_type = headers.get("content-type")
    if content_type:
        event["datacontenttype"] = content_type
    if body.strip():
        try:
            event["data"] = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise ApiError(
                400,
                "invalid_json",
                f"binary mode: the body is the event's data and must be a JSON object ({exc})",
            ) from None
    return event
