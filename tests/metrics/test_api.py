"""The metrics API (SPEC section 5) over real data, and the same numbers by direct SQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import httpx
import pytest
import redis.asyncio as aredis

from tthc_contract.indicators import CODES
from tthc_contract.periods import period_of
from tthc_contract.plan import Plan
from tthc_metrics.api import ApiState, create_api
from tthc_metrics.results import RecentResults
from tthc_metrics.snapshots import SnapshotPublisher
from tthc_metrics.store import Store
from tthc_metrics.writer import Writer

from ..clock import local_now, start_of_current
from ..servers import free_port
from .conftest import entries
from .events import feedback, received, resolved

pytestmark = pytest.mark.asyncio


def state(store: Store, redis: aredis.Redis, plan: Plan, writer: Writer, ttl_s: float = 0) -> ApiState:
    snapshots = SnapshotPublisher(store, redis, plan, interval_s=60, min_gap_s=0)
    return ApiState(plan, store, redis, writer.dead, writer.stats, snapshots, RecentResults(ttl_s))


@pytest.fixture
async def api(
    store: Store, redis: aredis.Redis, plan: Plan, writer: Writer
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_api(state(store, redis, plan, writer))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://metrics") as client:
        yield client


async def seed(writer: Writer, now: datetime | None = None) -> str:
    """kt: 9 of 10 online (meets 0.90 exactly); hcc: 1 case, offline; one feedback item due soon.

    Everything is received at the start of the month of ``now`` (in it at any instant);
    returns that month's code."""
    now = now or local_now()
    start = start_of_current("month", now).isoformat()
    events = [
        received(
            f"K{i}",
            start,
            channel="in_person" if i == 0 else "online_full",
            due=(now + timedelta(days=3)).isoformat(),
        )
        for i in range(10)
    ]
    events += [
        received("H0", start, unit="hcc", channel="postal", due=(now + timedelta(hours=20)).isoformat())
    ]
    events += [resolved("K1", now.isoformat())]
    events += [feedback("F1", start, "kt", (now + timedelta(hours=5)).isoformat())]
    await writer.write(entries(events))
    return period_of(now, "month").code


def month_now() -> str:
    return period_of(local_now(), "month").code


@pytest.mark.clock
async def test_indicators_in_spec_shape_with_exact_target(api: httpx.AsyncClient, writer: Writer) -> None:
    month = await seed(writer)
    body = (await api.get("/v1/indicators", params={"unit": "kt", "period": month})).json()
    assert set(body) == {"unit", "period", "as_of", "indicators"}
    assert body["unit"] == "kt" and body["period"] == month and body["as_of"].endswith("+07:00")
    assert [i["code"] for i in body["indicators"]] == list(CODES)
    online = body["indicators"][0]
    assert online == {
        "code": "online_rate",
        "numerator": 9,
        "denominator": 10,
        "value": 0.9,
        "target": 0.9,
        "met": True,
    }
    on_time = body["indicators"][-1]
    assert on_time["target"] is None and on_time["met"] is None
    payments = body["indicators"][1]
    assert payments["denominator"] == 0 and payments["value"] is None and payments["met"] is None


@pytest.mark.clock
async def test_defaults_to_root_and_current_month(api: httpx.AsyncClient, writer: Writer) -> None:
    seeded = await seed(writer)
    body = (await api.get("/v1/indicators")).json()
    assert body["unit"] == "dong-phu" and body["period"] in (seeded, month_now())
    # A month may begin between seeding and asking: the new month has nothing yet.
    expected = (9, 11) if body["period"] == seeded else (0, 0)
    assert (body["indicators"][0]["numerator"], body["indicators"][0]["denominator"]) == expected


async def test_unknown_unit_and_bad_period(api: httpx.AsyncClient) -> None:
    response = await api.get("/v1/indicators", params={"unit": "phong-x"})
    assert response.status_code == 404 and response.json()["error"] == "unknown_unit"
    for bad in ("2026-13", "2026-Q5", "March"):
        response = await api.get("/v1/indicators", params={"period": bad})
        assert response.status_code == 400 and response.json()["error"] == "bad_period"


async def test_empty_unit_gives_nulls(api: httpx.AsyncClient) -> None:
    body = (await api.get("/v1/indicators", params={"unit": "thue10", "period": "2026"})).json()
    assert all(i["value"] is None and i["met"] is None and i["denominator"] == 0 for i in body["indicators"])


async def test_units_tree_with_effective_targets(api: httpx.AsyncClient) -> None:
    tree = (await api.get("/v1/units")).json()
    assert tree["code"] == "dong-phu" and tree["name"] == "UBND xã Đồng Phú"
    assert [u["code"] for u in tree["units"]] == ["hcc", "vp", "kt", "vhxh", "dvth", "vpdkdd", "thue10"]
    assert (
        tree["units"][2]["targets"]["online_rate"] == 0.9
        and tree["units"][2]["targets"]["on_time_rate"] is None
    )


@pytest.mark.clock
async def test_status_and_due_soon(api: httpx.AsyncClient, writer: Writer) -> None:
    await seed(writer)
    status = (await api.get("/v1/status")).json()
    assert status["events_stored"] == 13 and status["dead_letters"] == 0
    assert (
        set(status["fact_parts"]) == {"case_facts", "feedback_facts", "case_state", "feedback_state"}
        and status["fact_parts"]["case_facts"] >= 1
    )
    soon = (await api.get("/v1/due-soon", params={"unit": "dong-phu", "within": "24h"})).json()
    assert [(i["kind"], i["code"]) for i in soon["items"]] == [("feedback", "F1"), ("case", "H0")]
    assert (await api.get("/v1/due-soon", params={"unit": "kt"})).json()["items"][0]["code"] == "F1"
    wide = (await api.get("/v1/due-soon", params={"within": "4d"})).json()["items"]
    assert {i["code"] for i in wide} == {"F1", "H0", *(f"K{i}" for i in range(10) if i != 1)}
    bad = await api.get("/v1/due-soon", params={"within": "soon"})
    assert bad.status_code == 400 and bad.json()["error"] == "bad_duration"


async def test_health_reports_an_unreachable_store(
    store: Store, redis: aredis.Redis, plan: Plan, writer: Writer
) -> None:
    good = create_api(state(store, redis, plan, writer))
    down = create_api(state(Store(f"http://127.0.0.1:{free_port()}"), redis, plan, writer))
    for app, code in ((good, 200), (down, 503)):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://m") as client:
            assert (await client.get("/health")).status_code == code
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=down), base_url="http://m") as client:
        response = await client.get("/v1/indicators")
        assert response.status_code == 503 and response.json()["error"] == "clickhouse_unavailable"


@pytest.mark.clock
async def test_api_and_direct_sql_over_the_raw_events_agree(
    api: httpx.AsyncClient, store: Store, writer: Writer
) -> None:
    """An independent query over the raw events table (latest received per case) gives the API's online rate."""
    month = await seed(writer)
    sql = """
        SELECT countIf(channel IN ('online_full', 'online_partial')), count()
        FROM (
            SELECT argMax(event, (time, source, id)) AS latest,
                   JSONExtractString(latest, 'data', 'channel') AS channel,
                   JSONExtractString(latest, 'data', 'unit') AS unit,
                   max(time) AS received_at
            FROM events WHERE type = 'tthc.case.received' GROUP BY subject
        )
        WHERE unit IN (SELECT unit FROM unit_ancestors WHERE ancestor = {unit:String})
          AND formatDateTime(received_at, '%Y-%m', 'Asia/Ho_Chi_Minh') = {month:String}
    """
    for unit in ("kt", "hcc", "dong-phu"):
        numerator, denominator = store.call(
            "read", lambda c, u=unit: c.query(sql, parameters={"unit": u, "month": month}).first_row
        )
        body = (await api.get("/v1/indicators", params={"unit": unit, "period": month})).json()
        assert (body["indicators"][0]["numerator"], body["indicators"][0]["denominator"]) == (
            numerator,
            denominator,
        )
        assert denominator > 0


@pytest.mark.clock
async def test_recent_results_are_served_until_new_events_arrive(
    store: Store, redis: aredis.Redis, plan: Plan, writer: Writer
) -> None:
    api_state = state(store, redis, plan, writer, ttl_s=60)
    app = create_api(api_state)
    now = local_now()
    ask = {"unit": "kt", "period": period_of(now, "month").code}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://m") as client:
        first = (await client.get("/v1/indicators", params=ask)).json()
        await seed(writer, now)  # stored behind the API's back: the same generation, so still served
        again = (await client.get("/v1/indicators", params=ask)).json()
        assert again == first and first["indicators"][0]["denominator"] == 0
        api_state.results.data_changed()  # what a flush does
        fresh = (await client.get("/v1/indicators", params=ask)).json()
        assert fresh["indicators"][0]["denominator"] == 10 and fresh["as_of"] >= first["as_of"]


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"period": "9999"}, "bad_period"),
        ({"period": "9999-Q4"}, "bad_period"),
        ({"period": "1999-12"}, "bad_period"),
    ],
)
async def test_periods_out_of_any_event_are_a_400(
    api: httpx.AsyncClient, params: dict[str, str], error: str
) -> None:
    response = await api.get("/v1/indicators", params=params)
    assert response.status_code == 400 and response.json()["error"] == error
    assert "between 2000 and 2099" in response.json()["detail"]


@pytest.mark.parametrize("within", ["500000w", "99999999999999999999d", "367d", "9" * 100 + "s"])
async def test_huge_horizons_are_a_400(api: httpx.AsyncClient, within: str) -> None:
    response = await api.get("/v1/due-soon", params={"within": within})
    assert response.status_code == 400 and response.json()["error"] == "bad_duration"


async def test_status_without_redis_is_a_503_with_the_reason(
    store: Store, plan: Plan, writer: Writer
) -> None:
    from tthc_contract.redis_client import connect

    gone = connect(f"redis://127.0.0.1:{free_port()}/0", retries=0, timeout_s=1)
    app = create_api(state(store, gone, plan, writer))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://m") as client:
        response = await client.get("/v1/status")
    assert response.status_code == 503 and response.json()["error"] == "redis_unavailable"
    await gone.aclose()


async def test_health_says_which_dependency_fails(
    store: Store, redis: aredis.Redis, plan: Plan, writer: Writer
) -> None:
    api_state = state(store, redis, plan, writer)
    app = create_api(api_state)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://m") as client:
        assert (await client.get("/health")).status_code == 200
        writer.stats.failing["clickhouse"] = (
            "Code: 243. Cannot reserve 1.00 MiB, not enough space (NOT_ENOUGH_SPACE)"
        )
        failing = await client.get("/health")
        assert failing.status_code == 503
        assert failing.json() == {
            "status": "unavailable",
            "clickhouse": "failing: Code: 243. Cannot reserve 1.00 MiB, not enough space (NOT_ENOUGH_SPACE)",
            "redis": "ok",
        }
        writer.stats.failing.clear()
        api_state.starting = "cannot apply the migrations: NOT_ENOUGH_SPACE"
        starting = (await client.get("/health")).json()
        assert starting["clickhouse"] == "starting: cannot apply the migrations: NOT_ENOUGH_SPACE"
