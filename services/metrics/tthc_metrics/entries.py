"""From ``tthc:events`` entries to rows for ClickHouse, or to dead letters (pure, no I/O).

An entry ingest signed is stored as it is: ingest validated it. Any other entry (written
straight to the stream, or with a signature that does not match) is validated in full,
exactly as ingest would; what fails goes to ``tthc:dead`` with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from tthc_contract.dead_letters import DeadLetter
from tthc_contract.events import canonical_json
from tthc_contract.signing import EntrySigner, identity
from tthc_contract.stream_consumers import Fields, as_fields
from tthc_contract.streams import EVENT_FIELD, ID_FIELD, SIG_FIELD, SOURCE_FIELD
from tthc_contract.unit_index import ScopeOp, scope_op
from tthc_contract.validation import InvalidEvent, ValidationContext, parse_event_json


@dataclass(slots=True)
class Decoded:
    """One flush's worth of entries, sorted into what to store and what to refuse."""

    entry_ids: list[bytes] = field(default_factory=list)
    keys: list[bytes] = field(default_factory=list)
    """``signing.identity(source, id)`` of each row, in order."""
    rows: list[bytes] = field(default_factory=list)
    """JSONEachRow lines ``{"stream_id": ..., "event": {...}, "key": ..., "role": "event"}``, each
    followed by a ``link`` row when the event is feedback about a case (``linked``)."""
    items: list[tuple[str, str, str]] = field(default_factory=list)
    """(``case`` or ``feedback``, its code, the case a feedback item is about or "") of each row."""
    row_entry_ids: list[bytes] = field(default_factory=list)
    """The stream entry of each row."""
    dead: list[DeadLetter] = field(default_factory=list)
    direct_received: list[tuple[ScopeOp, bytes]] = field(default_factory=list)
    """``received`` events of entries validated here (other producers): for the unit index."""
    repeated: int = 0
    """Entries whose identity appeared earlier in the same batch (skipped)."""


_SIGNED_LAYOUT = (EVENT_FIELD, SOURCE_FIELD, ID_FIELD, SIG_FIELD)


def _open_signed(raw: Any, fields: Fields | None, signer: EntrySigner) -> tuple[bytes, bytes] | None:
    """(identity, event) of an entry ingest signed, else None. Ingest's entries arrive as
    a flat list in a fixed layout, read here without building a dict."""
    if isinstance(raw, list) and len(raw) == 8 and tuple(raw[0::2]) == _SIGNED_LAYOUT:
        event, source, event_id, signature = raw[1::2]
        key = identity(source, event_id)
        return (key, event) if signer.verify_identity(key, event, signature) else None
    signed = signer.open(fields if fields is not None else as_fields(raw))
    return None if signed is None else (identity(signed.source, signed.event_id), signed.event)


def _row(entry_id: bytes, event: bytes, key: str, role: bytes = b"event") -> bytes:
    return b'{"stream_id":"%s","event":%s,"key":%s,"role":"%s"}' % (entry_id, event, orjson.dumps(key), role)


def rows_of(entry_id: bytes, event: bytes, item: tuple[str, str, str]) -> bytes:
    """The event's row, and a ``link`` row keyed by its case when it is feedback about a case
    (in a cluster each fact then lands on its key's shard)."""
    row = _row(entry_id, event, item[1])
    return row + b"\n" + _row(entry_id, event, item[2], b"link") if item[2] else row


_TYPE = re.compile(rb'"type":"([^"]*)"')
_SUBJECT = re.compile(rb'"subject":"([^"]*)"')


def item_of(event: bytes) -> tuple[str, str, str]:
    """(``case`` or ``feedback``, subject, the case a feedback item is about or "") of a stored
    event, read off its canonical JSON without parsing it: a quick path for plain values.

    ``"type":"`` and ``"subject":"`` found once each are the envelope's: no data object has
    such keys and a quote inside a string is escaped. An extension attribute may be an object
    holding such keys (extensions are accepted and ignored, SPEC section 2): found twice, the
    event is parsed."""
    kind, subject = _TYPE.search(event), _SUBJECT.search(event)
    if kind is None or subject is None or not _plain(event, kind, subject):
        return _item_parsed(event)
    return kind.group(1).split(b".")[1].decode(), subject.group(1).decode(), ""


def _plain(event: bytes, kind: re.Match[bytes], subject: re.Match[bytes]) -> bool:
    """Whether the quick read is what parsing the event gives (each key found first is found
    only once: nothing after it)."""
    type_, code = kind.group(1), subject.group(1)
    return (
        b"." in type_
        and b"\\" not in type_
        and b"\\" not in code
        and not (type_ == b"tthc.feedback.received" and b'"case":' in event)
        and event.find(b'"type":"', kind.end()) < 0
        and event.find(b'"subject":"', subject.end()) < 0
    )


def _item_parsed(event: bytes) -> tuple[str, str, str]:
    """The slow path; an event signed as stored but not a valid one (ClickHouse will refuse it
    and it goes to tthc:dead) is an item of no kind."""
    try:
        parsed = orjson.loads(event)
        kind, subject, data = parsed["type"], parsed["subject"], parsed.get("data") or {}
        case = (data.get("case") or "") if kind == "tthc.feedback.received" else ""
        return kind.split(".")[1], str(subject), str(case)
    except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError, IndexError):
        return "unknown", "", ""


def _validate(
    entry_id: bytes, fields: Fields, ctx: ValidationContext
) -> tuple[bytes, bytes, ScopeOp] | DeadLetter:
    raw = fields.get(EVENT_FIELD)
    if raw is None:
        return DeadLetter(
            entry_id,
            fields,
            "the entry has no 'event' field (see README: stream entry format)",
            code="no_event_field",
        )
    try:
        event = parse_event_json(raw, ctx)
    except InvalidEvent as exc:
        return DeadLetter(entry_id, fields, "invalid event: " + "; ".join(exc.problems), code="invalid_event")
    key = identity(event.source.encode(), event.id.encode())
    return key, canonical_json(orjson.loads(raw)), scope_op(event)


def decode(entries: Iterable[tuple[bytes, Any]], signer: EntrySigner, ctx: ValidationContext) -> Decoded:
    """Sort entries; within them the first of two with the same identity wins."""
    out = Decoded()
    seen: set[bytes] = set()
    for entry_id, raw_fields in entries:
        out.entry_ids.append(entry_id)
        signed = _open_signed(raw_fields, None, signer)
        if signed is not None:
            key, event = signed
        else:
            outcome = _validate(entry_id, as_fields(raw_fields), ctx)
            if isinstance(outcome, DeadLetter):
                out.dead.append(outcome)
                continue
            key, event, op = outcome
            if op.kind in ("R", "F"):
                out.direct_received.append((op, entry_id))
        if key in seen:
            out.repeated += 1
            continue
        seen.add(key)
        item = item_of(event)
        out.keys.append(key)
        out.items.append(item)
        out.rows.append(rows_of(entry_id, event, item))
        out.row_entry_ids.append(entry_id)
    return out
