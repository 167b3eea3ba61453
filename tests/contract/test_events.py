from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tthc_cli.simulate.generator import Generator
from tthc_cli.simulate.profile import KNOBS, build_profiles
from tthc_contract.events import EVENT_ADAPTER, canonical_json, events_json_schema
from tthc_contract.examples import example_events
from tthc_contract.signing import identity
from tthc_contract.validation import InvalidEvent, ValidationContext, parse_event_json

from ..strategies import MUTATIONS, NOW, UNITS, valid_events

CTX = ValidationContext(now=NOW, units=frozenset(UNITS))


def parse(event: dict[str, Any]) -> Any:
    return parse_event_json(orjson.dumps(event), CTX)


@given(valid_events())
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_valid_events_are_accepted_and_canonical_form_round_trips(event: dict[str, Any]) -> None:
    model = parse(event)
    assert model.id == event["id"] and model.type == event["type"]
    again = parse_event_json(canonical_json(event), CTX)
    assert again == model


@given(valid_events(), st.sampled_from(MUTATIONS))
@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_each_broken_rule_is_refused_with_a_message(event: dict[str, Any], mutation: Any) -> None:
    name, applies, mutate = mutation
    if not applies(event):
        return
    with pytest.raises(InvalidEvent) as info:
        parse(mutate(event))
    assert info.value.problems, name
    assert all(isinstance(p, str) and len(p) > 10 for p in info.value.problems)


@pytest.mark.parametrize(
    ("mutation", "fragment"),
    [
        ({"time": "2026-03-05T08:30:00"}, "time: must carry an explicit UTC offset"),
        ({"time": "2026-11-26T12:06:00Z"}, "more than 5 minutes in the future"),
        ({"type": "tthc.case.lost"}, "type: must be one of: tthc.case.received"),
        (
            {
                "data": {
                    "unit": "kt",
                    "procedure": "p",
                    "channel": "online_full",
                    "due": "2026-03-01T00:00:00Z",
                }
            },
            "data.due: 2026-03-01T00:00:00+00:00 is before time",
        ),
        (
            {
                "data": {
                    "unit": "xyz",
                    "procedure": "p",
                    "channel": "online_full",
                    "due": "2026-03-10T00:00:00Z",
                }
            },
            "data.unit: 'xyz' is not a unit of the plan",
        ),
        (
            {
                "data": {
                    "unit": "kt",
                    "procedure": "p",
                    "channel": "online_full",
                    "due": "2026-03-10T00:00:00Z",
                    "x": 1,
                }
            },
            "data.x: is not a field of tthc.case.received data (allowed: unit, procedure, channel, due",
        ),
    ],
)
def test_messages_say_what_to_fix(mutation: dict[str, Any], fragment: str) -> None:
    event = {**example_events()["tthc.case.received"], **mutation}
    with pytest.raises(InvalidEvent) as info:
        parse(event)
    assert any(fragment in p for p in info.value.problems), info.value.problems


def test_boundaries_of_time() -> None:
    base = example_events()["tthc.case.synced"]
    parse({**base, "time": (NOW + timedelta(minutes=5)).isoformat()})  # exactly 5 minutes: accepted
    with pytest.raises(InvalidEvent):
        parse({**base, "time": (NOW + timedelta(minutes=5, microseconds=1)).isoformat()})
    received = example_events()["tthc.case.received"]
    parse({**received, "data": {**received["data"], "due": received["time"]}})  # due == time: accepted


def test_extensions_are_allowed_and_kept_in_the_canonical_form() -> None:
    event = {**example_events()["tthc.case.synced"], "traceparent": "00-abc-01", "partitionkey": "kt"}
    parse(event)
    stored = orjson.loads(canonical_json(event))
    assert stored["traceparent"] == "00-abc-01" and stored["partitionkey"] == "kt"


def test_canonical_form_writes_defaults_and_one_time_spelling() -> None:
    event = {**example_events()["tthc.case.received"], "time": "2026-03-05t01:30:00z"}
    event["data"] = {
        k: v for k, v in event["data"].items() if k not in ("fee", "result_document", "reused_data")
    }
    stored = orjson.loads(canonical_json(event))
    assert stored["time"] == "2026-03-05T01:30:00Z"
    assert (stored["data"]["fee"], stored["data"]["result_document"], stored["data"]["reused_data"]) == (
        False,
        True,
        False,
    )


def test_every_example_is_valid_and_schema_names_every_type() -> None:
    for event in example_events().values():
        parse(event)
    schema = orjson.dumps(events_json_schema()).decode()
    for kind in example_events():
        assert kind in schema


@pytest.mark.clock
@given(st.integers(0, 10_000), st.lists(st.sampled_from(sorted(KNOBS)), max_size=3), st.floats(0, 1))
@settings(max_examples=40, deadline=None)
def test_everything_the_simulator_generates_is_valid(seed: int, knobs: list[str], share: float) -> None:
    settings_ = [f"kt.{k}={share if k != 'weight' else 1 + share}" for k in knobs]
    generator = Generator(build_profiles(UNITS[1:], settings_), seed, "igate", f"t{seed}")
    now = datetime.now(UTC)
    ctx = ValidationContext(now=now + timedelta(days=40), units=frozenset(UNITS))
    for _ in range(20):
        for timed in generator.case(generator.next_unit(), now - timedelta(days=30), timedelta(days=1)):
            parse_event_json(orjson.dumps(timed.event), ctx)


def test_model_refuses_what_json_schema_would_allow_loosely() -> None:
    # Strict types: JSON's true is not "true", 1 is not 1.0.
    paid = example_events()["tthc.case.paid"]
    with pytest.raises(InvalidEvent, match="whole number"):
        parse({**paid, "data": {**paid["data"], "amount": 100.0}})
    assert EVENT_ADAPTER.validate_python(paid).data.amount == 100000
    assert datetime(2026, 1, 1, tzinfo=UTC)


def test_committed_json_schema_is_current() -> None:
    from pathlib import Path

    from tthc_contract.events import events_json_schema_text

    committed = (Path(__file__).resolve().parents[2] / "docs" / "events.schema.json").read_text(
        encoding="utf-8"
    )
    assert committed == events_json_schema_text(), "run: tthc export-schema"


def test_examples_validate_against_the_exported_json_schema() -> None:
    import jsonschema

    schema = events_json_schema()
    for event in example_events().values():
        jsonschema.validate(event, schema)


@given(st.binary(max_size=20), st.binary(max_size=20), st.binary(max_size=20), st.binary(max_size=20))
def test_identity_encoding_is_unambiguous(s1: bytes, i1: bytes, s2: bytes, i2: bytes) -> None:
    """Two different (source, id) pairs never share an identity, whatever bytes they hold."""
    assert (identity(s1, i1) == identity(s2, i2)) == ((s1, i1) == (s2, i2))
