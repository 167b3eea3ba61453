"""Hypothesis strategies for valid events of every type, and mutations that break one rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

UNITS = ["dong-phu", "hcc", "vp", "kt", "vhxh", "dvth", "vpdkdd", "thue10"]
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

# Any character but surrogates and control characters (Cc: U+0000–U+001F, U+007F–U+009F).
text128 = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=128)
offsets = st.sampled_from(
    [timedelta(0), timedelta(hours=7), timedelta(hours=-5), timedelta(hours=5, minutes=30)]
)


@st.composite
def instants(
    draw: st.DrawFn, start: datetime = datetime(2000, 1, 2, tzinfo=UTC), end: datetime = NOW
) -> datetime:
    seconds = draw(st.integers(0, int((end - start).total_seconds())))
    micros = draw(st.sampled_from([0, 0, 500_000, 123_456]))
    offset = draw(offsets)
    return (start + timedelta(seconds=seconds, microseconds=micros)).astimezone(timezone(offset))


def rfc3339(moment: datetime) -> str:
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


@st.composite
def valid_events(draw: st.DrawFn) -> dict[str, Any]:
    time = draw(instants())
    kind = draw(
        st.sampled_from(
            [
                "tthc.case.received",
                "tthc.case.paid",
                "tthc.case.digitized",
                "tthc.case.result_issued",
                "tthc.case.synced",
                "tthc.case.rescheduled",
                "tthc.case.resolved",
                "tthc.case.rated",
                "tthc.feedback.received",
                "tthc.feedback.resolved",
                "tthc.feedback.rated",
            ]
        )
    )
    later = rfc3339(draw(instants(start=time.astimezone(UTC), end=datetime(2099, 1, 1, tzinfo=UTC))))
    data: dict[str, Any] | None = {
        "tthc.case.received": lambda: {
            "unit": draw(st.sampled_from(UNITS)),
            "procedure": draw(text128),
            "channel": draw(st.sampled_from(["online_full", "online_partial", "in_person", "postal"])),
            "due": later,
            **draw(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "fee": st.booleans(),
                        "result_document": st.booleans(),
                        "reused_data": st.booleans(),
                        "personal_storage": st.booleans(),
                        "citizen_data": st.booleans(),
                        "field": text128,
                    },
                )
            ),
        },
        "tthc.case.paid": lambda: {
            "payment_id": draw(text128),
            "channel": draw(st.sampled_from(["national_portal", "local_gateway", "offline"])),
            "amount": draw(st.integers(0, 10**12)),
        },
        "tthc.case.digitized": lambda: {"scope": draw(st.sampled_from(["dossier", "result"]))},
        "tthc.case.result_issued": lambda: {"electronic": draw(st.booleans())},
        "tthc.case.synced": lambda: draw(st.sampled_from([{}, None])),
        "tthc.case.rescheduled": lambda: {"due": later},
        "tthc.case.resolved": lambda: {
            "outcome": draw(st.sampled_from(["approved", "refused", "withdrawn"]))
        },
        "tthc.case.rated": lambda: {"satisfied": draw(st.booleans())},
        "tthc.feedback.received": lambda: {
            "unit": draw(st.sampled_from(UNITS)),
            "due": later,
            **draw(st.fixed_dictionaries({}, optional={"case": text128})),
        },
        "tthc.feedback.resolved": lambda: draw(st.sampled_from([{}, None])),
        "tthc.feedback.rated": lambda: {"satisfied": draw(st.booleans())},
    }[kind]()
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": draw(text128),
        "source": draw(text128.filter(lambda s: len(s) <= 128)),
        "type": kind,
        "time": rfc3339(time),
        "subject": draw(text128),
    }
    if data is not None:
        event["data"] = data
    if draw(st.booleans()):
        event["traceparent"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    if draw(st.booleans()):
        event["datacontenttype"] = draw(
            st.sampled_from(["application/json", "application/json; charset=utf-8"])
        )
    return event


def _with_data(event: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**event, "data": {**(event.get("data") or {}), **changes}}


# Each mutation breaks exactly one rule of SPEC section 2; (name, applies to, mutate).
MUTATIONS: list[tuple[str, Any, Any]] = [
    ("specversion", lambda e: True, lambda e: {**e, "specversion": "0.3"}),
    ("empty id", lambda e: True, lambda e: {**e, "id": ""}),
    ("id too long", lambda e: True, lambda e: {**e, "id": "x" * 129}),
    ("missing source", lambda e: True, lambda e: {k: v for k, v in e.items() if k != "source"}),
    ("unknown type", lambda e: True, lambda e: {**e, "type": "tthc.case.lost"}),
    ("time without offset", lambda e: True, lambda e: {**e, "time": "2026-03-05T08:30:00"}),
    ("time as a number", lambda e: True, lambda e: {**e, "time": 1772674200}),
    ("time in the future", lambda e: True, lambda e: {**e, "time": rfc3339(NOW + timedelta(minutes=6))}),
    ("empty subject", lambda e: True, lambda e: {**e, "subject": ""}),
    ("subject too long", lambda e: True, lambda e: {**e, "subject": "s" * 129}),
    ("unknown data field", lambda e: True, lambda e: _with_data(e, colour="red")),
    ("data not an object", lambda e: True, lambda e: {**e, "data": [1, 2]}),
    ("unknown unit", lambda e: "unit" in (e.get("data") or {}), lambda e: _with_data(e, unit="phuong-x")),
    ("bad channel", lambda e: e["type"] == "tthc.case.received", lambda e: _with_data(e, channel="fax")),
    (
        "due before time",
        lambda e: e["type"] == "tthc.case.received",
        lambda e: _with_data(e, due="2000-01-01T00:00:00Z"),
    ),
    (
        "due without offset",
        lambda e: "due" in (e.get("data") or {}),
        lambda e: _with_data(e, due="2026-03-10T17:00:00"),
    ),
    ("fee as a string", lambda e: e["type"] == "tthc.case.received", lambda e: _with_data(e, fee="true")),
    (
        "missing procedure",
        lambda e: e["type"] == "tthc.case.received",
        lambda e: {**e, "data": {k: v for k, v in e["data"].items() if k != "procedure"}},
    ),
    ("negative amount", lambda e: e["type"] == "tthc.case.paid", lambda e: _with_data(e, amount=-1)),
    ("fractional amount", lambda e: e["type"] == "tthc.case.paid", lambda e: _with_data(e, amount=10.5)),
    ("amount as a string", lambda e: e["type"] == "tthc.case.paid", lambda e: _with_data(e, amount="100")),
    ("bad payment channel", lambda e: e["type"] == "tthc.case.paid", lambda e: _with_data(e, channel="cash")),
    ("bad scope", lambda e: e["type"] == "tthc.case.digitized", lambda e: _with_data(e, scope="all")),
    (
        "electronic as int",
        lambda e: e["type"] == "tthc.case.result_issued",
        lambda e: _with_data(e, electronic=1),
    ),
    ("bad outcome", lambda e: e["type"] == "tthc.case.resolved", lambda e: _with_data(e, outcome="done")),
    ("satisfied missing", lambda e: e["type"] == "tthc.case.rated", lambda e: {**e, "data": {}}),
    ("data on synced", lambda e: e["type"] == "tthc.case.synced", lambda e: {**e, "data": {"ok": True}}),
    ("control character in id", lambda e: True, lambda e: {**e, "id": e["id"][:100] + "\x1f"}),
    ("control character in source", lambda e: True, lambda e: {**e, "source": "igate\x00"}),
    ("control character in subject", lambda e: True, lambda e: {**e, "subject": "\x85" + e["subject"][:100]}),
    ("extension name upper-case", lambda e: True, lambda e: {**e, "traceParent": "x"}),
    ("extension name too long", lambda e: True, lambda e: {**e, "a" * 21: "x"}),
    ("extension value an object", lambda e: True, lambda e: {**e, "ext": {"a": [1]}}),
    ("extension value a float", lambda e: True, lambda e: {**e, "ext": 1.5}),
    ("extension integer beyond 32 bits", lambda e: True, lambda e: {**e, "ext": 2**31}),
    ("extension string too long", lambda e: True, lambda e: {**e, "ext": "x" * 4097}),
    ("data content type not JSON", lambda e: True, lambda e: {**e, "datacontenttype": "text/xml"}),
]
