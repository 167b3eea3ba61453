"""Portal sync records written for the tests, in the shape one-stop-shop systems send."""

from __future__ import annotations

from typing import Any

import yaml

from tthc_contract.plan import Plan, parse_plan

from ..conftest import PLAN_PATH

KT_AGENCY = "Phòng Kinh tế - UBND xã Đồng Phú"


def bridge_plan(**dvcqg: Any) -> Plan:
    """The shipped plan with a DonViXuLy name mapped to kt and one fully online procedure."""
    data = yaml.safe_load(PLAN_PATH.read_text(encoding="utf-8"))
    data["dvcqg"] = {"units": {KT_AGENCY: "kt"}, "full_online_procedures": ["1.004227"], **dvcqg}
    return parse_plan(data)


def record(**fields: Any) -> dict[str, Any]:
    """A dossier received on 5 March 2026 at 08:30, due on the 12th at 17:00, in progress."""
    base: dict[str, Any] = {
        "MaHoSo": "000.00.31.H19-260305-0001",
        "MaTTHC": "1.001612",
        "TenTTHC": "Đăng ký thành lập hộ kinh doanh",
        "MaLinhVuc": "G09-KH01",
        "TenLinhVuc": "Thành lập và hoạt động của hộ kinh doanh",
        "KenhThucHien": "1",
        "ChuHoSo": "Nguyễn Văn A",
        "LoaiDoiTuong": "1",
        "SoDienThoai": "0912345678",
        "TrichYeuHoSo": "Đăng ký hộ kinh doanh",
        "NgayTiepNhan": "20260305083000",
        "NgayHenTra": "20260312170000",
        "TrangThaiHoSo": "2",
        "NgayTra": "",
        "NgayKetThucXuLy": "",
        "DonViXuLy": KT_AGENCY,
        "HoSoCoThanhPhanSoHoa": "0",
        "DuocThanhToanTrucTuyen": "0",
        "DanhSachLePhi": [],
        "TaiLieuNop": [],
        "DanhSachHoSoBoSung": [],
        "DanhSachGiayToKetQua": [],
    }
    base.update(fields)
    return base


def sync_request(*records: dict[str, Any], updating: bool = False) -> dict[str, Any]:
    return {
        "session": "portal-session-token",
        "madonvi": "000.00.31.H19",
        "service": "DongBoHoSoMC",
        "isUpdating": "True" if updating else "False",
        "data": list(records),
    }
