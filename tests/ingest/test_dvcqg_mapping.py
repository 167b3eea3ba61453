"""SPEC section 9's mapping, row by row, with records written for the test (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tthc_contract.events import EVENT_ADAPTER
from tthc_contract.validation import ValidationContext, check_rules
from tthc_ingest.dvcqg.fields import RecordError
from tthc_ingest.dvcqg.mapping import Context, translate

from .dvcqg_records import bridge_plan, record

PLAN = bridge_plan()
CTX = Context(PLAN, "igate")


def events(raw: dict[str, Any], ctx: Context = CTX) -> dict[str, list[dict[str, Any]]]:
    """The events of a record by type, each valid by SPEC section 2."""
    out: dict[str, list[dict[str, Any]]] = {}
    for event in translate(raw, ctx):
        parsed = EVENT_ADAPTER.validate_python(event)
        assert (
            check_rules(
                parsed, ValidationContext(now=datetime(2026, 12, 1, tzinfo=UTC), units=PLAN.unit_codes)
            )
            == []
        )
        out.setdefault(event["type"].removeprefix("tthc.case."), []).append(event)
    return out


def problem(raw: dict[str, Any]) -> tuple[str, str, str]:
    with pytest.raises(RecordError) as caught:
        translate(raw, CTX)
    p = caught.value.problem
    return p.field, p.vi, p.en


def test_a_received_dossier() -> None:
    got = events(record())
    [received] = got["received"]
    assert set(got) == {"received"}
    assert received["subject"] == "000.00.31.H19-260305-0001" and received["source"] == "igate"
    assert received["time"] == "2026-03-05T08:30:00+07:00"
    assert received["data"] == {
        "unit": "kt",
        "procedure": "1.001612",
        "channel": "in_person",
        "due": "2026-03-12T17:00:00+07:00",
        "fee": False,
        "reused_data": False,
        "personal_storage": False,
        "citizen_data": False,
        "field": "Thành lập và hoạt động của hộ kinh doanh",
    }
    assert (
        received["id"].startswith("dvcqg:000.00.31.H19-260305-0001:received:") and len(received["id"]) <= 128
    )


@pytest.mark.parametrize(
    ("channel", "procedure", "expected"),
    [
        ("1", "1.001612", "in_person"),
        ("", "1.001612", "in_person"),
        (None, "1.001612", "in_person"),
        ("2", "1.001612", "online_partial"),
        (2, "1.004227", "online_full"),
        ("3", "1.001612", "postal"),
    ],
)
def test_channels(channel: Any, procedure: str, expected: str) -> None:
    assert (
        events(record(KenhThucHien=channel, MaTTHC=procedure))["received"][0]["data"]["channel"] == expected
    )


def test_the_unit_is_a_plan_code_or_a_mapped_agency() -> None:
    assert events(record(DonViXuLy="vpdkdd"))["received"][0]["data"]["unit"] == "vpdkdd"
    assert events(record(DonViXuLy=f"  {record()['DonViXuLy']} "))["received"][0]["data"]["unit"] == "kt"
    field, vi, en = problem(record(DonViXuLy="Sở Tài chính"))
    assert field == "DonViXuLy" and "dvcqg.units" in en and "không phải mã, tên đơn vị" in vi


@pytest.mark.parametrize("status", ["1", "3", 1, 3])
def test_never_received_dossiers_make_no_event(status: Any) -> None:
    assert translate(record(TrangThaiHoSo=status, NgayTiepNhan="", NgayHenTra=""), CTX) == []


@pytest.mark.parametrize("status", ["2", "4", "5", "6"])
def test_open_dossiers_are_received_only(status: str) -> None:
    assert set(events(record(TrangThaiHoSo=status))) == {"received"}


@pytest.mark.parametrize(
    ("status", "outcome", "fallback"),
    [
        ("9", "approved", "NgayTra"),
        ("10", "approved", "NgayTra"),
        ("7", "withdrawn", "NgayTra"),
        ("8", "refused", "NgayTuChoi"),
    ],
)
def test_ended_dossiers(status: str, outcome: str, fallback: str) -> None:
    at_end = events(
        record(TrangThaiHoSo=status, NgayKetThucXuLy="20260310150000", **{fallback: "20260311090000"})
    )
    assert at_end["resolved"][0]["data"] == {"outcome": outcome}
    assert at_end["resolved"][0]["time"] == "2026-03-10T15:00:00+07:00"
    by_fallback = events(record(TrangThaiHoSo=status, **{fallback: "20260311090000"}))
    assert by_fallback["resolved"][0]["time"] == "2026-03-11T09:00:00+07:00"
    field, _, en = problem(record(TrangThaiHoSo=status))
    assert field == "NgayKetThucXuLy" and fallback in en


def test_fees_payments_and_their_channels() -> None:
    fees = [{"TenPhiLePhi": "Lệ phí", "Gia": "50000"}, {"TenPhiLePhi": "Phí", "Gia": 30000.0}]
    portal = events(record(DanhSachLePhi=fees, DuocThanhToanTrucTuyen="1"))
    assert portal["received"][0]["data"]["fee"] is True
    assert portal["paid"][0]["data"] == {
        "payment_id": "000.00.31.H19-260305-0001",
        "channel": "national_portal",
        "amount": 80000,
    }
    assert portal["paid"][0]["time"] == portal["received"][0]["time"]
    gateway = events(record(DanhSachLePhi=fees, DuocThanhToanTrucTuyen=2))
    assert gateway["paid"][0]["data"]["channel"] == "local_gateway"
    for unpaid in ("0", "3", "", None):
        assert "paid" not in events(record(DanhSachLePhi=fees, DuocThanhToanTrucTuyen=unpaid))
    free = events(record(DanhSachLePhi=[{"Gia": "0"}, {"Gia": 0}], DuocThanhToanTrucTuyen="1"))
    assert free["received"][0]["data"]["fee"] is False and free["paid"][0]["data"]["amount"] == 0
    field, _, en = problem(record(DanhSachLePhi=[{"Gia": "12.5"}]))
    assert field == "DanhSachLePhi.Gia" and "whole VND" in en
    assert problem(record(DanhSachLePhi=[{"Gia": "-1"}]))[0] == "DanhSachLePhi.Gia"


def test_digitization_and_reuse_of_the_submitted_files() -> None:
    assert "digitized" not in events(record())
    flagged = events(record(HoSoCoThanhPhanSoHoa="1"))
    assert (
        flagged["digitized"][0]["data"] == {"scope": "dossier"}
        and flagged["digitized"][0]["time"] == flagged["received"][0]["time"]
    )
    files = [{"TenTepDinhKem": "don.pdf", "DuocSoHoa": 1, "DuocTaiSuDung": "0", "DuocLayTuKhoDMQG": "0"}]
    assert "digitized" in events(record(TaiLieuNop=files))
    assert events(record(TaiLieuNop=files))["received"][0]["data"]["reused_data"] is False
    for reuse in ({"DuocTaiSuDung": "1"}, {"DuocLayTuKhoDMQG": 1}):
        assert (
            events(record(TaiLieuNop=[{**files[0], **reuse}]))["received"][0]["data"]["reused_data"] is True
        )
    deleted = [{**files[0], "DuocTaiSuDung": "1", "IsDeleted": "1"}]
    got = events(record(TaiLieuNop=deleted))
    assert "digitized" not in got and got["received"][0]["data"]["reused_data"] is False


def test_supplements_reschedule_to_the_latest_new_due() -> None:
    supplements = [
        {"NgayHenTraTruoc": "20260312170000", "NgayHenTraMoi": "20260316170000"},
        {"NgayHenTraTruoc": "20260316170000", "NgayHenTraMoi": "20260319170000"},
        {"NgayHenTraMoi": ""},
    ]
    [moved] = events(record(TrangThaiHoSo="5", DanhSachHoSoBoSung=supplements))["rescheduled"]
    assert (
        moved["data"] == {"due": "2026-03-19T17:00:00+07:00"} and moved["time"] == "2026-03-05T08:30:00+07:00"
    )


def test_electronic_results_on_a_resolved_dossier() -> None:
    results = [{"TenGiayTo": "Giấy chứng nhận", "DuongDanTepTinKetQua": "https://one-stop/kq/1.pdf"}]
    ended = events(record(TrangThaiHoSo="10", NgayKetThucXuLy="20260310150000", DanhSachGiayToKetQua=results))
    assert ended["result_issued"][0]["data"] == {"electronic": True}
    assert (
        ended["digitized"][0]["data"] == {"scope": "result"}
        and ended["digitized"][0]["time"] == "2026-03-10T15:00:00+07:00"
    )
    assert "result_issued" not in events(record(DanhSachGiayToKetQua=results)), "not yet resolved: no result"
    paper = events(
        record(
            TrangThaiHoSo="10", NgayKetThucXuLy="20260310150000", DanhSachGiayToKetQua=[{"TenGiayTo": "x"}]
        )
    )
    assert "result_issued" not in paper


def test_synced_only_when_the_portal_accepted_and_once() -> None:
    assert "synced" not in events(record())
    first = events(record(), Context(PLAN, "igate", datetime(2026, 3, 5, 2, 0, tzinfo=UTC)))["synced"][0]
    later = events(record(), Context(PLAN, "igate", datetime(2026, 3, 9, 2, 0, tzinfo=UTC)))["synced"][0]
    assert first["id"] == later["id"], "a record synced again is the same event"


def test_a_record_through_its_life_adds_only_what_changed() -> None:
    """2 (received) → 4 (processing) → 5 (a supplement, new due) → 10 (result returned)."""
    fees = [{"Gia": "50000"}]
    steps = [
        record(TrangThaiHoSo="2", DanhSachLePhi=fees, DuocThanhToanTrucTuyen="1", HoSoCoThanhPhanSoHoa="1"),
        record(TrangThaiHoSo="4", DanhSachLePhi=fees, DuocThanhToanTrucTuyen="1", HoSoCoThanhPhanSoHoa="1"),
        record(
            TrangThaiHoSo="5",
            DanhSachLePhi=fees,
            DuocThanhToanTrucTuyen="1",
            HoSoCoThanhPhanSoHoa="1",
            DanhSachHoSoBoSung=[{"NgayHenTraMoi": "20260316170000"}],
        ),
        record(
            TrangThaiHoSo="10",
            DanhSachLePhi=fees,
            DuocThanhToanTrucTuyen="1",
            HoSoCoThanhPhanSoHoa="1",
            DanhSachHoSoBoSung=[{"NgayHenTraMoi": "20260316170000"}],
            NgayKetThucXuLy="20260315100000",
            DanhSachGiayToKetQua=[{"DuongDanTepTinKetQua": "https://one-stop/kq/1.pdf"}],
        ),
    ]
    seen: set[str] = set()
    added = []
    for step in steps:
        ids = {e["id"] for e in translate(step, CTX)}
        added.append(sorted(i.split(":")[2] for i in ids - seen))
        seen |= ids
    assert added == [
        ["digitized", "paid", "received"],
        [],
        ["rescheduled"],
        ["digitized", "resolved", "result_issued"],
    ]
    assert {e["id"] for e in translate(steps[-1], CTX)} <= seen, "re-sent unchanged: nothing new"


def test_a_corrected_channel_with_the_same_receipt_time_is_a_new_received() -> None:
    before = events(record(KenhThucHien="1"))["received"][0]
    after = events(record(KenhThucHien="2"))["received"][0]
    assert before["time"] == after["time"] and before["id"] != after["id"]


@pytest.mark.parametrize(
    ("fields", "field", "fragment"),
    [
        ({"MaHoSo": ""}, "MaHoSo", "required"),
        ({"MaHoSo": "X" * 96}, "MaHoSo", "at most 95"),
        ({"MaTTHC": None}, "MaTTHC", "required"),
        ({"TrangThaiHoSo": "11"}, "TrangThaiHoSo", "not a status"),
        ({"KenhThucHien": "4"}, "KenhThucHien", "not 1, 2 or 3"),
        ({"NgayTiepNhan": ""}, "NgayTiepNhan", "required"),
        ({"NgayTiepNhan": "2026-03-05 08:30"}, "NgayTiepNhan", "yyyyMMddHHmmss"),
        ({"NgayTiepNhan": "20260230083000"}, "NgayTiepNhan", "yyyyMMddHHmmss"),
        ({"NgayHenTra": "", "MaTTHC": "9.999999"}, "NgayHenTra", "processing_days"),
        (
            {"NgayHenTra": "20260305083000", "NgayTiepNhan": "20260305090000"},
            "NgayHenTra",
            "before NgayTiepNhan",
        ),
        ({"DanhSachLePhi": {"Gia": 1}}, "DanhSachLePhi", "list of objects"),
        ({"TaiLieuNop": ["x"]}, "TaiLieuNop", "list of objects"),
        ({"DonViXuLy": {"ten": "kt"}}, "DonViXuLy", "string or a number"),
    ],
)
def test_each_refused_shape_names_its_field(fields: dict[str, Any], field: str, fragment: str) -> None:
    got_field, vi, en = problem(record(**fields))
    assert got_field == field and fragment in en and vi


def test_a_record_that_is_not_an_object() -> None:
    with pytest.raises(RecordError) as caught:
        translate(["not", "a", "record"], CTX)
    assert "JSON object" in caught.value.problem.en
