"""The indicator catalogue of SPEC section 4: codes, Vietnamese names, default targets.

Each indicator is a ratio of two counts. What makes a case count (online? late?) is
defined once, per case, in the ClickHouse views ``case_status(at)`` and
``feedback_status(at)`` (metrics migrations); how each count adds those flags up is
defined here. The metrics API, the snapshots and the Grafana panels all build their
SQL from these two places.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True, slots=True)
class Indicator:
    code: str
    name_vi: str
    numerator: str
    denominator: str
    default_target: float | None


INDICATORS: tuple[Indicator, ...] = (
    Indicator("online_rate", "Tỷ lệ hồ sơ trực tuyến", "online", "cases", 0.90),
    Indicator(
        "online_payment_rate",
        "Tỷ lệ thanh toán trực tuyến trên Cổng DVCQG",
        "portal_payments",
        "payments",
        0.80,
    ),
    Indicator("digitization_rate", "Tỷ lệ số hóa hồ sơ, kết quả", "digitized", "cases", 0.95),
    Indicator("sync_rate", "Tỷ lệ đồng bộ lên Cổng DVCQG", "synced", "cases", 1.00),
    Indicator("e_result_rate", "Tỷ lệ cấp kết quả điện tử", "e_results", "result_cases", 1.00),
    Indicator(
        "data_reuse_rate",
        "Tỷ lệ khai thác, sử dụng lại dữ liệu số hóa",
        "reused",
        "cases",
        0.90,
    ),
    Indicator(
        "feedback_on_time_rate",
        "Tỷ lệ xử lý phản ánh, kiến nghị đúng hạn",
        "feedback_on_time",
        "feedback",
        1.00,
    ),
    Indicator("satisfaction_rate", "Mức độ hài lòng", "satisfied", "cases", 0.95),
    Indicator("on_time_rate", "Tỷ lệ hồ sơ giải quyết đúng hạn", "on_time", "cases", None),
)

BY_CODE: dict[str, Indicator] = {i.code: i for i in INDICATORS}
CODES: tuple[str, ...] = tuple(i.code for i in INDICATORS)

COUNT_COLUMNS: tuple[str, ...] = tuple(
    dict.fromkeys(c for i in INDICATORS for c in (i.denominator, i.numerator))
)
"""Every count column the indicators read, each once, in catalogue order."""


CASE_COUNTS: dict[str, str] = {
    "cases": "count()",
    "online": "sum(is_online)",
    "payments": "sum(payment_count)",
    "portal_payments": "sum(portal_payment_count)",
    "digitized": "sum(is_digitized)",
    "synced": "sum(is_synced)",
    "result_cases": "sum(is_result_case)",
    "e_results": "sum(has_e_result)",
    "reused": "sum(is_reused)",
    "satisfied": "sum(is_satisfied)",
    "on_time": "sum(is_on_time)",
}
"""Counts over ``case_status(at)``: one row per received case."""

FEEDBACK_COUNTS: dict[str, str] = {
    "feedback": "count()",
    "feedback_on_time": "sum(is_on_time)",
}
"""Counts over ``feedback_status(at)``: one row per received feedback item."""

assert set(CASE_COUNTS) | set(FEEDBACK_COUNTS) == set(COUNT_COLUMNS), "every count has one SQL definition"


def target_met(numerator: int, denominator: int, target: float | None) -> bool | None:
    """``numerator >= target × denominator``, exactly (9 of 10 meets 0.90).

    The target is read as the decimal the plan wrote (0.9 is 9/10, not the nearest
    binary float), so the comparison has no rounding error. ``None`` when nothing
    is judged: no target, or an empty denominator.
    """
    if target is None or denominator == 0:
        return None
    exact = as_written(target)
    return numerator * exact.denominator >= exact.numerator * denominator


@functools.lru_cache(maxsize=1024)
def as_written(target: float) -> Fraction:
    """The decimal the plan wrote, exactly (a plan has a few dozen distinct targets; the
    evaluator and a province's reports judge thousands of units against them)."""
    return Fraction(str(target))


def ratio(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else numerator / denominator
