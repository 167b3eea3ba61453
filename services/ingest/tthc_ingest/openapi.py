"""Ingest's OpenAPI document: the event schemas under ``components``, request bodies with an
example of every type, every answer, and bearer authentication (pure)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from tthc_contract.events import EVENT_ADAPTER
from tthc_contract.examples import example_events
from tthc_contract.openapi import errors
from tthc_contract.openapi import install_openapi as install_documented

from .intake import MAX_EVENTS

EVENT_REF = {"$ref": "#/components/schemas/CloudEvent"}
BATCH = {"type": "array", "items": EVENT_REF, "maxItems": MAX_EVENTS}
EVENTS_RESPONSES = {
    202: {
        "description": "every event of the body is in tthc:events",
        "content": {
            "application/json": {
                "schema": {"type": "object", "properties": {"accepted": {"type": "integer"}}},
                "example": {"accepted": 1},
            }
        },
    },
    **errors(
        e400="not JSON, or not an event or array of events",
        e401="missing or unknown API key",
        e403="an event's source, unit, case or feedback item is not the key's",
        e408="the request did not arrive in time",
        e413="more than 5,000 events or 5 MiB",
        e415="a Content-Encoding other than gzip",
        e422="invalid events, each listed with index, id and errors",
        e503="Redis unavailable: nothing was published; or, with Sentinel, `not_replicated`: no replica "
        "confirmed the events in time (retry: a re-sent event is stored once)",
    ),
}


def event_schemas() -> dict[str, Any]:
    """The event schema and every model it uses, keyed as in ``components/schemas``."""
    schema = EVENT_ADAPTER.json_schema(ref_template="#/components/schemas/{model}")
    found: dict[str, Any] = schema.pop("$defs", {})
    schema["title"] = "CloudEvent"
    return {**found, "CloudEvent": schema}


def request_body() -> dict[str, Any]:
    examples = {kind: {"summary": kind, "value": event} for kind, event in example_events().items()}
    lifecycle = {"lifecycle": {"summary": "a whole case lifecycle", "value": list(example_events().values())}}
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/cloudevents+json": {"schema": EVENT_REF, "examples": examples},
                "application/cloudevents-batch+json": {"schema": BATCH, "examples": lifecycle},
                "application/json": {
                    "schema": {"oneOf": [EVENT_REF, BATCH]},
                    "examples": {**examples, **lifecycle},
                },
            },
        }
    }


def install_openapi(app: FastAPI, extra_schemas: dict[str, Any] | None = None) -> None:
    install_documented(app, {**event_schemas(), **(extra_schemas or {})}, secured=("/v1/events", "/v1/dvcqg"))
