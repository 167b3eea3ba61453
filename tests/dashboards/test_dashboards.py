"""The Grafana dashboards: built from code, well formed, and showing the API's numbers.

Every panel's SQL (and every annotation and variable query), with the plugin's macros
and the dashboard variables expanded for a fixed time range, runs on the embedded
ClickHouse engine over seeded data; indicator panels must equal /v1/indicators.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import redis.asyncio as aredis
import yaml

from tthc_cli.bench.fixtures import realistic_events
from tthc_contract.indicators import INDICATORS
from tthc_contract.periods import LOCAL_TZ, period_of
from tthc_contract.plan import Plan
from tthc_dashboards.build import build_all, render
from tthc_metrics.alert_archive import alert_row
from tthc_metrics.api import ApiState, create_api
from tthc_metrics.results import RecentResults
from tthc_metrics.snapshots import SnapshotPublisher
from tthc_metrics.store import Store
from tthc_metrics.writer import Writer

from ..metrics.conftest import entries, make_writer
from ..metrics.events import ALERT_CHANGE
from .conftest import DASHBOARD_FILES, REPO, queries
from .grafana_sql import expand

END = datetime.now(UTC)
START = END - timedelta(days=400)
PROVISIONED = yaml.safe_load(
    (REPO / "deploy/grafana/provisioning/datasources/clickhouse.yaml").read_text(encoding="utf-8")
)


def test_committed_json_is_what_the_builder_makes(plan: Plan) -> None:
    built = build_all(plan)
    assert sorted(built) == [p.name for p in DASHBOARD_FILES]
    for path in DASHBOARD_FILES:
        assert path.read_text(encoding="utf-8") == render(built[path.name]), (
            f"run: tthc dashboards build ({path.name})"
        )


def test_dashboards_are_well_formed_for_grafana(dashboards: dict[str, dict[str, Any]]) -> None:
    uid = PROVISIONED["datasources"][0]["uid"]
    assert Counter(d["uid"] for d in dashboards.values()).most_common(1)[0][1] == 1
    for name, dashboard in dashboards.items():
        ids = [p["id"] for p in dashboard["panels"]]
        assert len(ids) == len(set(ids)), name
        defined = {v["name"] for v in dashboard["templating"]["list"]}
        for title, query in queries(dashboard):
            if "datasource" in query:
                assert query["datasource"]["uid"] == uid, (name, title)
            used = set(re.findall(r"\$\{(\w+)\}|\$(?!__)(\w+)", query["rawSql"]))
            assert {a or b for a, b in used} <= defined, (name, title)
        for panel in dashboard["panels"]:
            assert panel["datasource"]["uid"] == uid and panel["title"]
            assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24


async def seed(writer: Writer, store: Store, plan: Plan) -> None:
    events = realistic_events(plan, 4000, seed=9, run_id="dash")
    for start in range(0, len(events), 1000):
        await writer.write(entries(events[start : start + 1000]))
    ms = int((END - timedelta(hours=2)).timestamp() * 1000)
    store.insert_alert_changes([alert_row(f"{ms}-0".encode(), ALERT_CHANGE)])
    store.insert_samples(
        [
            [END - timedelta(minutes=m), metric, float(m)]
            for m in range(5)
            for metric in ("stream_lag", "dead_letters", "ingest_202", "ingest_422")
        ]
    )


def run(store: Store, sql: str, variables: dict[str, str]) -> Any:
    return store.call("read", lambda c: c.query(expand(sql, START, END, variables)))


async def api_numbers(client: httpx.AsyncClient, unit: str, period: str) -> dict[str, dict[str, Any]]:
    body = (await client.get("/v1/indicators", params={"unit": unit, "period": period})).json()
    return {i["code"]: i for i in body["indicators"]}


@pytest.mark.asyncio
async def test_every_panel_runs_and_shows_the_apis_numbers(
    store: Store, redis: aredis.Redis, plan: Plan, dashboards: dict[str, dict[str, Any]]
) -> None:
    writer = make_writer(store, redis, plan)
    await seed(writer, store, plan)
    month = period_of(END - timedelta(days=40), "month").code
    state = ApiState(
        plan,
        store,
        redis,
        writer.dead,
        writer.stats,
        SnapshotPublisher(store, redis, plan, interval_s=60, min_gap_s=0),
        RecentResults(0),
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_api(state)), base_url="http://m"
    ) as client:
        for unit in ("dong-phu", "kt"):
            for period, kind in ((month, "month"), (month[:4], "year")):
                variables = {"unit": unit, "period": period, "period_kind": kind}
                expected = await api_numbers(client, unit, period)
                for name, dashboard in dashboards.items():
                    for title, query in queries(dashboard):
                        result = run(store, query["rawSql"], variables)  # every query runs
                        if name.startswith("tong-quan") and title in {i.name_vi for i in INDICATORS}:
                            check_stat(result, expected, title)
                        if title.startswith("Các đơn vị theo từng chỉ tiêu"):
                            await check_unit_table(result, client, period, plan)
                        if name.startswith("chi-tiet") and title in {i.name_vi for i in INDICATORS}:
                            await check_monthly(result, client, unit, title)


def check_stat(result: Any, expected: dict[str, dict[str, Any]], title: str) -> None:
    [ind] = [i for i in INDICATORS if i.name_vi == title]
    row = dict(zip(result.column_names, result.result_rows[0], strict=True))
    api = expected[ind.code]
    assert (row["numerator"], row["denominator"]) == (api["numerator"], api["denominator"]), title
    assert row["target"] == api["target"]
    assert (row["value"] is None and api["value"] is None) or abs(row["value"] - api["value"]) < 1e-12


async def check_unit_table(result: Any, client: httpx.AsyncClient, period: str, plan: Plan) -> None:
    names = {plan.names[code]: code for code in plan.unit_codes}
    assert len(result.result_rows) == len(names)
    for row in result.result_rows:
        values = dict(zip(result.column_names, row, strict=True))
        code = names[values["Đơn vị"]]
        api = await api_numbers(client, code, period)
        for ind in INDICATORS:
            item, cell = api[ind.code], values[ind.name_vi]
            if item["value"] is None:
                assert cell == "—"
                continue
            shown = f"{round(item['value'] * 100, 1):.1f}".removesuffix(".0").replace(".", ",") + "%"
            mark = "" if item["met"] is None else (" ✓" if item["met"] else " ✗")
            assert cell == shown + mark, (code, ind.code, cell, item)


async def check_monthly(result: Any, client: httpx.AsyncClient, unit: str, title: str) -> None:
    [ind] = [i for i in INDICATORS if i.name_vi == title]
    for row in result.result_rows:
        values = dict(zip(result.column_names, row, strict=True))
        period = values["time"].astimezone(LOCAL_TZ).strftime("%Y-%m")
        api = (await api_numbers(client, unit, period))[ind.code]
        if api["value"] is None:
            assert values["Giá trị"] is None
        else:
            assert abs(values["Giá trị"] - api["value"]) < 1e-12, (unit, title, period)
        assert values["Chỉ tiêu"] == api["target"]
