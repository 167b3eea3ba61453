"""Validating events: the models' shape rules, then the rules that need the world.

Both ingest (before publishing) and metrics (before storing an entry another producer
may have written) call ``parse_event_json``; a failure is an ``InvalidEvent`` whose
``problems`` are lines a source system's developer can act on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from .events import (
    DATA_FIELDS,
    EARLIEST,
    EVENT_ADAPTER,
    EVENT_TYPES,
    LATEST,
    MAX_FUTURE,
    OFFSET_HINT,
    CaseReceived,
    Event,
    due_of,
    unit_of,
)


@dataclass(frozen=True, slots=True)
class ValidationContext:
    """What the rules read from the world: the clock and the plan's units."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    units: frozenset[str] | None = None
    """The plan's unit codes; ``None`` skips the unit check."""
    latest: datetime = field(init=False)
    """The latest acceptable event time (``now`` + 5 minutes), computed once."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "latest", self.now + MAX_FUTURE)


class InvalidEvent(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def parse_event_json(raw: bytes | str, ctx: ValidationContext) -> Event:
    """Validate the JSON text of one event; raises ``InvalidEvent`` listing every problem."""
    try:
        event = EVENT_ADAPTER.validate_json(raw)
    except ValidationError as exc:
        raise InvalidEvent(describe_errors(exc, _peek_type(raw))) from None
    problems = check_rules(event, ctx)
    if problems:
        raise InvalidEvent(problems)
    return event


def check_rules(event: Event, ctx: ValidationContext) -> list[str]:
    """The rules of SPEC section 2 that the models cannot check alone."""
    problems = []
    time = event.time
    if not EARLIEST <= time < LATEST:
        problems.append(_out_of_range("time", time))
    if time > ctx.latest:
        problems.append(
            f"time: {event.time.isoformat()} is more than 5 minutes in the future "
            f"(now is {ctx.now.isoformat(timespec='seconds')}); check the source's clock"
        )
    extensions = event.__pydantic_extra__  # not model_extra: no slow __getattr__ on the hot path
    if extensions:
        problems += check_extensions(extensions)
    if event.datacontenttype is not None and not is_json_media_type(event.datacontenttype):
        problems.append(
            f"datacontenttype: {event.datacontenttype!r} is not JSON; data must be a JSON object "
            "(application/json, optionally with parameters such as charset=utf-8)"
        )
    due = due_of(event)
    if due is not None and not EARLIEST <= due < LATEST:
        problems.append(_out_of_range("data.due", due))
    if isinstance(event, CaseReceived) and event.data.due < time:
        problems.append(
            f"data.due: {event.data.due.isoformat()} is before time {event.time.isoformat()}; "
            "the promised return time cannot precede receipt"
        )
    unit = unit_of(event)
    if unit is not None and ctx.units is not None and unit not in ctx.units:
        problems.append(
            f"data.unit: {unit!r} is not a unit of the plan (units: {', '.join(sorted(ctx.units))})"
        )
    return problems


MAX_EXTENSIONS = 32
MAX_EXTENSION_CHARS = 4096
INT32 = (-(2**31), 2**31 - 1)
_EXTENSION_NAME = re.compile(r"^[a-z0-9]{1,20}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def check_extensions(extensions: dict[str, Any]) -> list[str]:
    """CloudEvents extension attributes: names of lower-case letters and digits (at most 20),
    values of the CloudEvents type system (string, boolean, integer), bounded in size."""
    problems = []
    if "data_base64" in extensions:
        problems.append("data_base64: not accepted; send data as a JSON object")
    if len(extensions) > MAX_EXTENSIONS:
        problems.append(f"{len(extensions)} extension attributes; at most {MAX_EXTENSIONS} are accepted")
        return problems
    for name, value in extensions.items():
        if name == "data_base64":
            continue
        if not _EXTENSION_NAME.match(name):
            problems.append(
                f"{_shown(name)}: an extension attribute name must be 1 to 20 lower-case letters "
                "or digits (a-z, 0-9), as CloudEvents requires"
            )
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int):
            if not INT32[0] <= value <= INT32[1]:
                problems.append(f"{name}: a CloudEvents integer must lie between -2^31 and 2^31-1")
        elif isinstance(value, str):
            if len(value) > MAX_EXTENSION_CHARS:
                problems.append(
                    f"{name}: {len(value)} characters; an extension value may have at most {MAX_EXTENSION_CHARS}"
                )
            elif _CONTROL.search(value):
                problems.append(f"{name}: must not contain control characters (U+0000-U+001F, U+007F-U+009F)")
        else:
            problems.append(
                f"{name}: an extension attribute must be a string, a boolean or an integer "
                f"(CloudEvents type system), not {_json_kind(value)}"
            )
    return problems


def is_json_media_type(value: str) -> bool:
    media = value.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def _shown(name: str) -> str:
    return repr(name[:40] + ("…" if len(name) > 40 else ""))


def _json_kind(value: Any) -> str:
    return {dict: "an object", list: "an array", float: "a number with a fraction", type(None): "null"}.get(
        type(value), type(value).__name__
    )


def _out_of_range(name: str, value: datetime) -> str:
    return f"{name}: {value.isoformat()} is outside the years 2000 to 2099"


def _peek_type(raw: bytes | str) -> str | None:
    # Only for wording the errors of a failed event: the happy path never parses twice.
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    kind = obj.get("type") if isinstance(obj, dict) else None
    return kind if isinstance(kind, str) else None


def _path(loc: tuple[int | str, ...]) -> str:
    # A discriminated union puts the event type first in the location: drop it.
    parts = [str(p) for p in loc]
    if parts and parts[0] in EVENT_TYPES:
        parts = parts[1:]
    return ".".join(parts)


_SIMPLE = {
    "missing": "is required",
    "union_tag_invalid": f"must be one of: {', '.join(EVENT_TYPES)}",
    "union_tag_not_found": f"is required, one of: {', '.join(EVENT_TYPES)}",
    "timezone_aware": f"must carry an explicit UTC offset, {OFFSET_HINT}",
    "bool_type": "must be true or false (a JSON boolean)",
    "int_type": "must be a whole number (a JSON integer)",
    "int_from_float": "must be a whole number (a JSON integer)",
    "model_type": "must be a JSON object",
    "model_attributes_type": "must be a JSON object",
    "string_type": "must be a JSON string",
    "json_invalid": "is not valid JSON",
    "string_pattern_mismatch": "must not contain control characters (U+0000-U+001F, U+007F-U+009F)",
}


def _message(err: ErrorDetails, event_type: str | None) -> str:
    kind = err["type"]
    ctx: dict[str, Any] = dict(err.get("ctx") or {})
    if kind in _SIMPLE:
        return _SIMPLE[kind]
    if kind == "extra_forbidden":
        allowed = ", ".join(DATA_FIELDS.get(event_type or "", ())) or "no fields"
        return f"is not a field of {event_type} data (allowed: {allowed})"
    if kind.startswith(("datetime", "date_")):
        return f"is not an RFC 3339 time with offset ({OFFSET_HINT})"
    if kind == "literal_error":
        return f"must be {ctx.get('expected')}"
    if kind == "greater_than_equal":
        return f"must be {ctx.get('ge')} or more"
    return err["msg"].removeprefix("Value error, ")


def describe_errors(exc: ValidationError, event_type: str | None = None) -> list[str]:
    """One line per problem: ``"<field>: <what is wrong>"``."""
    lines = []
    for err in exc.errors(include_url=False):
        path = _path(err["loc"])
        if err["type"].startswith("union_tag"):
            path = "type"
        message = _message(err, event_type)
        lines.append(f"{path}: {message}" if path else message)
    return lines
