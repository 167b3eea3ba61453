"""A simulated case as the portal sync records a one-stop-shop system sends (pure).

A real system sends the whole dossier record again on every change of the dossier; here a
record is written at each event of the case's life (received, paid, digitized, resolved with
its result), holding everything known by then. What a record cannot carry stays a
CloudEvent from its own system: the citizen's rating, feedback (phản ánh, kiến nghị), and
``synced`` (the portal's acceptance, which the bridge sees only in relay mode).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tthc_contract.events import parse_rfc3339
from tthc_contract.periods import LOCAL_TZ

from .generator import Timed

KENH = {"online_full": "2", "online_partial": "2", "in_person": "1", "postal": "3"}
THANH_TOAN = {"national_portal": "1", "local_gateway": "2", "offline": "0"}
TRANG_THAI_KET_THUC = {"approved": "10", "refused": "8", "withdrawn": "7"}
IN_RECORDS = {
    "tthc.case.received",
    "tthc.case.paid",
    "tthc.case.digitized",
    "tthc.case.resolved",
    "tthc.case.result_issued",
    "tthc.case.rescheduled",
}


def portal_time(value: str) -> str:
    """RFC 3339 → ``yyyyMMddHHmmss`` local time (the portal's format: whole seconds)."""
    return parse_rfc3339(value).astimezone(LOCAL_TZ).strftime("%Y%m%d%H%M%S")


def split(
    case: list[Timed], synced_as_event: bool = True
) -> tuple[list[tuple[datetime, dict[str, Any]]], list[Timed]]:
    """(record snapshots with the time each is sent, events sent as CloudEvents)."""
    events = sorted(case)
    in_records = [t for t in events if t.event["type"] in IN_RECORDS]
    others = [
        t
        for t in events
        if t.event["type"] not in IN_RECORDS and (synced_as_event or t.event["type"] != "tthc.case.synced")
    ]
    if not in_records or in_records[0].event["type"] != "tthc.case.received":
        return [], events
    snapshots = [(t.at, record_of([e.event for e in in_records[: i + 1]])) for i, t in enumerate(in_records)]
    return snapshots, others


def record_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The dossier record once ``events`` (its received first) have happened."""
    received = events[0]
    data = received["data"]
    record: dict[str, Any] = {
        "MaHoSo": received["subject"],
        "MaTTHC": data["procedure"],
        "TenLinhVuc": data.get("field", ""),
        "KenhThucHien": KENH[data["channel"]],
        "DonViXuLy": data["unit"],
        "NgayTiepNhan": portal_time(received["time"]),
        "NgayHenTra": portal_time(data["due"]),
        "TrangThaiHoSo": "2" if len(events) == 1 else "4",
        "DuocThanhToanTrucTuyen": "0",
        "HoSoCoThanhPhanSoHoa": "0",
        "DanhSachLePhi": [],
        "TaiLieuNop": [_form(data)],
        "TaiKhoanDuocXacThucVoiVNeID": "1" if data.get("citizen_data") else "0",
        "DanhSachHoSoBoSung": [],
        "DanhSachGiayToKetQua": [],
        "NgayKetThucXuLy": "",
    }
    for event in events[1:]:
        _apply(record, event)
    return record


def _form(data: dict[str, Any]) -> dict[str, Any]:
    """The dossier's form: reused digitized data, or taken from the citizen's store (kho DMQG)."""
    return {
        "TenTepDinhKem": "Đơn đề nghị",
        "DuocTaiSuDung": "1" if data.get("reused_data") else "0",
        "DuocLayTuKhoDMQG": "1" if data.get("personal_storage") else "0",
        "IsDeleted": "False",
    }


def _apply(record: dict[str, Any], event: dict[str, Any]) -> None:
    kind, data = event["type"], event.get("data") or {}
    if kind == "tthc.case.paid":
        record["DuocThanhToanTrucTuyen"] = THANH_TOAN[data["channel"]]
        record["DanhSachLePhi"] = [{"TenPhiLePhi": "Lệ phí", "Gia": data["amount"]}]
    elif kind == "tthc.case.digitized" and data["scope"] == "dossier":
        record["HoSoCoThanhPhanSoHoa"] = "1"
    elif kind == "tthc.case.rescheduled":
        record["DanhSachHoSoBoSung"] = [
            *record["DanhSachHoSoBoSung"],
            {"NgayHenTraMoi": portal_time(data["due"])},
        ]
    elif kind == "tthc.case.resolved":
        record["TrangThaiHoSo"] = TRANG_THAI_KET_THUC[data["outcome"]]
        record["NgayKetThucXuLy"] = portal_time(event["time"])
    elif kind == "tthc.case.result_issued" and data["electronic"]:
        record["DanhSachGiayToKetQua"] = [
            {
                "TenGiayTo": "Kết quả giải quyết",
                "DuongDanTepTinKetQua": f"https://motcua.example.gov.vn/kq/{record['MaHoSo']}.pdf",
            }
        ]


def sync_request(records: list[dict[str, Any]], updating: bool) -> dict[str, Any]:
    return {"service": "DongBoHoSoMC", "isUpdating": "True" if updating else "False", "data": records}
