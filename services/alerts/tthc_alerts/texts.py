"""What people read: Vietnamese annotations of alerts (pure).

Numbers are written the Vietnamese way: «79,7%», «1.234». Names of units come from the
plan, names of indicators from the catalogue of SPEC section 4.
"""

from __future__ import annotations

import math
from datetime import datetime
from fractions import Fraction

from tthc_contract.indicators import BY_CODE
from tthc_contract.periods import parse_period
from tthc_contract.vietnamese import moment, number, percent

from .evaluator import Alert

# What a count counts, to say "còn thiếu 3 hồ sơ".
NOUNS = {
    "cases": "hồ sơ",
    "payments": "giao dịch thanh toán",
    "result_cases": "hồ sơ có kết quả",
    "feedback": "phản ánh, kiến nghị",
}


when = moment


def summary(alert: Alert, unit_name: str) -> str:
    indicator = BY_CODE[alert.indicator]
    period = parse_period(alert.period).label_vi
    value = percent(alert.value) if alert.value is not None else "chưa có số liệu"
    target = percent(alert.target) if alert.target is not None else "—"
    counts = f"({number(alert.numerator)}/{number(alert.denominator)})"
    if alert.status == "resolved":
        return f"{unit_name}: {indicator.name_vi} {period} đã đạt {value} {counts}, không còn thấp hơn chỉ tiêu {target}"
    return f"{unit_name}: {indicator.name_vi} {period} đạt {value} {counts}, thấp hơn chỉ tiêu {target}"


def description(alert: Alert) -> str:
    """What it takes to be back on target, in the indicator's own units."""
    indicator = BY_CODE[alert.indicator]
    noun = NOUNS.get(indicator.denominator, "hồ sơ")
    if alert.target is None or not alert.denominator:
        return ""
    needed = math.ceil(Fraction(str(alert.target)) * alert.denominator)
    missing = max(0, needed - alert.numerator)
    return (
        f"Chỉ tiêu {percent(alert.target)} cần {number(needed)}/{number(alert.denominator)} {noun} đạt yêu cầu; "
        f"hiện có {number(alert.numerator)}, còn thiếu {number(missing)}."
    )


def due_soon_summary(unit_name: str, items: list[dict[str, str]], within_h: float) -> str:
    count = len(items)
    kinds = {i["kind"] for i in items}
    noun = (
        "phản ánh, kiến nghị"
        if kinds == {"feedback"}
        else ("hồ sơ" if kinds == {"case"} else "hồ sơ, phản ánh")
    )
    return f"{unit_name}: {count} {noun} sắp đến hạn xử lý trong {within_h:g} giờ tới"


def due_soon_description(items: list[dict[str, str]]) -> str:
    lines = []
    for item in items:
        kind = "Phản ánh, kiến nghị" if item["kind"] == "feedback" else "Hồ sơ"
        lines.append(f"- {kind} {item['code']}: hạn {when(datetime.fromisoformat(item['due']))}")
    return "Cần xử lý trước hạn:\n" + "\n".join(lines)
