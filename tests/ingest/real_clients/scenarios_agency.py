"""Scenarios about who sent the record and how its text is written (expectations by hand, SPEC 9.1)."""

from __future__ import annotations

from .expectations import dead
from .scenario_kit import CHUNG_THUC, HKD, KHAI_SINH, VP, dossier, expect, scenario, t

_d21 = dossier(21, CHUNG_THUC, "TRUNG TÂM  DỊCH VỤ   tổng hợp", "4", t(16, 9), t(16, 16))
AGENCY_CASE_SPACES = scenario(
    "agency_case_spaces",
    "DonViXuLy is a unit's name in other case, with repeated spaces",
    _d21,
    opencps=expect(_d21, "dvth", "in_person"),
    huanvu=expect(_d21, "dvth", "in_person", citizen_data=True),
)

_d22 = dossier(22, HKD, "UBND xã Tân Lợi", "4", t(16, 10), t(19, 10))
AGENCY_UNKNOWN = scenario(
    "agency_unknown",
    "DonViXuLy names no unit of the plan",
    _d22,
    opencps=dead("DonViXuLy"),
    huanvu=dead("DonViXuLy"),
)

_d23 = dossier(23, HKD, None, "4", t(16, 14), t(19, 14))
AGENCY_MISSING = scenario(
    "agency_missing",
    'no agency name: OpenCPS sends "" (its envelope madonvi then applies), HuanVu sends null',
    _d23,
    opencps=expect(_d23, "hcc", "in_person"),
    huanvu=dead("DonViXuLy"),
)

_NOTE = 'Đăng ký khai sinh cho con "Bé Na"\n\tGhi chú: <b>gấp</b> – C:\\Hồ sơ\\2026\u2028hết'
_d26 = dossier(26, KHAI_SINH, VP, "4", t(18, 8), t(18, 16), applicant_name="Lê Thị Hồng Nhung", summary=_NOTE)
ESCAPING = scenario(
    "escaping",
    "quotes, a newline, a tab, </, backslashes, an en dash and U+2028 in the summary",
    _d26,
    opencps=expect(_d26, "vp", "in_person"),
    huanvu=expect(_d26, "vp", "in_person", citizen_data=True),
)

WHO_AND_TEXT = (AGENCY_CASE_SPACES, AGENCY_UNKNOWN, AGENCY_MISSING, ESCAPING)
