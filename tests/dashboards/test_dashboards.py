"""The Grafana dashboards: built from code, well formed, and showing the API's numbers.

Every panel's SQL (and every annotation and variable query), with the plugin's macros
and the dashboard variables expanded for a fixed time range, runs on the embedded
ClickHouse engine over seeded data; the monthly series equal /v1/indicators. What the stat
and table panels show is tested with Grafana's own rules in test_display.py.
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

from tthc_contract.indicators import INDICATORS
from tthc_contract.periods import LOCAL_TZ
from tthc_contract.plan import Plan
from tthc_contract.qd766 import GROUPS
from tthc_dashboards.build import build_all, render
from tthc_dashboards.grafana_sql import queries
from tthc_metrics.store import READER_PROFILE, Store

from .conftest import DASHBOARD_FILES, REPO
from .seeded import api_numbers, run, seeded, seeded_month


def test_committed_json_is_what_the_builder_makes(plan: Plan) -> None:
    built = build_all(plan)
    assert sorted(built) == [p.name for p in DASHBOARD_FILES]
    for path in DASHBOARD_FILES:
        assert path.read_text(encoding="utf-8") == render(built[path.name]), (
            f"run: tthc dashboards build ({path.name})"
        )


def datasource_uids() -> dict[str, str]:
    folder = REPO / "deploy/grafana/provisioning/datasources"
    found = [yaml.safe_load(p.read_text(encoding="utf-8"))["datasources"][0] for p in folder.glob("*.yaml")]
    return {d["type"]: d["uid"] for d in found}


def variables_in(text: str) -> set[str]:
    """Dashboard variables a text refers to (``$name``, ``${name}``, ``${name:format}``);
    Grafana's own (``$__…``, ``${__…}``) left out."""
    names = {a or b for a, b in re.findall(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)", text)}
    return {n for n in names if not n.startswith("__")}


def test_dashboards_are_well_formed_for_grafana(dashboards: dict[str, dict[str, Any]]) -> None:
    uids = datasource_uids()
    assert Counter(d["uid"] for d in dashboards.values()).most_common(1)[0][1] == 1
    for name, dashboard in dashboards.items():
        ids = [p["id"] for p in dashboard["panels"]]
        assert len(ids) == len(set(ids)), name
        defined = {v["name"] for v in dashboard["templating"]["list"]}
        for panel in dashboard["panels"]:
            source = panel["datasource"]
            assert source["uid"] == uids[source["type"]] and panel["title"], (name, panel["title"])
            assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24
            for target in panel["targets"]:
                assert target["datasource"] == source, (name, panel["title"])
                text = target.get("rawSql") or target["expr"]
                assert variables_in(text) <= defined, (name, panel["title"])
        for title, query in queries(dashboard):
            assert variables_in(query["rawSql"]) <= defined, (name, title)
        links = [link["url"] for link in dashboard["links"]]
        links += [
            link["url"]
            for panel in dashboard["panels"]
            for override in panel["fieldConfig"]["overrides"]
            for prop in override["properties"]
            if prop["id"] == "links"
            for link in prop["value"]
        ]
        for url in links:
            assert variables_in(url) <= defined, (name, url)


def test_dashboards_are_stored_as_grafana_12_stores_them(dashboards: dict[str, dict[str, Any]]) -> None:
    """Opening a dashboard migrates nothing and marks nothing changed; provisioned ones are
    read-only in the UI (a change is made in code); the period follows the clock."""
    for name, dashboard in dashboards.items():
        assert (dashboard["schemaVersion"], dashboard["editable"]) == (42, False), name
        for panel in dashboard["panels"]:
            assert panel["pluginVersion"] == "12.3.0", (name, panel["title"])
            for target in panel["targets"]:
                if "rawSql" in target:
                    assert target["pluginVersion"] == "4.20.0" and target["editorType"] == "sql"
        for variable in dashboard["templating"]["list"]:
            if variable["name"] == "period":
                assert variable["refresh"] == 2 and variable["current"]["value"] == "current", name
    provider = yaml.safe_load((REPO / "deploy/grafana/provisioning/dashboards/tthc.yaml").read_text("utf-8"))
    assert provider["providers"][0]["allowUiUpdates"] is False


def test_the_scorecard_dashboard_says_it_is_an_estimate(dashboards: dict[str, dict[str, Any]]) -> None:
    """«Ước tính điểm 766»: the unit and period as on the others; a gauge for the total and one
    per group, running from 0 to the known maximum (query B; no fixed max); every panel says
    it is an estimate; links to the unit's report and, from the ranking, to each unit."""
    board = dashboards["uoc-tinh-diem-766.json"]
    assert (board["uid"], board["title"]) == ("tthc-uoc-tinh-diem-766", "Ước tính điểm 766")
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert list(variables) == ["unit", "period_kind", "period", "metrics_url"]
    assert variables["unit"]["current"]["value"] == "dong-phu"
    assert [o["value"] for o in variables["period_kind"]["options"]] == ["month", "quarter", "year"]
    gauges = [p for p in board["panels"] if p["type"] == "gauge"]
    assert [g["title"] for g in gauges] == [
        "Tổng điểm ước tính (thang 100 điểm)",
        *(f"{g.name_vi} (ước tính, {g.max_points} điểm)" for g in GROUPS),
    ]
    for gauge in gauges:
        defaults = gauge["fieldConfig"]["defaults"]
        assert defaults["min"] == 0 and "max" not in defaults, gauge["title"]
        assert [t["refId"] for t in gauge["targets"]] == ["A", "B"]
        assert gauge["options"]["reduceOptions"] == {
            "values": True,
            "calcs": ["lastNotNull"],
            "fields": "/^Điểm ước tính$/",
        }
    assert [p["type"] for p in board["panels"]].count("table") == 2
    for panel in board["panels"]:
        assert "ước tính" in panel["title"] and "Ước tính theo Bộ chỉ số QĐ 766" in panel["description"]
    [report] = board["links"]
    assert report["url"].startswith("${metrics_url}/v1/reports/monthly.html?unit=${unit}&period=${period}")


MID_MONTH_SPAN = timedelta(days=200)


@pytest.mark.clock
@pytest.mark.asyncio
async def test_every_query_runs_and_the_monthly_series_are_the_apis(
    store: Store, redis: aredis.Redis, plan: Plan, dashboards: dict[str, dict[str, Any]]
) -> None:
    """Every ClickHouse query of every dashboard runs; each month of Chi tiết đơn vị's series
    (whole local months, the edge months included) is the API's value for that month."""
    async with seeded(store, redis, plan) as client:
        end = datetime.now(UTC)
        month = seeded_month(end)
        for unit in ("dong-phu", "kt"):
            for period, kind in ((month, "month"), (month[:4], "year"), ("current", "quarter")):
                variables = {"unit": unit, "period": period, "period_kind": kind}
                for name, dashboard in dashboards.items():
                    for title, query in queries(dashboard):
                        rows = run(store, query["rawSql"], variables, end).result_rows
                        if title == "Cảnh báo":  # the annotations: kt's alert, in words
                            [(_, text, tags)] = rows
                            assert text == "Cảnh báo: Phòng Kinh tế · Tỷ lệ hồ sơ trực tuyến · 2026-03"
                            assert tags == ["kt", "online_rate", "firing"]
                        if title == "unit":  # the tree, indented with no-break spaces
                            assert ("kt", "\u00a0\u00a0\u00a0└ Phòng Kinh tế") in rows
                        if name.startswith("chi-tiet") and title in {i.name_vi for i in INDICATORS}:
                            # A range starting mid-month, inside the data: the first month whole.
                            result = run(store, query["rawSql"], variables, end, MID_MONTH_SPAN)
                            await check_monthly(result, client, unit, title)
        detail = dashboards["chi-tiet-don-vi.json"]["annotations"]["list"][0]["target"]["rawSql"]
        other = {"unit": "vpdkdd", "period": month, "period_kind": "month"}
        assert run(store, detail, other, end).result_rows == [], "another unit's alerts stay off its charts"


async def check_monthly(result: Any, client: httpx.AsyncClient, unit: str, title: str) -> None:
    [ind] = [i for i in INDICATORS if i.name_vi == title]
    if ind.code == "online_rate":  # every case counts: each month of the range has some
        first = result.result_rows[0][0].replace(tzinfo=UTC).astimezone(LOCAL_TZ)
        start = (datetime.now(UTC) - MID_MONTH_SPAN).astimezone(LOCAL_TZ)
        assert (first.year, first.month, first.day) == (start.year, start.month, 1), "the first month whole"
    for row in result.result_rows:
        values = dict(zip(result.column_names, row, strict=True))
        period = values["time"].replace(tzinfo=UTC).astimezone(LOCAL_TZ).strftime("%Y-%m")
        api = (await api_numbers(client, unit, period))[ind.code]
        if api["value"] is None:
            assert values["Giá trị"] is None
        else:
            assert abs(values["Giá trị"] - api["value"]) < 1e-12, (unit, title, period)
        assert values["Chỉ tiêu"] == api["target"]


def test_every_setting_a_query_sets_is_one_grafanas_reader_may_set(
    dashboards: dict[str, dict[str, Any]],
) -> None:
    """Grafana reads as a read-only user: a query's own ``SETTINGS`` are refused unless its
    profile lets that setting change (``CHANGEABLE_IN_READONLY``)."""
    changeable = set(re.findall(r"(\w+) = \S+ CHANGEABLE_IN_READONLY", READER_PROFILE))
    set_by_queries = {
        name
        for dashboard in dashboards.values()
        for _, query in queries(dashboard)
        for clause in re.findall(r"\bSETTINGS\s+(.+?)\s*$", query["rawSql"])
        for name in re.findall(r"(\w+)\s*=", clause)
    }
    assert set_by_queries <= changeable, set_by_queries - changeable
