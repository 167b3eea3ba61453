"""Reading a stored event's kind and subject off its bytes (``entries.item_of``, the consumer's
quick path) gives what parsing the event gives, whatever the key order, the characters in its
strings and the extension attributes around them."""

from __future__ import annotations

import random
from typing import Any

import orjson
from hypothesis import given
from hypothesis import strategies as st

from tthc_contract.events import EVENT_ADAPTER, canonical_json
from tthc_metrics.entries import _item_parsed, item_of

from ..strategies import text128, valid_events

# Extension attributes are accepted and ignored, whatever their value: an object may hold keys
# named like the envelope's.
look_alike_objects = st.dictionaries(
    st.sampled_from(["type", "subject", "case", "data", "id"]),
    st.one_of(text128, st.sampled_from(["tthc.case.paid", "tthc.feedback.received", "HS-9"])),
    min_size=1,
    max_size=3,
)
extensions = st.dictionaries(
    st.from_regex(r"[a-z0-9]{1,20}", fullmatch=True).filter(lambda n: n not in ("type", "subject", "data")),
    st.one_of(
        text128,
        st.sampled_from(['"type":"tthc.case.paid"', '\\"subject\\":\\"x', "x\\"]),
        st.booleans(),
        look_alike_objects,
        st.lists(look_alike_objects, max_size=2),
    ),
    max_size=3,
)


def _shuffled(event: dict[str, Any], seed: int, extra: dict[str, Any]) -> dict[str, Any]:
    items = [*event.items(), *((k, v) for k, v in extra.items() if k not in event)]
    random.Random(seed).shuffle(items)
    return dict(items)


@given(valid_events(), st.integers(0, 2**32), extensions)
def test_the_quick_read_is_what_parsing_gives(
    event: dict[str, Any], seed: int, extra: dict[str, Any]
) -> None:
    stored = canonical_json(_shuffled(event, seed, extra))
    kind, subject, case = item_of(stored)
    assert (kind, subject, case) == _item_parsed(stored)
    assert (kind, subject) == (event["type"].split(".")[1], event["subject"])


def test_look_alikes_in_strings_before_the_envelope_keys_are_not_read() -> None:
    event = {
        "note": '"type":"tthc.feedback.received","subject":"WRONG"',
        "subject": 'HS-"1"\\',
        "type": "tthc.case.received",
    }
    assert item_of(orjson.dumps(event)) == ("case", 'HS-"1"\\', "")


def test_an_extension_object_with_envelope_keys_before_them_is_not_read() -> None:
    """Accepted by ingest (extensions are ignored), stored as sent: the quick read must not take
    the extension's ``type`` or ``subject`` for the event's."""
    event = {
        "specversion": "1.0",
        "id": "x1",
        "source": "igate",
        "meta": {"type": "tthc.case.paid", "subject": "OTHER"},
        "type": "tthc.case.received",
        "time": "2026-03-01T00:00:00Z",
        "subject": "HS-1",
        "data": {"unit": "kt", "procedure": "p", "channel": "online_full", "due": "2026-03-05T00:00:00Z"},
    }
    EVENT_ADAPTER.validate_python(event)  # ingest accepts it
    assert item_of(canonical_json(event)) == ("case", "HS-1", "")
    only_subject = {**event, "meta": [{"subject": "OTHER"}]}
    assert item_of(canonical_json(only_subject)) == ("case", "HS-1", "")


def test_an_event_signed_but_not_valid_is_an_item_of_no_kind_on_either_path() -> None:
    """Such an event reaches ClickHouse, which refuses it (tthc:dead); decoding must not fail."""
    for stored in (b'{"type":"x","subject":"HS-1"}', b'{"type":"","subject":"HS-1"}'):
        assert item_of(stored) == _item_parsed(stored) == ("unknown", "", "")
