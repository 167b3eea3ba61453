"""What every report file says, in Vietnamese: the masthead, the opening, and how a value is
written in a cell (pure). The words of one part live in its module (``parts/``)."""

from __future__ import annotations

import re

from tthc_contract.indicators import BY_CODE
from tthc_contract.report_bodies import IndicatorResult
from tthc_contract.vietnamese import number, percent

NO_DATA = "Chưa có số liệu"
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
RECIPIENTS = ("- Chủ tịch, các Phó Chủ tịch UBND;", "- Các phòng, đơn vị trực thuộc;", "- Lưu: VT, HCC.")
TOTAL_ROW = "Tổng cộng"
NARRATIVE_TITLE = "Nhận xét"
ANNEX = "PHỤ LỤC"
_ADMINISTRATIVE = re.compile(
    r"^(UBND|Ủy ban nhân dân|Uỷ ban nhân dân)\s+(xã|phường|thị trấn|huyện|quận|thị xã|thành phố|tỉnh)\s+",
    re.I,
)
_PEOPLES_COMMITTEE = re.compile(r"^(UBND|Ủy ban nhân dân|Uỷ ban nhân dân)\s+", re.I)


def place(org_name: str, given: str | None) -> str:
    """Where the report is signed (the place-and-date line): the plan's ``reports.place``, or
    the place in the issuing body's name («UBND xã Đồng Phú» → «Đồng Phú»)."""
    return given or _ADMINISTRATIVE.sub("", org_name).strip() or org_name


def short_name(name: str) -> str:
    """A unit's name in a crowded table: «UBND xã Tân Lập» → «Xã Tân Lập»."""
    rest = _PEOPLES_COMMITTEE.sub("", name).strip()
    return rest[:1].upper() + rest[1:] if rest else name


def opening(org_name: str, unit_name: str, label: str) -> str:
    return (
        f"Thực hiện Kế hoạch triển khai nhiệm vụ, chỉ tiêu cải cách thủ tục hành chính của {org_name}, "
        f"Trung tâm Phục vụ hành chính công tổng hợp, báo cáo kết quả thực hiện {label} "
        f"của {unit_name} như sau (số liệu lấy tự động từ hệ thống theo dõi chỉ tiêu theo thời gian thực):"
    )


def annex_reference(org_name: str) -> str:
    return f"(Kèm theo Báo cáo số       /BC-UBND ngày      tháng      năm       của {org_name})"


def indicator_name(code: str) -> str:
    return BY_CODE[code].name_vi


def verdict(item: IndicatorResult) -> str:
    if item.met is None:
        return "Không giao chỉ tiêu" if item.target is None else NO_DATA
    return "Đạt" if item.met else "Chưa đạt"


def value_text(value: float | None) -> str:
    return percent(value) if value is not None else NO_DATA


def target_text(target: float | None) -> str:
    return percent(target) if target is not None else "—"


def shortfall_text(item: IndicatorResult) -> str:
    return number(item.shortfall or 0) if item.met is False else ""


def ratio_text(item: IndicatorResult) -> str:
    return f"{number(item.numerator)}/{number(item.denominator)}"


def points_text(points: float | None) -> str:
    """Points as the portal writes them: «71,23», «6», «—» when unknown."""
    if points is None:
        return "—"
    text = f"{points:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")
