"""CloudEvents 1.0 models of every event type of SPEC section 2.

The models hold the shape rules (types, lengths, enums, offsets, unknown ``data``
fields) and are strict: JSON types are taken as they are. The rules that need the
world (the clock, the plan's units) or several fields live in ``validation``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal, Union, get_args

import orjson
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    StrictBool,
    StrictInt,
    TypeAdapter,
    WithJsonSchema,
)

MAX_FUTURE = timedelta(minutes=5)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
"""Times outside [EARLIEST, LATEST) are refused: no real case lives there, and the
store's DateTime64 columns cannot hold every year Python can."""


_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_RFC3339_NAIVE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")
OFFSET_HINT = "e.g. 2026-03-05T08:30:00+07:00 or 2026-03-05T01:30:00Z"


def parse_rfc3339(value: Any) -> datetime:
    """An RFC 3339 time with an explicit offset, as a ``datetime`` with a fixed offset.

    The pattern admits exactly RFC 3339 (``fromisoformat`` alone also takes forms
    such as ``+07`` or a missing seconds field); ``fromisoformat`` then checks the
    calendar (no 30 February) and keeps at most microseconds.
    """
    if type(value) is not str:
        raise ValueError(f"must be an RFC 3339 string, {OFFSET_HINT}")
    if _RFC3339.match(value) is None:
        if _RFC3339_NAIVE.match(value):
            raise ValueError(f"must carry an explicit UTC offset, {OFFSET_HINT}")
        raise ValueError(f"is not an RFC 3339 time with offset ({OFFSET_HINT})")
    try:
        return datetime.fromisoformat(_upper_tz(value))
    except ValueError:
        raise ValueError(f"is not a valid date and time ({OFFSET_HINT})") from None


def _upper_tz(value: str) -> str:
    """RFC 3339 allows lower-case ``t`` and ``z``; Python and ClickHouse read only upper case."""
    return value.upper() if value[10] == "t" or value[-1] == "z" else value


Timestamp = Annotated[
    datetime,
    PlainValidator(parse_rfc3339),
    PlainSerializer(lambda v: v.isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": _RFC3339.pattern}),
]
NO_CONTROL = r"^[^\x00-\x1f\x7f-\x9f]*$"
"""No control characters (U+0000–U+001F, U+007F–U+009F): the CloudEvents HTTP binding
excludes them from attributes, and they would break identities, logs and report files."""
Text128 = Annotated[str, Field(min_length=1, max_length=128, pattern=NO_CONTROL)]
UnitRef = Annotated[str, Field(min_length=1, max_length=64, pattern=NO_CONTROL)]


class _Data(BaseModel):
    # strict: JSON types are taken as they are (no "true" for true, no 1.0 for 1).
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class CaseReceivedData(_Data):
    unit: UnitRef
    procedure: Text128
    channel: Literal["online_full", "online_partial", "in_person", "postal"]
    due: Timestamp
    fee: StrictBool = False
    result_document: StrictBool = True
    reused_data: StrictBool = False
    personal_storage: StrictBool = False
    """A component was taken from the citizen's data store on the portal (kho dữ liệu cá nhân)."""
    citizen_data: StrictBool = False
    """The dossier used the national population data (VNeID account, population database, store)."""
    field: Text128 | None = None


class CasePaidData(_Data):
    payment_id: Text128
    channel: Literal["national_portal", "local_gateway", "offline"]
    amount: Annotated[StrictInt, Field(ge=0)]


class CaseDigitizedData(_Data):
    scope: Literal["dossier", "result"]


class CaseResultIssuedData(_Data):
    electronic: StrictBool


class EmptyData(_Data):
    """``{}`` or absent."""


class CaseRescheduledData(_Data):
    due: Timestamp


class CaseResolvedData(_Data):
    outcome: Literal["approved", "refused", "withdrawn"]


class CaseRatedData(_Data):
    satisfied: StrictBool


class FeedbackRatedData(_Data):
    satisfied: StrictBool


class FeedbackReceivedData(_Data):
    unit: UnitRef
    due: Timestamp
    case: Text128 | None = None


class _Envelope(BaseModel):
    # Extension attributes are allowed and ignored (kept in the raw event only).
    model_config = ConfigDict(extra="allow", frozen=True, strict=True)

    specversion: Literal["1.0"]
    id: Text128
    source: Annotated[str, Field(min_length=1, max_length=255, pattern=NO_CONTROL)]
    time: Timestamp
    subject: Text128
    datacontenttype: Annotated[str, Field(max_length=255, pattern=NO_CONTROL)] | None = None
    dataschema: Annotated[str, Field(max_length=2048, pattern=NO_CONTROL)] | None = None


class CaseReceived(_Envelope):
    type: Literal["tthc.case.received"]
    data: CaseReceivedData


class CasePaid(_Envelope):
    type: Literal["tthc.case.paid"]
    data: CasePaidData


class CaseDigitized(_Envelope):
    type: Literal["tthc.case.digitized"]
    data: CaseDigitizedData


class CaseResultIssued(_Envelope):
    type: Literal["tthc.case.result_issued"]
    data: CaseResultIssuedData


class CaseSynced(_Envelope):
    type: Literal["tthc.case.synced"]
    data: EmptyData | None = None


class CaseRescheduled(_Envelope):
    type: Literal["tthc.case.rescheduled"]
    data: CaseRescheduledData


class CaseResolved(_Envelope):
    type: Literal["tthc.case.resolved"]
    data: CaseResolvedData


class CaseRated(_Envelope):
    type: Literal["tthc.case.rated"]
    data: CaseRatedData


class FeedbackReceived(_Envelope):
    type: Literal["tthc.feedback.received"]
    data: FeedbackReceivedData


class FeedbackResolved(_Envelope):
    type: Literal["tthc.feedback.resolved"]
    data: EmptyData | None = None


class FeedbackRated(_Envelope):
    type: Literal["tthc.feedback.rated"]
    data: FeedbackRatedData


Event = Annotated[
    Union[  # noqa: UP007 - a discriminated union needs the Union form
        CaseReceived,
        CasePaid,
        CaseDigitized,
        CaseResultIssued,
        CaseSynced,
        CaseRescheduled,
        CaseResolved,
        CaseRated,
        FeedbackReceived,
        FeedbackResolved,
        FeedbackRated,
    ],
    Field(discriminator="type"),
]
EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
EVENT_CLASSES: tuple[type[_Envelope], ...] = get_args(get_args(Event)[0])
"""The event models, in the order of the union above."""
EVENT_TYPES: tuple[str, ...] = tuple(
    c.model_fields["type"].annotation.__args__[0]  # type: ignore[union-attr]
    for c in EVENT_CLASSES
)
DATA_FIELDS: dict[str, tuple[str, ...]] = {
    t: tuple(getattr(c.model_fields["data"].annotation, "model_fields", {}) or ())
    for t, c in zip(EVENT_TYPES, EVENT_CLASSES, strict=True)
}


WITH_DUE = (CaseReceived, CaseRescheduled, FeedbackReceived)
WITH_UNIT = (CaseReceived, FeedbackReceived)


def unit_of(event: Event) -> str | None:
    """The unit an event names (received events only); the others follow their case."""
    return event.data.unit if isinstance(event, WITH_UNIT) else None


def due_of(event: Event) -> datetime | None:
    return event.data.due if isinstance(event, WITH_DUE) else None


DATA_DEFAULTS: dict[str, dict[str, Any]] = {
    t: defaults
    for t, defaults in (
        (
            t,
            {
                name: f.default
                for name, f in getattr(c.model_fields["data"].annotation, "model_fields", {}).items()
                if not f.is_required() and f.default is not None
            },
        )
        for t, c in zip(EVENT_TYPES, EVENT_CLASSES, strict=True)
    )
    if defaults
}
"""Defaults of ``data`` fields by event type, read off the models (e.g. ``fee: false``)."""


def canonical_json(obj: dict[str, Any]) -> bytes:
    """The stored form of a valid event: as sent, with the ``data`` defaults written out
    and times in upper case, so downstream SQL reads every field without knowing the
    defaults, which stay defined once, in the models above."""
    defaults = DATA_DEFAULTS.get(obj["type"])
    time = obj["time"]
    data = obj.get("data")
    due = data.get("due") if isinstance(data, dict) else None
    if not defaults and _upper_tz(time) is time and (due is None or _upper_tz(due) is due):
        return orjson.dumps(obj)
    out = {**obj, "time": _upper_tz(time)}
    if isinstance(data, dict):
        out["data"] = {**(defaults or {}), **data}
        if due is not None:
            out["data"]["due"] = _upper_tz(due)
    return orjson.dumps(out)


def events_json_schema() -> dict[str, Any]:
    """The JSON Schema of one event (exported to ``docs/events.schema.json``)."""
    schema = EVENT_ADAPTER.json_schema()
    schema["title"] = "TTHC CloudEvent"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def events_json_schema_text() -> str:
    """The schema as committed in ``docs/events.schema.json``."""
    import json

    return json.dumps(events_json_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
