"""The evaluation of units and the plan report's shortfalls (SPEC section 8), from counts (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import yaml

from tthc_contract.plan import NOT_RATED, Plan, parse_plan
from tthc_contract.report_bodies import BIEU06_KEYS
from tthc_contract.report_periods import parse_report_period
from tthc_metrics.reports import model
from tthc_metrics.reports.narrative import narrative

from ..conftest import PLAN_PATH
from .province import province_plan

NOW = datetime(2026, 4, 1, tzinfo=UTC)


def plan_with(**changes: Any) -> Plan:
    data = yaml.safe_load(PLAN_PATH.read_text(encoding="utf-8"))
    data.update(changes)
    return parse_plan(data)


PLAN = plan_with()
REPORT = parse_report_period("2026-03/ky", 14)


def counts(cases: int, **good: int) -> dict[str, int]:
    """``cases`` cases, every count good unless given; no payments, no feedback."""
    base = dict.fromkeys(("online", "digitized", "synced", "reused", "satisfied", "on_time"), cases)
    return {
        "cases": cases,
        "result_cases": 0,
        "e_results": 0,
        "payments": 0,
        "portal_payments": 0,
        "feedback": 0,
        "feedback_on_time": 0,
        **base,
        **good,
    }


def units(body: dict[str, Any]) -> list[tuple[int, str, int, int, float | None, str]]:
    return [(u["rank"], u["unit"], u["met"], u["judged"], u["score"], u["rating"]) for u in body["units"]]


def test_ranked_by_share_then_closeness_then_code() -> None:
    by_unit = {
        # Five indicators judged (no payments, results or feedback): online, digitization,
        # sync, data reuse, satisfaction.
        "hcc": counts(100, online=80),  # 4/5 met, online 0.8/0.9
        "vp": counts(100, online=85),  # 4/5 met, closer to the target: ranks above hcc
        "kt": counts(100),  # 5/5
        "vhxh": counts(100, online=85),  # the same as vp: vhxh before vp by code
        "dvth": counts(100, online=50, digitized=50, synced=50),  # 2/5
        "vpdkdd": counts(9),  # 9 cases: fewer than min_cases, nothing judged
    }
    body = model.evaluation(PLAN, "dong-phu", REPORT, NOW, by_unit).to_json()
    assert units(body) == [
        (1, "kt", 5, 5, 1.0, "Hoàn thành xuất sắc nhiệm vụ"),
        (2, "vhxh", 4, 5, 0.8, "Hoàn thành tốt nhiệm vụ"),
        (3, "vp", 4, 5, 0.8, "Hoàn thành tốt nhiệm vụ"),
        (4, "hcc", 4, 5, 0.8, "Hoàn thành tốt nhiệm vụ"),
        (5, "dvth", 2, 5, 0.4, "Không hoàn thành nhiệm vụ"),
        (6, "thue10", 0, 0, None, NOT_RATED),
        (7, "vpdkdd", 0, 0, None, NOT_RATED),
    ]
    assert body["from"] == "2026-02-15" and body["to"] == "2026-03-14"


def test_custom_bands() -> None:
    bands = {
        "period_end_day": 20,
        "ratings": [{"min_share": 0.9, "rating": "Tốt"}, {"min_share": 0.0, "rating": "Cần cố gắng"}],
    }
    plan = plan_with(reports=bands)
    body = model.evaluation(
        plan, "dong-phu", REPORT, NOW, {"kt": counts(20), "hcc": counts(20, online=0)}
    ).to_json()
    assert [(u["unit"], u["rating"]) for u in body["units"][:2]] == [("kt", "Tốt"), ("hcc", "Cần cố gắng")]


def test_shortfall_is_what_the_target_still_needs() -> None:
    plan_body = model.plan_report(PLAN, "kt", REPORT, NOW, {"kt": counts(123, online=98)}).to_json()
    online = plan_body["units"][0]["indicators"][0]
    assert (online["code"], online["met"], online["shortfall"]) == (
        "online_rate",
        False,
        13,
    )  # ⌈0.9 × 123⌉ − 98
    met = plan_body["units"][0]["indicators"][2]
    assert met["met"] is True and met["shortfall"] == 0
    nothing = plan_body["units"][0]["indicators"][1]  # no payments: nothing judged
    assert nothing["met"] is None and nothing["shortfall"] is None
    assert [u["unit"] for u in model.plan_report(PLAN, "dong-phu", REPORT, NOW, {}).to_json()["units"]] == [
        "dong-phu", "hcc", "vp", "kt", "vhxh", "dvth", "vpdkdd", "thue10",
    ]  # fmt: skip


def test_the_narrative_says_what_changed_in_vietnamese() -> None:
    before = model.plan_report(PLAN, "kt", REPORT, NOW, {"kt": counts(100, online=85)})
    now = model.plan_report(PLAN, "kt", REPORT, NOW, {"kt": counts(123, online=98)})
    row = {"field": "Hộ tịch", **dict.fromkeys(BIEU06_KEYS, 0), "received_online": 98, "received_offline": 25}
    bieu06 = model.bieu06("kt", REPORT, NOW, [row])
    ranking = model.evaluation(PLAN, "dong-phu", REPORT, NOW, {"kt": counts(20)})
    text = " ".join(narrative(now, before, bieu06, ranking))
    assert "Trong kỳ tiếp nhận 123 hồ sơ (98 hồ sơ trực tuyến)" in text
    assert "Chưa đạt Tỷ lệ hồ sơ trực tuyến: 79,7% so với chỉ tiêu 90%, còn thiếu 13 hồ sơ." in text
    assert "tỷ lệ hồ sơ trực tuyến giảm từ 85% xuống 79,7% (giảm 5,3 điểm %)" in text
    assert "Xếp loại: 1 đơn vị hoàn thành xuất sắc nhiệm vụ (Phòng Kinh tế); 6 đơn vị chưa đủ số liệu" in text


def test_the_narrative_of_a_province_names_five_units_of_a_rating_and_counts_the_rest() -> None:
    plan = province_plan(30)
    by_unit = {code: counts(100) for code in plan.children[plan.root][:12]}  # twelve meet every target
    ranking = model.evaluation(plan, plan.root, REPORT, NOW, by_unit)
    current = model.plan_report(plan, plan.root, REPORT, NOW, by_unit)
    bieu06 = model.bieu06(plan.root, REPORT, NOW, [])
    text = " ".join(narrative(current, None, bieu06, ranking))
    named = ", ".join(plan.names[code] for code in sorted(plan.children[plan.root][:12])[:5])
    assert f"12 đơn vị hoàn thành xuất sắc nhiệm vụ ({named} và 7 đơn vị khác)" in text
    assert "18 đơn vị chưa đủ số liệu để đánh giá" in text
