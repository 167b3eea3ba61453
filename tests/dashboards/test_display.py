"""What a leader sees: every stat and table panel of the ClickHouse dashboards, shown by
Grafana's own display rules (``@grafana/data``, see grafana_display.py).

Each panel's SQL runs on the engine over a seeded year, the answer becomes data frames as
the ClickHouse plugin makes them, and Grafana's field config, overrides, mappings and
thresholds give the texts and colours asserted here against the metrics API.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import redis.asyncio as aredis
import yaml

from tthc_contract.indicators import INDICATORS
from tthc_contract.periods import LOCAL_TZ, parse_period, period_of
from tthc_contract.plan import Plan, parse_plan
from tthc_dashboards.panels import GREEN, GREY, NO_DATA, RED
from tthc_metrics.grafana_rows import write
from tthc_metrics.store import Store

from ..metrics.conftest import entries, make_writer
from ..metrics.events import received
from .conftest import REPO
from .grafana_display import clickhouse_frame, show
from .seeded import api, api_numbers, run, seeded, seeded_month

pytestmark = pytest.mark.clock
NAMES = {i.name_vi: i for i in INDICATORS}
NO_CASES = "2020-01"
"""A period with no case at all: every tile and cell must say so, in grey."""
TRANSPARENT = "#00000000"
"""A cell with nothing to judge (no target): no colour, neither green nor red."""


def panels_of(dashboard: dict[str, Any], kinds: tuple[str, ...] = ("stat", "table")) -> list[dict[str, Any]]:
    return [p for p in dashboard["panels"] if p["type"] in kinds]


def constants(dashboard: dict[str, Any]) -> dict[str, str]:
    return {v["name"]: v["query"] for v in dashboard["templating"]["list"] if v["type"] == "constant"}


def shown(
    store: Store,
    dashboard: dict[str, Any],
    variables: dict[str, str],
    end: datetime,
    kinds: tuple[str, ...] = ("stat", "table"),
) -> dict[str, Any]:
    """Title → what Grafana shows, for every panel of the dashboard of these kinds."""
    panels = panels_of(dashboard, kinds)
    frames = [
        [clickhouse_frame(run(store, t["rawSql"], variables, end), t["refId"]) for t in p["targets"]]
        for p in panels
    ]
    views = show(list(zip(panels, frames, strict=True)), {**variables, **constants(dashboard)})
    return {p["title"]: v for p, v in zip(panels, views, strict=True)}


def percent(value: float) -> str:
    return f"{round(value * 100, 1):.1f}".removesuffix(".0").replace(".", ",") + "%"


def count(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def verdict_color(item: dict[str, Any]) -> str | None:
    """Green at or above the unit's own target, red below; None where no target is set."""
    return None if item["met"] is None else (GREEN if item["met"] else RED)


def check_tile(view: dict[str, Any], item: dict[str, Any], text_color: str) -> None:
    result, counts, target = view["values"]
    assert [result["title"], counts["title"], target["title"]] == ["Kết quả", "Đạt / tổng", "Chỉ tiêu"]
    assert counts["text"] == f"{count(item['numerator'])} / {count(item['denominator'])}"
    assert target["text"] == ("Không giao" if item["target"] is None else percent(item["target"]))
    if item["value"] is None:
        assert (result["text"], result["color"]) == (NO_DATA, GREY), "no data is grey, never red nor green"
        return
    mark = {None: "", True: " ✓", False: " ✗"}[item["met"]]
    assert result["text"] == percent(item["value"]) + mark
    assert result["color"] == (verdict_color(item) or text_color)


async def check_unit_table(
    view: dict[str, Any], client: httpx.AsyncClient, plan: Plan, metrics_url: str, period: str
) -> None:
    assert view["columns"] == ["Đơn vị", *NAMES], "the unit's code and period are hidden"
    codes = {plan.names[code]: code for code in plan.unit_codes}
    assert len(view["rows"]) == len(codes)
    for row in view["rows"]:
        unit = codes[row[0]["text"]]
        detail, report = (link["href"] for link in row[0]["links"])
        assert f"/d/tthc-chi-tiet-don-vi/chi-tiet-don-vi?var-unit={unit}&" in detail
        assert report.endswith(f"/v1/reports/monthly.html?unit={unit}&period={period}")
        assert report.startswith(metrics_url)
        api = await api_numbers(client, unit, period)
        for ind, cell in zip(INDICATORS, row[1:], strict=True):
            item = api[ind.code]
            if item["value"] is None:
                assert (cell["text"], cell["color"]) == ("—", GREY), (unit, ind.code)
                continue
            mark = {None: "", True: " ✓", False: " ✗"}[item["met"]]
            assert cell["text"] == percent(item["value"]) + mark, (unit, ind.code)
            assert cell["color"] == (verdict_color(item) or TRANSPARENT), (unit, ind.code, cell)


def own_target_plan(plan: Plan, unit: str, code: str, value: float) -> Plan:
    """The shipped plan, with ``unit`` given its own target for ``code`` on the other side of
    ``value`` from the root's: coloured against the root's target, its tile would be wrong."""
    data = yaml.safe_load((REPO / "deploy/plans/dong-phu-2026.yaml").read_text(encoding="utf-8"))
    root_met = value >= plan.targets(plan.root)[code]
    data["unit_targets"] = {unit: {code: round((value + 1) / 2 if root_met else value / 2, 4)}}
    return parse_plan(data)


async def a_rate_strictly_between(
    client: httpx.AsyncClient, plan: Plan, period: str
) -> tuple[str, str, float]:
    for unit in sorted(plan.unit_codes - {plan.root}):
        for code, item in (await api_numbers(client, unit, period)).items():
            if item["target"] is not None and item["value"] is not None and 0 < item["value"] < 1:
                return unit, code, item["value"]
    raise AssertionError(f"the seeded {period} has no unit with a rate strictly between 0 and 1")


@pytest.mark.asyncio
async def test_overview_shows_results_counts_targets_and_verdicts(
    store: Store, redis: aredis.Redis, plan: Plan, dashboards: dict[str, dict[str, Any]]
) -> None:
    overview = dashboards["tong-quan-chi-tieu.json"]
    text_color = None
    async with seeded(store, redis, plan) as base:
        end = datetime.now(UTC)
        month = seeded_month(end)
        unit, code, value = await a_rate_strictly_between(base, plan, month)
    own_plan = own_target_plan(plan, unit, code, value)
    store.sync_plan(own_plan)
    async with api(store, redis, own_plan) as client:
        own = (await api_numbers(client, unit, month))[code]
        assert own["met"] != (value >= plan.targets(plan.root)[code]), "its own target, not the root's"
        current = period_of(end, "month").code
        cases = [(u, p, "month") for u in ("dong-phu", unit) for p in (month, NO_CASES, "current")]
        cases += [("kt", month[:4], "year")]
        for unit_shown, period, kind in cases:
            api_period = current if period == "current" else period
            write(store, own_plan, {parse_period(api_period): set(own_plan.unit_codes)}, end)  # metrics' rows
            views = shown(store, overview, {"unit": unit_shown, "period": period, "period_kind": kind}, end)
            expected = await api_numbers(client, unit_shown, api_period)
            text_color = text_color or views[INDICATORS[0].name_vi]["values"][1]["color"]
            for title, view in views.items():
                if title in NAMES:
                    check_tile(view, expected[NAMES[title].code], text_color)
            alerts = views["Cảnh báo đang hoạt động"]["values"]
            assert [(v["title"], v["text"], v["color"]) for v in alerts] == [("Số cảnh báo", "1", RED)]
            [table] = [v for t, v in views.items() if t.startswith("Các đơn vị")]
            await check_unit_table(table, client, own_plan, constants(overview)["metrics_url"], api_period)
    assert text_color not in (GREEN, RED, GREY)


def local_text(at: datetime) -> str:
    return at.replace(tzinfo=at.tzinfo or UTC).astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M")


@pytest.mark.asyncio
async def test_unit_detail_tables_name_units_and_show_local_dates(
    store: Store, redis: aredis.Redis, plan: Plan, dashboards: dict[str, dict[str, Any]]
) -> None:
    detail = dashboards["chi-tiet-don-vi.json"]
    async with seeded(store, redis, plan):
        end = datetime.now(UTC).replace(microsecond=0)
        due_at = end + timedelta(hours=2)
        case = received(
            "000.00.31.H12-261201-0001", (end - timedelta(hours=1)).isoformat(), due=due_at.isoformat()
        )
        await make_writer(store, redis, plan).write(entries([case]))
        year = seeded_month(end)[:4]  # a year: kt has cases with something to fix
        variables = {"unit": "kt", "period": year, "period_kind": "year"}
        views = shown(store, detail, variables, end)
        [cases] = [v for t, v in views.items() if t.startswith("Hồ sơ kéo chỉ tiêu xuống")]
        [due] = [v for t, v in views.items() if t.startswith("Sắp đến hạn xử lý")]
        assert cases["rows"], "the seeded month has cases to work on"
        assert cases["columns"] == [
            "Mã hồ sơ",
            "Đơn vị",
            "Thủ tục",
            "Lĩnh vực",
            "Ngày nhận",
            "Hẹn trả",
            "Vấn đề",
        ]
        raw = run(store, panels_of(detail, ("table",))[0]["targets"][0]["rawSql"], variables, end)
        for row, (code, _, _, _, received_at, promised, _) in zip(
            cases["rows"], raw.result_rows, strict=True
        ):
            assert row[0]["text"] == code and row[1]["text"] == plan.names["kt"]
            assert (row[4]["text"], row[5]["text"]) == (local_text(received_at), local_text(promised))
            assert row[6]["text"], "each case says what holds it back"
        assert due["columns"] == ["Loại", "Mã", "Đơn vị", "Hạn xử lý"]
        assert [[c["text"] for c in row] for row in due["rows"]] == [
            ["Hồ sơ", "000.00.31.H12-261201-0001", "Phòng Kinh tế", local_text(due_at)]
        ]


@pytest.mark.asyncio
async def test_alert_tables_speak_vietnamese(
    store: Store, redis: aredis.Redis, plan: Plan, dashboards: dict[str, dict[str, Any]]
) -> None:
    async with seeded(store, redis, plan):
        end = datetime.now(UTC)
        views = shown(store, dashboards["canh-bao.json"], {}, end)
    [firing] = views["Đang cảnh báo"]["rows"]
    texts = [c["text"] for c in firing]
    assert texts == [
        "Phòng Kinh tế",
        "Tỷ lệ hồ sơ trực tuyến",
        "2026-03",
        "80%",
        "90%",
        "8 / 10",
        local_text(datetime(2026, 3, 10, 1, 0, tzinfo=UTC)),
    ]
    [change] = views["Lịch sử cảnh báo"]["rows"]
    assert [c["text"] for c in change[1:]] == [
        "Phòng Kinh tế",
        "Tỷ lệ hồ sơ trực tuyến",
        "2026-03",
        "Cảnh báo",
        "80%",
        "90%",
    ]
