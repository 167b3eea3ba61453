"""What the report files say, in Vietnamese: the columns of Biểu 06 and of the other parts,
and how a value is written in a cell (pure). One place for every renderer."""

from __future__ import annotations

import re
from typing import Any

from tthc_contract.indicators import BY_CODE
from tthc_contract.vietnamese import number, percent

from .model import OTHER_FIELD

BIEU06_TITLE = "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
BIEU06_FORM = "Biểu số 06/VPCP/KSTT"
BIEU06_UNIT = "Đơn vị tính: Số hồ sơ TTHC"
BIEU06_GROUPS = (
    ("STT", 1),
    ("Lĩnh vực, công việc giải quyết theo cấp", 1),
    ("Số hồ sơ nhận giải quyết", 4),
    ("Số hồ sơ đã giải quyết", 4),
    ("Số hồ sơ đang giải quyết", 3),
)
"""The first header row: each group and the columns it spans (STT and Lĩnh vực span two rows)."""
BIEU06_COLUMNS = (
    "Tổng số",
    "Trong kỳ: Trực tuyến",
    "Trong kỳ: Trực tiếp, dịch vụ bưu chính",
    "Từ kỳ trước",
    "Tổng số",
    "Trước hạn",
    "Đúng hạn",
    "Quá hạn",
    "Tổng số",
    "Trong hạn",
    "Quá hạn",
)
"""The second header row, columns (3) to (13), in the order of ``figures.KEYS``."""
COLUMN_NUMBERS = tuple(f"({n})" for n in range(1, 14))
TOTAL_ROW = "Tổng cộng"

PLAN_TITLE = "KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU CỦA KẾ HOẠCH"
PLAN_COLUMNS = (
    "STT",
    "Đơn vị",
    "Chỉ tiêu",
    "Kết quả",
    "Đạt",
    "Tổng",
    "Chỉ tiêu giao",
    "Đánh giá",
    "Còn thiếu",
)
EVALUATION_TITLE = "ĐÁNH GIÁ, XẾP LOẠI CÁC ĐƠN VỊ"
EVALUATION_COLUMNS = ("Xếp hạng", "Đơn vị", "Chỉ tiêu đạt", "Chỉ tiêu được đánh giá", "Tỷ lệ đạt", "Xếp loại")
NO_DATA = "Chưa có số liệu"
MISSED_BY_UNIT = "Các chỉ tiêu chưa đạt, theo từng đơn vị:"
NONE_MISSED = "Các đơn vị trực thuộc đạt mọi chỉ tiêu đã đủ số liệu."
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
RECIPIENTS = ("- Chủ tịch, các Phó Chủ tịch UBND;", "- Các phòng, đơn vị trực thuộc;", "- Lưu: VT, HCC.")
_ADMINISTRATIVE = re.compile(
    r"^(UBND|Ủy ban nhân dân|Uỷ ban nhân dân)\s+(xã|phường|thị trấn|huyện|quận|thị xã|thành phố|tỉnh)\s+",
    re.I,
)


def place(org_name: str, given: str | None) -> str:
    """Where the report is signed (the place-and-date line): the plan's ``reports.place``, or
    the place in the issuing body's name («UBND xã Đồng Phú» → «Đồng Phú»)."""
    return given or _ADMINISTRATIVE.sub("", org_name).strip() or org_name


def opening(org_name: str, unit_name: str, label: str) -> str:
    return (
        f"Thực hiện Kế hoạch triển khai nhiệm vụ, chỉ tiêu cải cách thủ tục hành chính của {org_name}, "
        f"Trung tâm Phục vụ hành chính công tổng hợp, báo cáo kết quả thực hiện {label} "
        f"của {unit_name} như sau (số liệu lấy tự động từ hệ thống theo dõi chỉ tiêu theo thời gian thực):"
    )


def field_name(field: str) -> str:
    return field or OTHER_FIELD


def indicator_name(code: str) -> str:
    return BY_CODE[code].name_vi


def verdict(item: dict[str, Any]) -> str:
    if item["met"] is None:
        return "Không giao chỉ tiêu" if item["target"] is None else NO_DATA
    return "Đạt" if item["met"] else "Chưa đạt"


def value_text(value: float | None) -> str:
    return percent(value) if value is not None else NO_DATA


def target_text(target: float | None) -> str:
    return percent(target) if target is not None else "—"


def shortfall_text(item: dict[str, Any]) -> str:
    return number(item["shortfall"]) if item["met"] is False else ""


def plan_rows(plan_body: dict[str, Any]) -> list[dict[str, Any]]:
    """The plan report flattened: a row per unit and indicator."""
    rows = []
    for unit in plan_body["units"]:
        for item in unit["indicators"]:
            rows.append({"unit": unit["name"], **item, "name": indicator_name(item["code"])})
    return rows


def missed_rows(plan_body: dict[str, Any]) -> list[dict[str, Any]]:
    """The targets the units below the report's unit still miss."""
    return [r for r in plan_rows({"units": plan_body["units"][1:]}) if r["met"] is False]


def own_rows(plan_body: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's own unit's indicators."""
    return plan_rows({"units": plan_body["units"][:1]})
