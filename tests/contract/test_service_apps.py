"""What every service's HTTP app gives API tools: a valid OpenAPI document whose references
resolve from its root, the answers it really gives, offline docs, Prometheus metrics."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import redis.asyncio as aredis
from fastapi import FastAPI
from openapi_spec_validator import validate

from tthc_alerts.alertmanager import AlertmanagerClient
from tthc_alerts.api import create_api as alerts_api
from tthc_alerts.delivery import Deliverer
from tthc_alerts.engine import AlertEngine
from tthc_alerts.state_store import AlertStore
from tthc_contract.dead_letters import DeadLetterBox
from tthc_contract.plan import Plan
from tthc_contract.signing import EntrySigner
from tthc_ingest.app import create_app as ingest_app
from tthc_ingest.keys import KeyRing
from tthc_ingest.publisher import EventPublisher
from tthc_metrics.api import ApiState
from tthc_metrics.api import create_api as metrics_api
from tthc_metrics.results import RecentResults
from tthc_metrics.snapshots import SnapshotPublisher
from tthc_metrics.store import Store
from tthc_metrics.writer import WriterStats

pytestmark = pytest.mark.asyncio
REDIS = aredis.Redis(port=1)  # never connected: documents and docs need no Redis


def apps(plan: Plan) -> Iterator[tuple[str, FastAPI]]:
    yield "ingest", ingest_app(plan, KeyRing(plan, {}), EntrySigner(b"k" * 32), EventPublisher(REDIS))
    store = Store("http://127.0.0.1:1")
    snapshots = SnapshotPublisher(store, REDIS, plan, interval_s=60, min_gap_s=0)
    state = ApiState(plan, store, REDIS, DeadLetterBox(REDIS), WriterStats(), snapshots, RecentResults(0))
    yield "metrics", metrics_api(state)
    engine = AlertEngine(plan, AlertStore(REDIS))
    deliverer = Deliverer(engine, AlertmanagerClient("http://127.0.0.1:1"), plan, repost_s=1, source_url="x")
    yield "alerts", alerts_api(engine, deliverer)


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part]
    return node


async def test_each_openapi_document_is_valid_and_resolves_from_its_root(plan: Plan) -> None:
    for name, app in apps(plan):
        doc = app.openapi()
        validate(json.loads(json.dumps(doc)))  # the official validator of OpenAPI 3.x
        for ref in set(refs(doc)):
            assert resolve(doc, ref) is not None, (name, ref)
        assert "$defs" not in json.dumps(doc), name


async def test_documents_list_the_answers_the_services_give(plan: Plan) -> None:
    docs = {name: app.openapi() for name, app in apps(plan)}
    events = docs["ingest"]["paths"]["/v1/events"]["post"]
    assert {"202", "400", "401", "403", "408", "413", "415", "422", "503"} <= set(events["responses"])
    assert events["security"] == [{"bearer": []}]
    assert docs["ingest"]["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    indicators = docs["metrics"]["paths"]["/v1/indicators"]["get"]["responses"]
    assert {"200", "400", "404", "503"} <= set(indicators) and "422" not in indicators
    assert "503" in docs["metrics"]["paths"]["/health"]["get"]["responses"]
    alerts = docs["alerts"]["paths"]["/v1/alerts"]["get"]["responses"]
    assert {"200", "400"} <= set(alerts) and "422" not in alerts


async def test_docs_load_without_the_internet_and_metrics_are_exposed(plan: Plan) -> None:
    for name, app in apps(plan):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://s") as client:
            page = (await client.get("/docs")).text
            assert "cdn." not in page and "/docs-assets/swagger-ui-bundle.js" in page, name
            for asset in ("/docs-assets/swagger-ui-bundle.js", "/docs-assets/swagger-ui.css", "/redoc"):
                assert (await client.get(asset)).status_code == 200, (name, asset)
            assert "cdn." not in (await client.get("/redoc")).text
            await client.get("/v1/nothing-here")
            scraped = (await client.get("/metrics")).text
            assert f'tthc_http_requests_total{{route="other",service="{name}",status="404"}}' in scraped
