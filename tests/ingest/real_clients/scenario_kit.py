"""Building blocks of the scenarios: the procedures, a dossier with defaults, a hand-written case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .dossiers import Document, Dossier, Step
from .expectations import PORTAL_AGENCY_CODE, UNIT_NAMES, Expected, ExpectedCase, case

Procedure = tuple[str, str, str, str]  # MaTTHC, TenTTHC, MaLinhVuc, TenLinhVuc (illustrative)
HKD: Procedure = (
    "1.001612",
    "Đăng ký thành lập hộ kinh doanh",
    "G09-KH01",
    "Thành lập và hoạt động của hộ kinh doanh",
)
KHAI_SINH: Procedure = ("1.001193", "Đăng ký khai sinh", "G09-TP03", "Hộ tịch")
CHUNG_THUC: Procedure = (
    "2.000815",
    "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
    "G09-TP01",
    "Chứng thực",
)
DAT_DAI: Procedure = (
    "2.000889",
    "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
    "G09-TN01",
    "Đất đai",
)
TRO_CAP: Procedure = (
    "1.001776",
    "Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hằng tháng",
    "G09-LD02",
    "Bảo trợ xã hội",
)

KT, VP, HCC, VHXH, VPDKDD = (UNIT_NAMES[u] for u in ("kt", "vp", "hcc", "vhxh", "vpdkdd"))
PORTAL_ID = "f3b1e6a2-93c4-4d0e-b8a7-5c2d9e1f0a34"  # the owner's DVCQG account (MaDoiTuong)
CCCD = "079203001234"


@dataclass(frozen=True)
class Scenario:
    name: str
    about: str
    dossier: Dossier
    expected: dict[str, Expected]  # by client: "opencps", "huanvu"
    exists: bool = False  # the portal already holds it: OpenCPS isUpdating "True", HuanVu also URLCapNhat


def t(day: int, hour: int, minute: int = 0) -> datetime:
    """A local time in March 2026 (the 2nd is a Monday)."""
    return datetime(2026, 3, day, hour, minute)


def dossier(
    n: int,
    proc: Procedure,
    agency: str | None,
    status: str,
    received: datetime | None,
    due: datetime | None,
    **kw: Any,
) -> Dossier:
    """A dossier with defaults; a received dossier has at least its reception step, as in both systems."""
    day = (received or t(1, 0)).strftime("%y%m%d")
    code = f"{PORTAL_AGENCY_CODE}-{day}-{n:04d}"
    if received is not None:
        kw.setdefault("steps", (Step("Nguyễn Thị Lan", received, "Tiếp nhận hồ sơ", "2"),))
    return Dossier(code, proc[0], proc[1], proc[2], proc[3], agency, status, received, due, **kw)


def doc(file_id: str, name: str, file: str, **flags: bool) -> Document:
    return Document(name, f"2026/03/{file_id}/{file}", file_id, component_code=f"GT-{file_id}", **flags)


def expect(d: Dossier, unit: str, channel: str, **kw: Any) -> Expected:
    """The case of ``d`` with its MaTTHC, TenLinhVuc and NgayTiepNhan as sent, due defaulting to its
    NgayHenTra as sent; everything else is written out by the scenario."""
    assert d.received is not None
    fields: dict[str, Any] = {"due": d.due, **kw}
    return case(ExpectedCase(unit, d.procedure_code, d.field_name, channel, d.received, **fields))


def scenario(
    name: str, about: str, d: Dossier, *, opencps: Expected, huanvu: Expected, exists: bool = False
) -> Scenario:
    return Scenario(name, about, d, {"opencps": opencps, "huanvu": huanvu}, exists)


FORM = doc("1001", "Giấy đề nghị đăng ký hộ kinh doanh", "giay-de-nghi-dang-ky-hkd.pdf")
TWO_STEPS = (
    Step("Nguyễn Thị Lan", t(5, 8, 30), "Tiếp nhận hồ sơ", "2"),
    Step("Trần Văn Hùng", t(5, 14), "Chuyển chuyên viên xử lý"),
)
ELEVEN_STEPS = tuple(
    Step(f"Chuyên viên {i + 1}", t(2 + i, 9), f"Bước xử lý {i + 1}", "4", t(3 + i, 9)) for i in range(11)
)
