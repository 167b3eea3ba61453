"""«Ước tính điểm 766» as a leader sees it: each gauge and table of the dashboard, its SQL run
on the engine over a seeded year and shown by Grafana's own display rules (``@grafana/data``),
says what ``GET /v1/scorecard`` and ``GET /v1/scorecard/ranking`` answer; and the points each
item's generated SQL computes are those of the contract (``qd766.points``), rounded alike.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import httpx
import pytest
import redis.asyncio as aredis
import yaml

from tthc_contract.periods import parse_period, period_of
from tthc_contract.plan import Plan, parse_plan
from tthc_contract.qd766 import GROUPS, ITEMS, TOTAL_MAX, half_up, points
from tthc_contract.scorecard_bodies import Ranking, Scorecard
from tthc_dashboards.panels import AMBER, GREEN, RED
from tthc_dashboards.scorecard_sql import BASIS_VI, group_column, item_points
from tthc_metrics.grafana_rows import write
from tthc_metrics.store import Store

from ..metrics.conftest import entries, make_writer
from ..metrics.events import feedback, received
from .conftest import REPO
from .seeded import api, api_numbers, seeded, seeded_month
from .test_display import NO_CASES, constants, count, shown

pytestmark = pytest.mark.clock
DASHBOARD = "uoc-tinh-diem-766.json"
KINDS = ("gauge", "table")
COSTLIEST = "Tiêu chí mất nhiều điểm nhất (ước tính)"
RANKING = "Xếp hạng các đơn vị trực thuộc (ước tính; bấm tên đơn vị để xem chi tiết)"


async def api_scorecard(client: httpx.AsyncClient, unit: str, period: str) -> tuple[Scorecard, Ranking]:
    params = {"unit": unit, "period": period}
    card = await client.get("/v1/scorecard", params=params)
    ranking = await client.get("/v1/scorecard/ranking", params=params)
    assert card.status_code == ranking.status_code == 200, (card.text, ranking.text)
    return Scorecard.model_validate(card.json()), Ranking.model_validate(ranking.json())


def note(known: int, maximum: int) -> str:
    if known == maximum:
        return f"Tối đa {maximum} điểm"
    return f"Tối đa {known} điểm đã xác định ({maximum - known}/{maximum} điểm chưa xác định)"


def gauge_color(value: float, known: int) -> str:
    """Green from 80% of the known maximum, amber from 50%, red below (percentage thresholds)."""
    share = value / known * 100
    return GREEN if share >= 80 else AMBER if share >= 50 else RED


def check_gauge(view: dict[str, Any], value: float, known: int, maximum: int) -> None:
    """The points, titled with the known maximum, on an arc from 0 to the known maximum."""
    [shown_value] = view["values"]
    assert shown_value == {
        "title": note(known, maximum),
        "text": f"{value:.2f}",
        "color": gauge_color(value, known),
        "min": 0,
        "max": known,
    }


def costliest_rows(card: Scorecard) -> list[list[str]]:
    return [
        [
            item.name,
            f"{item.points:.2f}",
            str(item.max),
            f"{item.lost:.2f}",
            "—" if item.denominator is None else f"{count(item.numerator or 0)} / {count(item.denominator)}",
            BASIS_VI[item.basis],
            "Có" if item.inferred else "Không",
            "Ước tính",
        ]
        for item in card.costliest(len(ITEMS))
    ]


def check_ranking(view: dict[str, Any], ranking: Ranking, variables: dict[str, str], period: str) -> None:
    if not ranking.units:  # no unit below: Grafana says «No data»
        assert view["rows"] == []
        return
    assert view["columns"] == [
        "Hạng",
        "Đơn vị",
        "Tổng điểm ước tính",
        "Tối đa đã xác định",
        *(group_column(g.code) for g in GROUPS),
    ], "the unit's code and period are hidden"
    expected = [
        [
            str(u.rank),
            u.name,
            f"{u.total:.2f}",
            str(u.known_max),
            *(f"{u.groups[g.code]:.2f}" for g in GROUPS),
        ]
        for u in ranking.units
    ]
    assert [[c["text"] for c in row] for row in view["rows"]] == expected
    for row, unit in zip(view["rows"], ranking.units, strict=True):
        drill, report = (link["href"] for link in row[1]["links"])
        assert drill == (
            f"/d/tthc-uoc-tinh-diem-766/uoc-tinh-diem-766?var-unit={unit.unit}"
            f"&var-period_kind={variables['period_kind']}&var-period={variables['period']}"
        )
        assert report.endswith(f"/v1/reports/monthly.html?unit={unit.unit}&period={period}")


async def check_dashboard(
    store: Store,
    plan: Plan,
    client: httpx.AsyncClient,
    dashboard: dict[str, Any],
    variables: dict[str, str],
    end: datetime,
) -> Scorecard:
    """The rows of the period written at ``end`` (the metrics' ``grafana_rows``), shown by
    the dashboard as the API answers at ``end``."""
    period = variables["period"]
    if period == "current":
        period = period_of(end, variables["period_kind"]).code  # type: ignore[arg-type]
    write(store, plan, {parse_period(period): set(plan.unit_codes)}, end)
    card, ranking = await api_scorecard(client, variables["unit"], period)
    assert card.estimate and ranking.estimate
    views = shown(store, dashboard, variables, end, KINDS)
    check_gauge(views[f"Tổng điểm ước tính (thang {TOTAL_MAX} điểm)"], card.total, card.known_max, TOTAL_MAX)
    for group in card.groups:
        view = views[f"{group.name} (ước tính, {group.max} điểm)"]
        check_gauge(view, group.points, group.known_max, group.max)
    costliest = views[COSTLIEST]
    assert costliest["columns"][:4] == ["Tiêu chí", "Điểm ước tính", "Điểm tối đa", "Điểm bị mất"]
    assert [[c["text"] for c in row] for row in costliest["rows"]] == costliest_rows(card)
    assert all(row[3]["color"] == RED for row in costliest["rows"]), "points lost in red"
    check_ranking(views[RANKING], ranking, variables, period)
    return card


async def open_items(store: Store, redis: aredis.Redis, plan: Plan, month: str, end: datetime) -> None:
    """Phòng Kinh tế's items still open: a case and a feedback item of ``month`` due two days
    after it ended (late now, on time at its end, the instant the estimate judges them at),
    and two cases of now, one due an hour ago and one due in an hour."""
    after = (parse_period(month).bounds()[1] + timedelta(days=2)).isoformat()
    middle = (parse_period(month).bounds()[0] + timedelta(days=14)).isoformat()
    events = [
        received("000.00.31.H12-OPEN-0001", middle, due=after),
        feedback("PAKN-OPEN-0001", middle, "kt", after),
        received(
            "000.00.31.H12-OPEN-0002",
            (end - timedelta(hours=2)).isoformat(),
            due=(end - timedelta(hours=1)).isoformat(),
        ),
        received(
            "000.00.31.H12-OPEN-0003",
            (end - timedelta(hours=2)).isoformat(),
            due=(end + timedelta(hours=1)).isoformat(),
        ),
    ]
    await make_writer(store, redis, plan).write(entries(events))


def variant_plan() -> Plan:
    """The shipped plan with every procedure handled by Phòng Kinh tế alone (so the other
    units' catalogue is empty: their catalogue items unknown), and published values in both
    forms (points, numerator and denominator)."""
    data = yaml.safe_load((REPO / "deploy/plans/dong-phu-2026.yaml").read_text(encoding="utf-8"))
    for entry in data["scorecard"]["procedures"].values():
        entry["units"] = ["kt"]
    data["scorecard"]["published"] = {
        "PUBLIC_CONTENT_FULL": {"numerator": 87, "denominator": 89},
        "ELECTRONIC_CERTIFIED_COPY": {"points": 1.37},
    }
    return parse_plan(data)


@pytest.mark.asyncio
async def test_scorecard_dashboard_shows_the_apis_estimate(
    store: Store, redis: aredis.Redis, plan: Plan, dashboards: dict[str, dict[str, Any]]
) -> None:
    dashboard = dashboards[DASHBOARD]
    assert constants(dashboard)["metrics_url"].startswith("http")
    async with seeded(store, redis, plan) as client:
        end = datetime.now(UTC)
        month = seeded_month(end)
        quarter = period_of(parse_period(month).bounds()[0], "quarter").code
        await open_items(store, redis, plan, month, end)
        [on_time] = [i for i in (await api_scorecard(client, "kt", month))[0].items() if i.code == "ON_TIME"]
        now = (await api_numbers(client, "kt", month))["on_time_rate"]
        assert on_time.numerator == now["numerator"] + 1, "the open case is judged at the month's end"
        for unit, period, kind in [
            ("dong-phu", month, "month"),
            ("kt", month, "month"),
            ("dong-phu", "current", "month"),
            ("kt", quarter, "quarter"),
            ("dong-phu", NO_CASES, "month"),
        ]:
            variables = {"unit": unit, "period": period, "period_kind": kind}
            card = await check_dashboard(store, plan, client, dashboard, variables, end)
            if period == NO_CASES:  # no feedback: its items score their maximum
                assert [(g.code, g.points) for g in card.groups][-1] == ("MDHL", 12)
    variant = variant_plan()
    store.sync_plan(variant)
    async with api(store, redis, variant) as client:
        for unit in ("dong-phu", "hcc"):
            variables = {"unit": unit, "period": month[:4], "period_kind": "year"}
            card = await check_dashboard(store, variant, client, dashboard, variables, end)
            unknown = {i.code for i in card.items() if i.points is None}
            catalogue = {i.code for i in ITEMS if i.basis == "catalogue"}
            assert (catalogue <= unknown) == (unit == "hcc"), "hcc has no procedure of its own"
            assert "ELECTRONIC_CERTIFIED_COPY" not in unknown and "PUBLIC_CONTENT_FULL" not in unknown


def _cases() -> list[tuple[int, int]]:
    """Numerators and denominators, with the ties of two-decimal rounding of every rule
    (6 × 1/1200 = 0.005, 2 × (1/500) / 0.8 = 0.005, 6 × (3/4000) / 0.9 = 0.005, ...)."""
    found = {(0, 0), (1, 0), (5, 0)}
    for d in (1, 2, 3, 7, 16, 40, 400, 500, 800, 1200, 2400, 4000, 10**9 + 7):
        found |= {(n, d) for n in {0, 1, 2, 3, d // 3, d // 2, d - 1, d} if 0 <= n <= d}
    return sorted(found)


def test_item_points_are_the_contracts_exactly(store: Store) -> None:
    """Each item's generated SQL scores (n, d) as ``qd766.points`` does, to 30 places, and
    ClickHouse's ``round`` of it is the contract's half-up rounding, ties included."""
    pairs = ", ".join(f"({n}, {d})" for n, d in _cases())
    source = f"(SELECT toUInt64(t.1) AS n, toUInt64(t.2) AS d FROM (SELECT arrayJoin([{pairs}]) AS t))"
    sql = " UNION ALL ".join(
        f"SELECT '{i.code}', n, d, toString({item_points(i)}), toString(round({item_points(i)}, 2)) FROM {source}"
        for i in ITEMS
    )
    rows = store.call("read", lambda c: c.query(sql).result_rows)
    assert len(rows) == len(ITEMS) * len(_cases())
    by_code = {i.code: i for i in ITEMS}
    ties = 0
    for code, n, d, exact, rounded in rows:
        expected = points(by_code[code], n, d)
        assert abs(Fraction(Decimal(exact)) - expected) < Fraction(1, 10**29), (code, n, d, exact)
        assert Decimal(rounded) == half_up(expected, 2), (code, n, d, rounded)
        ties += (expected * 1000) % 10 == 5 and (expected * 1000).denominator == 1
    assert ties >= len({i.max_points for i in ITEMS}), "the rounding's ties are among the cases"
