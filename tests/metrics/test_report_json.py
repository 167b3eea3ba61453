"""The JSON of the reports is exactly SPEC section 8's: the keys in its order and nothing more
(no field that only the documents use), and the monthly report holds each part as it is
answered alone."""

from __future__ import annotations

import httpx

from tthc_contract.plan import NOT_RATED
from tthc_metrics.reports.figures import KEYS

from .test_report_files import MARCH, api  # noqa: F401 - api: the fixture


async def test_json_reports_in_the_spec_shape(api: httpx.AsyncClient) -> None:  # noqa: F811
    """Exactly the keys of SPEC section 8, in its order, and nothing more (no renderer's field)."""
    bieu = (await api.get("/v1/reports/bieu-06", params=MARCH)).json()
    assert list(bieu) == ["unit", "from", "to", "as_of", "rows", "total"] and list(bieu["total"]) == list(
        KEYS
    )
    assert all(list(row) == ["field", *KEYS] for row in bieu["rows"])
    plan_body = (await api.get("/v1/reports/plan", params=MARCH)).json()
    assert list(plan_body) == ["unit", "from", "to", "as_of", "units"]
    assert all(list(unit) == ["unit", "name", "indicators"] for unit in plan_body["units"])
    indicator_keys = ["code", "numerator", "denominator", "value", "target", "met", "shortfall"]
    assert all(list(i) == indicator_keys for unit in plan_body["units"] for i in unit["indicators"])
    evaluation = (await api.get("/v1/reports/evaluation", params=MARCH)).json()
    assert list(evaluation) == ["unit", "from", "to", "as_of", "units"]
    assert all(
        list(u) == ["rank", "unit", "name", "met", "judged", "score", "rating"] for u in evaluation["units"]
    )
    unjudged = [u for u in evaluation["units"] if u["judged"] == 0]
    assert unjudged and all(u["score"] is None and u["rating"] == NOT_RATED for u in unjudged)
    assert (bieu["from"], bieu["to"], bieu["unit"]) == ("2026-02-15", "2026-03-14", "dong-phu")
    dates = (await api.get("/v1/reports/bieu-06", params={"from": "2026-03-01", "to": "2026-03-05"})).json()
    assert (dates["from"], dates["to"]) == ("2026-03-01", "2026-03-05")


async def test_the_monthly_json_holds_each_part_as_answered_alone(api: httpx.AsyncClient) -> None:  # noqa: F811
    monthly = (await api.get("/v1/reports/monthly", params=MARCH)).json()
    assert list(monthly) == [
        "unit",
        "period",
        "label",
        "plan",
        "bieu06",
        "evaluation",
        "scorecard",
        "narrative",
    ]
    assert (monthly["unit"], monthly["period"]) == ("dong-phu", "2026-03/ky")
    for stem, name in (("plan", "plan"), ("bieu-06", "bieu06"), ("evaluation", "evaluation")):
        alone = (await api.get(f"/v1/reports/{stem}", params=MARCH)).json()
        assert {**alone, "as_of": None} == {**monthly[name], "as_of": None}, stem
    scorecard = (await api.get("/v1/reports/scorecard", params=MARCH)).json()
    assert (scorecard["period"], scorecard["label"]) == ("2026-03", "tháng 03/2026"), "a kỳ: its month"
    direct = (await api.get("/v1/scorecard", params={"period": "2026-03"})).json()
    assert {**scorecard["scorecard"], "as_of": None, "judged_at": None} == {
        **direct,
        "as_of": None,
        "judged_at": None,
    }
    assert [u["unit"] for u in scorecard["ranking"]["units"]] == [
        u["unit"]
        for u in (await api.get("/v1/scorecard/ranking", params={"period": "2026-03"})).json()["units"]
    ]
    assert monthly["narrative"] and all(isinstance(p, str) for p in monthly["narrative"])
