"""The indicator catalogue of SPEC section 4: codes, Vietnamese names, default targets.

Each indicator is a ratio of two counts. The counts are columns of the ClickHouse
view ``unit_month_counts`` (metrics migrations); this catalogue names which column is
the numerator and which the denominator, so the metrics API, the alert texts and the
Grafana panels all read one definition.
"""

from __future__ import annotations

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


def target_met(numerator: int, denominator: int, target: float | None) -> bool | None:
    """``numerator >= target × denominator``, exactly (9 of 10 meets 0.90).

    The target is read as the decimal the plan wrote (0.9 is 9/10, not the nearest
    binary float), so the comparison has no rounding error. ``None`` when nothing
    is judged: no target, or an empty denominator.
    """
    if target is None or denominator == 0:
        return None
    return numerator >= Fraction(str(target)) * denominator


def ratio(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else numerator / denominator
