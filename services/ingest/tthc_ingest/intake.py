"""From a request body to signed stream entries, all or nothing (pure, no I/O).

Order of the checks: size and shape (400/413), every event's validity (422, listing
every invalid event), whether the key may send each event (403), and, in the publishing
script itself, whether each case or feedback item belongs to the key's units (403).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import ValidationError

from tthc_contract.events import EVENT_ADAPTER, Event, canonical_json, unit_of
from tthc_contract.http import ApiError
from tthc_contract.signing import EntrySigner
from tthc_contract.unit_index import ScopeOp, scope_op
from tthc_contract.validation import ValidationContext, check_rules, describe_errors

from .keys import Credential

MAX_EVENTS = 5_000
MAX_BYTES = 5 * 1024 * 1024

SINGLE_TYPES = ("application/cloudevents+json",)
BATCH_TYPES = ("application/cloudevents-batch+json",)


@dataclass(frozen=True, slots=True)
class OutOfScope:
    """An event about a case or feedback item outside the source's units (or unknown)."""

    index: int
    problem: str
    """``case_unknown``, ``case_elsewhere``, ``feedback_unknown``, ``feedback_elsewhere``,
    ``about_case_unknown`` or ``about_case_elsewhere``."""
    code: str
    unit: str


@dataclass(frozen=True, slots=True)
class Checked:
    index: int
    obj: dict[str, Any]
    event: Event


def decode_body(body: bytes, content_type: str | None) -> list[Any]:
    """The events of the body, in order; raises 400/413 with what to fix.

    Any media type is read as JSON (``curl -d`` sends a form type by default); the
    CloudEvents media types also fix the shape: one event, or an array.
    """
    media = (content_type or "application/json").split(";")[0].strip().lower()
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ApiError(
            400,
            "invalid_json",
            f"the body is not valid JSON ({exc}); send Content-Type: application/json",
        ) from None
    if isinstance(parsed, dict) and media not in BATCH_TYPES:
        return [parsed]
    if isinstance(parsed, list) and media not in SINGLE_TYPES:
        if len(parsed) > MAX_EVENTS:
            raise ApiError(
                413,
                "too_many_events",
                f"{len(parsed)} events in one request; send at most {MAX_EVENTS} per request",
            )
        return parsed
    expected = {
        SINGLE_TYPES[0]: "one event (a JSON object)",
        BATCH_TYPES[0]: "an array of events",
    }.get(media, "one event (a JSON object) or an array of events")
    raise ApiError(400, "invalid_body", f"the body must be {expected}")


def _event_id(obj: Any) -> Any:
    return obj.get("id") if isinstance(obj, dict) else None


def validate_all(objs: list[Any], ctx: ValidationContext) -> list[Checked]:
    """Every event valid, or 422 listing each invalid one with its index, id and problems."""
    checked: list[Checked] = []
    invalid: list[dict[str, Any]] = []
    for index, obj in enumerate(objs):
        if not isinstance(obj, dict):
            invalid.append({"index": index, "id": None, "errors": ["an event must be a JSON object"]})
            continue
        try:
            event = EVENT_ADAPTER.validate_python(obj)
        except ValidationError as exc:
            kind = obj.get("type")
            problems = describe_errors(exc, kind if isinstance(kind, str) else None)
        else:
            problems = check_rules(event, ctx)
            if not problems:
                checked.append(Checked(index, obj, event))
                continue
        invalid.append({"index": index, "id": _event_id(obj), "errors": problems})
    if invalid:
        raise ApiError(422, "invalid_events", invalid)
    return checked


def authorize(checked: list[Checked], credential: Credential) -> None:
    """403 unless the key's source is every event's source and may send for its unit."""
    refused: list[dict[str, Any]] = []
    for item in checked:
        problems = []
        if item.event.source != credential.source:
            problems.append(
                f"source: {item.event.source!r} is not the source of this API key ({credential.source!r})"
            )
        unit = unit_of(item.event)
        if unit is not None and not credential.may_send_for(unit):
            problems.append(f"data.unit: source {credential.source!r} may not send for unit {unit!r}")
        if problems:
            refused.append({"index": item.index, "id": item.event.id, "errors": problems})
    if refused:
        raise ApiError(403, "forbidden", refused)


_SCOPE_PROBLEMS = {
    "case_unknown": "subject: case {code!r} is not known yet; a source restricted to some units must "
    "send the case's tthc.case.received first (earlier in the same request, or in an earlier one)",
    "case_elsewhere": "subject: case {code!r} was received for unit {unit!r}, which source {source!r} "
    "may not send for",
    "feedback_unknown": "subject: feedback item {code!r} is not known yet; a source restricted to some "
    "units must send its tthc.feedback.received first",
    "feedback_elsewhere": "subject: feedback item {code!r} was received for unit {unit!r}, which source "
    "{source!r} may not send for",
    "about_case_unknown": "data.case: case {code!r} is not known yet; send the case's "
    "tthc.case.received before feedback about it",
    "about_case_elsewhere": "data.case: case {code!r} was received for unit {unit!r}, which source "
    "{source!r} may not send for",
}


def scope_refusal(checked: list[Checked], refused: list[OutOfScope], credential: Credential) -> ApiError:
    """403 listing each event about a case or feedback item outside the source's units."""
    by_index: dict[int, list[str]] = {}
    for item in refused:
        words = _SCOPE_PROBLEMS[item.problem].format(code=item.code, unit=item.unit, source=credential.source)
        by_index.setdefault(item.index, []).append(words)
    detail = [
        {"index": checked[i].index, "id": checked[i].event.id, "errors": problems}
        for i, problems in sorted(by_index.items())
    ]
    return ApiError(403, "forbidden", detail)


def scope_ops(checked: list[Checked]) -> list[ScopeOp]:
    return [scope_op(item.event) for item in checked]


def to_entries(checked: list[Checked], signer: EntrySigner) -> list[dict[bytes, bytes]]:
    """The ``tthc:events`` entries of the events: canonical JSON, its key, its signature."""
    return [
        signer.entry(item.event.source.encode(), item.event.id.encode(), canonical_json(item.obj))
        for item in checked
    ]
