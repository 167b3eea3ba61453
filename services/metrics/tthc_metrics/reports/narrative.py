"""A short account, in Vietnamese, of what changed since the previous period (pure).

It says how many dossiers were received, which targets the unit meets and misses and what
is still needed, how each indicator moved since the previous period, and which units below
did best and worst. Numbers are written as Vietnamese readers write them.
"""

from __future__ import annotations

from tthc_contract.indicators import BY_CODE
from tthc_contract.report_bodies import Bieu06, EvaluatedUnit, Evaluation, IndicatorResult, PlanReport
from tthc_contract.vietnamese import number, percent

NOUNS = {
    "cases": "hồ sơ",
    "payments": "giao dịch thanh toán",
    "result_cases": "hồ sơ có kết quả",
    "feedback": "phản ánh, kiến nghị",
}
NAMED = 7
"""A rating names all its units up to this many, else the first five (a province has 150 communes)."""
STEADY = 0.05
"""Percentage points: a move smaller than what one decimal shows is "unchanged"."""


def narrative(
    current: PlanReport, previous: PlanReport | None, bieu06: Bieu06, evaluation: Evaluation
) -> list[str]:
    """Paragraphs about the report's unit (the first unit of the plan report)."""
    own = current.units[0]
    lines = [_volume(bieu06)]
    lines.append(_targets(own.indicators))
    if previous is not None:
        moves = _moves(own.indicators, previous.units[0].indicators)
        lines.append(
            "So với kỳ trước: " + "; ".join(moves) + "." if moves else "Chưa có số liệu kỳ trước để so sánh."
        )
    if evaluation.units:
        lines.append(_ranking(evaluation.units))
    return lines


def _volume(bieu06: Bieu06) -> str:
    total = bieu06.total
    late = total.resolved_late + total.pending_late
    return (
        f"Trong kỳ tiếp nhận {number(total.received_online + total.received_offline)} hồ sơ "
        f"({number(total.received_online)} hồ sơ trực tuyến), từ kỳ trước chuyển sang {number(total.carried_over)} hồ sơ; "
        f"đã giải quyết {number(total.resolved_total)} hồ sơ, đang giải quyết {number(total.pending_total)} hồ sơ; "
        f"{number(late)} hồ sơ quá hạn."
    )


def _targets(items: list[IndicatorResult]) -> str:
    met = [BY_CODE[i.code].name_vi for i in items if i.met is True]
    missed = [i for i in items if i.met is False]
    parts = []
    if met:
        parts.append(f"Đạt {len(met)} chỉ tiêu: " + ", ".join(met) + ".")
    for item in missed:
        noun = NOUNS.get(BY_CODE[item.code].denominator, "hồ sơ")
        assert item.value is not None and item.target is not None
        parts.append(
            f"Chưa đạt {BY_CODE[item.code].name_vi}: {percent(item.value)} so với chỉ tiêu {percent(item.target)}, "
            f"còn thiếu {number(item.shortfall or 0)} {noun}."
        )
    if not met and not missed:
        return "Chưa có đủ số liệu để đánh giá các chỉ tiêu."
    return " ".join(parts)


def _moves(now: list[IndicatorResult], before: list[IndicatorResult]) -> list[str]:
    moves = []
    for item, old in zip(now, before, strict=True):
        if item.value is None or old.value is None:
            continue
        name = BY_CODE[item.code].name_vi[0].lower() + BY_CODE[item.code].name_vi[1:]
        change = item.value - old.value
        if abs(change) < STEADY:
            moves.append(f"{name} giữ ở {percent(item.value)}")
        else:
            way, to = ("tăng", "lên") if change > 0 else ("giảm", "xuống")
            points = percent(abs(change)).removesuffix("%")
            moves.append(
                f"{name} {way} từ {percent(old.value)} {to} {percent(item.value)} ({way} {points} điểm %)"
            )
    return moves


def _ranking(units: list[EvaluatedUnit]) -> str:
    """The units below, grouped by rating in the order of the bands (best first)."""
    rated = [u for u in units if u.score is not None]
    if not rated:
        return "Các đơn vị trực thuộc chưa đủ số liệu để đánh giá, xếp loại."
    groups: dict[str, list[str]] = {}
    for unit in rated:  # already in rank order
        groups.setdefault(unit.rating, []).append(unit.name)
    parts = [f"{len(names)} đơn vị {rating.lower()} ({_some(names)})" for rating, names in groups.items()]
    waiting = len(units) - len(rated)
    tail = f"; {waiting} đơn vị chưa đủ số liệu để đánh giá" if waiting else ""
    return "Xếp loại: " + "; ".join(parts) + tail + "."


def _some(names: list[str]) -> str:
    if len(names) <= NAMED:
        return ", ".join(names)
    return ", ".join(names[:5]) + f" và {len(names) - 5} đơn vị khác"
