"""The QĐ 766 scorecard's catalogue (SPEC section 10): groups, items and their rules (pure).

The National Public Service Portal scores every unit on six groups, 100 points. Each item is
a rate turned into points by a rule (``linear``: max × rate; ``threshold X``: max × min(1,
rate / X)); a zero denominator scores the item's ``empty`` value. Where an item's numbers
come from is its ``basis``: the stored events, the procedure catalogue of the plan, or the
values the portal last published (``scorecard.published``). How each count is made from
the facts is defined once in the metrics store (the scorecard counts); this module names
them and turns them into points, exactly (rationals, half-up rounding to two decimals).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal

Basis = Literal["events", "catalogue", "published"]
Rule = Literal["linear", "threshold"]


@dataclass(frozen=True, slots=True)
class Item:
    code: str
    group: str
    name_vi: str
    max_points: int
    rule: Rule
    basis: Basis
    numerator: str = ""
    """The count (scorecard counts of the store, or catalogue counts) of the numerator."""
    denominator: str = ""
    threshold: Fraction | None = None
    full_when_empty: bool = False
    """A zero denominator scores the maximum (the portal's rule for feedback items)."""
    inferred: bool = False
    """The rule is inferred from the portal's answers rather than documented."""

    @property
    def rule_text(self) -> str:
        return self.rule if self.threshold is None else f"threshold {self.threshold_decimal}"

    @property
    def threshold_decimal(self) -> str:
        assert self.threshold is not None
        return str(Decimal(self.threshold.numerator) / Decimal(self.threshold.denominator))


@dataclass(frozen=True, slots=True)
class Group:
    code: str
    name_vi: str
    max_points: int


GROUPS: tuple[Group, ...] = (
    Group("CKMB", "Công khai, minh bạch", 18),
    Group("TDGQ", "Tiến độ giải quyết", 20),
    Group("CLGQ", "Dịch vụ công trực tuyến", 12),
    Group("TTTT", "Thanh toán trực tuyến", 10),
    Group("MDSH", "Số hóa hồ sơ", 22),
    Group("MDHL", "Mức độ hài lòng", 18),
)


def _t(numerator: int, denominator: int) -> Fraction:
    return Fraction(numerator, denominator)


ITEMS: tuple[Item, ...] = (
    Item("PUBLISH_ON_TIME", "CKMB", "Tỷ lệ thủ tục hành chính công bố đúng hạn", 6, "linear", "published"),
    Item(
        "PUBLIC_UPDATE_ON_TIME",
        "CKMB",
        "Tỷ lệ TTHC được cập nhật, công khai đúng hạn",
        4,
        "linear",
        "published",
    ),
    Item(
        "PUBLIC_CONTENT_FULL",
        "CKMB",
        "Tỷ lệ TTHC được công khai có đầy đủ các nội dung quy định",
        2,
        "linear",
        "published",
    ),
    Item(
        "DOSSIER_SYNC",
        "CKMB",
        "Tỷ lệ hồ sơ được đồng bộ trạng thái theo thời gian thực với Cổng DVCQG",
        6,
        "linear",
        "events",
        "synced",
        "cases",
    ),
    Item("ON_TIME", "TDGQ", "Tỷ lệ hồ sơ xử lý đúng hạn", 20, "linear", "events", "on_time", "cases"),
    Item(
        "ONLINE_PROCEDURES",
        "CLGQ",
        "Tỷ lệ TTHC cung cấp dịch vụ công trực tuyến",
        2,
        "threshold",
        "catalogue",
        "online_procedures",
        "procedures",
        _t(4, 5),
        inferred=True,
    ),
    Item(
        "ONLINE_SERVICES_USED",
        "CLGQ",
        "Tỷ lệ dịch vụ công trực tuyến có phát sinh hồ sơ",
        4,
        "linear",
        "catalogue",
        "online_procedures_used",
        "online_procedures",
        inferred=True,
    ),
    Item(
        "ONLINE_DOSSIERS",
        "CLGQ",
        "Tỷ lệ hồ sơ tiếp nhận trực tuyến",
        6,
        "threshold",
        "events",
        "online",
        "cases",
        _t(1, 2),
        inferred=True,
    ),
    Item(
        "PAID_ONLINE",
        "TTTT",
        "Tỷ lệ hồ sơ thanh toán trực tuyến",
        6,
        "linear",
        "events",
        "fee_paid_online",
        "fee_cases",
    ),
    Item(
        "PROCEDURES_PAID_ONLINE",
        "TTTT",
        "Tỷ lệ TTHC có giao dịch thanh toán trực tuyến",
        2,
        "threshold",
        "catalogue",
        "fee_procedures_paid",
        "fee_procedures",
        _t(4, 5),
    ),
    Item(
        "PROCEDURES_PAYMENT_INTEGRATED",
        "TTTT",
        "Tỷ lệ TTHC có nghĩa vụ tài chính được tích hợp thanh toán trên Cổng DVCQG",
        2,
        "threshold",
        "catalogue",
        "fee_procedures_integrated",
        "fee_procedures",
        _t(4, 5),
    ),
    Item(
        "ORIGINAL_RESULT_AVAILABLE",
        "MDSH",
        "Tỷ lệ hồ sơ TTHC có cấp kết quả giải quyết TTHC điện tử",
        6,
        "linear",
        "events",
        "e_result_any",
        "cases",
    ),
    Item(
        "SO_HOA_GIAY_TO_GIAI_QUYET",
        "MDSH",
        "Tỷ lệ hồ sơ TTHC thực hiện số hóa hồ sơ",
        4,
        "linear",
        "events",
        "digitized",
        "cases",
    ),
    Item(
        "ELECTRONIC_CERTIFIED_COPY",
        "MDSH",
        "Tỷ lệ cung cấp dịch vụ chứng thực bản sao điện tử từ bản chính",
        2,
        "linear",
        "published",
    ),
    Item(
        "REUSED_DIGITIZED_DATA",
        "MDSH",
        "Tỷ lệ hồ sơ khai thác, sử dụng lại thông tin, dữ liệu số hóa",
        2,
        "threshold",
        "events",
        "reused",
        "cases",
        _t(4, 5),
    ),
    Item(
        "SYNCED_WITH_DVCQG_PERSONAL_STORAGE",
        "MDSH",
        "Tỷ lệ hồ sơ TTHC được số hóa có kết nối, chia sẻ dữ liệu phục vụ tái sử dụng",
        4,
        "linear",
        "events",
        "personal_storage",
        "cases",
    ),
    Item(
        "CITIZEN_DATA_CONNECTED_DOSSIER",
        "MDSH",
        "Tỷ lệ hồ sơ TTHC có sử dụng thông tin, dữ liệu dân cư",
        2,
        "linear",
        "events",
        "citizen_data",
        "cases",
    ),
    Item(
        "CITIZEN_DATA_CONNECTED_FORMALITY",
        "MDSH",
        "Tỷ lệ TTHC triển khai kết nối, chia sẻ dữ liệu dân cư phục vụ giải quyết TTHC",
        2,
        "linear",
        "catalogue",
        "citizen_procedures_used",
        "citizen_procedures",
    ),
    Item(
        "PETITION_PROCESSING_ON_TIME",
        "MDHL",
        "Tỷ lệ phản ánh, kiến nghị xử lý đúng hạn",
        6,
        "linear",
        "events",
        "feedback_on_time",
        "feedback",
        full_when_empty=True,
    ),
    Item(
        "PETITION_HANDLING_SATISFACTION",
        "MDHL",
        "Tỷ lệ hài lòng trong xử lý phản ánh, kiến nghị",
        6,
        "linear",
        "events",
        "feedback_satisfied",
        "feedback",
        full_when_empty=True,
    ),
    Item(
        "DOSSIER_RECEIVING_SATISFACTION",
        "MDHL",
        "Tỷ lệ hài lòng trong tiếp nhận, giải quyết TTHC",
        6,
        "threshold",
        "events",
        "satisfied",
        "cases",
        _t(9, 10),
    ),
)

CASE_COUNTS_766: dict[str, str] = {
    "fee_cases": "sum(is_fee)",
    "fee_paid_online": "sum(is_fee_paid_online)",
    "e_result_any": "sum(has_e_result_any)",
    "personal_storage": "sum(is_personal_storage)",
    "citizen_data": "sum(is_citizen_data)",
}
"""Counts the scorecard adds to the indicators' (``indicators.CASE_COUNTS``), over ``case_status``."""
FEEDBACK_COUNTS_766: dict[str, str] = {"feedback_satisfied": "sum(is_satisfied)"}
"""On time and no unsatisfied rating (``feedback_status``)."""
PROCEDURE_SETS: dict[str, str] = {
    "procedures_online": "is_online",
    "procedures_fee_paid": "is_fee_paid_online",
    "procedures_citizen": "is_citizen_data",
}
"""The distinct procedures with at least one case of the flag: online (ONLINE_SERVICES_USED), with
a fee paid online (PROCEDURES_PAID_ONLINE), with population data (CITIZEN_DATA_CONNECTED_FORMALITY)."""

BY_CODE: dict[str, Item] = {i.code: i for i in ITEMS}
GROUP_BY_CODE: dict[str, Group] = {g.code: g for g in GROUPS}
PUBLISHED_ITEMS: tuple[str, ...] = tuple(i.code for i in ITEMS if i.basis == "published")
TOTAL_MAX = sum(g.max_points for g in GROUPS)

assert TOTAL_MAX == 100, "six groups, 100 points"
assert all(sum(i.max_points for i in ITEMS if i.group == g.code) == g.max_points for g in GROUPS)
assert [g.code for g in GROUPS] == list(dict.fromkeys(i.group for i in ITEMS)), "items in group order"


def points(item: Item, numerator: int, denominator: int) -> Fraction:
    """The item's exact points for ``numerator / denominator`` (SPEC section 10)."""
    if denominator == 0:
        return Fraction(item.max_points) if item.full_when_empty else Fraction(0)
    rate = Fraction(numerator, denominator)
    if item.threshold is not None:
        rate = min(Fraction(1), rate / item.threshold)
    return item.max_points * rate


def half_up(value: Fraction, places: int) -> Decimal:
    """``value`` rounded half up (away from zero on a tie) to ``places`` decimals, exactly."""
    scale = 10**places
    scaled = abs(value) * scale
    whole = math.floor(scaled + Fraction(1, 2))
    return Decimal(whole if value >= 0 else -whole).scaleb(-places)


def rounded(value: Fraction) -> float:
    """Points as reported: half up to two decimals (2.345 → 2.35), from the exact value."""
    return float(half_up(value, 2))


def rate4(numerator: int, denominator: int) -> float | None:
    """The rate as shown: four decimals, half up; ``None`` with a zero denominator."""
    if denominator == 0:
        return None
    return float(half_up(Fraction(numerator, denominator), 4))
