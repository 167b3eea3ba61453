"""A portal sync record (``DongBoHoSoMC``) as the CloudEvents of SPEC section 2 (pure).

One function per row of the mapping table of SPEC section 9. Every event gets an id derived
from the record, ``dvcqg:<MaHoSo>:<type>:<digest of the fields it carries>``, so that a
record re-sent unchanged adds nothing and a changed record adds only what changed.
Fields the mapping does not use are ignored (they stay at the portal).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from tthc_contract.catalogue import add_working_days
from tthc_contract.plan import Plan

from .agency import unit_of
from .fields import Problem, RecordError, amount, flag, items, local_time, refuse, required, text

NOT_RECEIVED = {"1", "3"}
"""1 mới đăng ký, 3 không được tiếp nhận: the dossier was never received, no event."""
OPEN = {"2", "4", "5", "6"}
OUTCOMES = {"9": "approved", "10": "approved", "7": "withdrawn", "8": "refused"}
END_TIMES = {
    "9": ("NgayKetThucXuLy", "NgayTra", "NgayTuChoi"),
    "10": ("NgayKetThucXuLy", "NgayTra", "NgayTuChoi"),
    "7": ("NgayKetThucXuLy", "NgayTra", "NgayTuChoi"),
    "8": ("NgayKetThucXuLy", "NgayTuChoi", "NgayTra"),
}
"""Where an ending status takes its end time, first found first (SPEC section 9.1)."""
CHANNELS = {"": "in_person", "1": "in_person", "2": "online_partial", "3": "postal"}
PAYMENT_CHANNELS = {"1": "national_portal", "2": "local_gateway"}
MAX_CODE = 95
"""Longest ``MaHoSo`` whose event ids stay within the 128 characters of SPEC section 2."""


@dataclass(frozen=True, slots=True)
class Context:
    plan: Plan
    source: str
    synced_at: datetime | None = None
    """Set when the portal accepted the request (relay mode): every record is synced."""
    agency: str | None = None
    """The envelope's ``madonvi``: the unit of records that carry no ``DonViXuLy``."""


@dataclass(frozen=True, slots=True)
class Record:
    """What the mapping reads off one record."""

    code: str
    procedure: str
    status: str
    unit: str
    received_at: datetime | None
    due: datetime | None
    raw: dict[str, Any]


def translate(raw: Any, ctx: Context) -> list[dict[str, Any]]:
    """The events of one record; raises ``RecordError`` naming the field that is wrong."""
    if not isinstance(raw, dict):
        raise refuse(
            "(bản ghi)",
            "mỗi hồ sơ phải là một đối tượng JSON",
            "each record must be a JSON object",
            "not_a_record",
        )
    record = read(raw, ctx)
    if record.status in NOT_RECEIVED:
        return []
    events = [received(record, ctx), *paid(record), *digitized_dossier(record), *rescheduled(record)]
    end = resolved(record)
    if end is not None:
        events += [end, *electronic_result(record, end["time"])]
    if ctx.synced_at is not None:
        events.append(synced(record, ctx.synced_at))
    return [_envelope(record, ctx.source, event) for event in events]


def read(raw: dict[str, Any], ctx: Context) -> Record:
    code = required(raw, "MaHoSo")
    if len(code) > MAX_CODE:
        raise refuse("MaHoSo", f"dài tối đa {MAX_CODE} ký tự", f"at most {MAX_CODE} characters")
    status = required(raw, "TrangThaiHoSo")
    if status not in NOT_RECEIVED | OPEN | set(OUTCOMES):
        raise refuse(
            "TrangThaiHoSo",
            f"{status!r} không phải mã trạng thái 1 đến 10",
            f"{status!r} is not a status 1 to 10",
        )
    procedure = required(raw, "MaTTHC")
    received_at = local_time(raw, "NgayTiepNhan")
    record = Record(
        code,
        procedure,
        status,
        unit_of(raw, ctx.plan, ctx.agency),
        received_at,
        _due(raw, ctx.plan, procedure, received_at),
        raw,
    )
    if status not in NOT_RECEIVED:
        _check_times(record)
    return record


def _due(raw: dict[str, Any], plan: Plan, procedure: str, received_at: datetime | None) -> datetime | None:
    """``NgayHenTra``, else ``processing_days`` working days after receipt (the catalogue)."""
    due = local_time(raw, "NgayHenTra")
    if due is not None or received_at is None:
        return due
    entry = plan.procedures.get(procedure)
    if entry is None or entry.processing_days is None:
        return None
    return add_working_days(received_at, entry.processing_days)


def _check_times(record: Record) -> None:
    if record.received_at is None:
        raise refuse("NgayTiepNhan", "bắt buộc với hồ sơ đã tiếp nhận", "is required for a received dossier")
    if record.due is None:
        raise refuse(
            "NgayHenTra",
            "bắt buộc với hồ sơ đã tiếp nhận (ngày hẹn trả), trừ khi danh mục thủ tục của kế hoạch "
            f"(scorecard.procedures) có processing_days cho {record.procedure!r}",
            "is required for a received dossier (the promised return time), unless the plan's "
            f"catalogue (scorecard.procedures) gives processing_days for {record.procedure!r}",
            "due_missing",
        )
    if record.due < record.received_at:
        raise refuse(
            "NgayHenTra",
            f"ngày hẹn trả {_shown(record.due)} trước ngày tiếp nhận {_shown(record.received_at)}",
            f"the promised return time {_shown(record.due)} is before NgayTiepNhan {_shown(record.received_at)}",
        )


def received(record: Record, ctx: Context) -> dict[str, Any]:
    """``MaTTHC``, ``TenLinhVuc``, ``DonViXuLy``, ``KenhThucHien``, ``NgayTiepNhan``,
    ``NgayHenTra``, ``DanhSachLePhi`` (fee), ``TaiLieuNop`` (reused data, the citizen's store),
    ``TaiKhoanDuocXacThucVoiVNeID`` and ``DSKetNoiCSDL`` (population data)."""
    assert record.received_at is not None and record.due is not None
    files = _files(record)
    from_store = any(_file_flag(f, "DuocLayTuKhoDMQG") for f in files)
    data: dict[str, Any] = {
        "unit": record.unit,
        "procedure": record.procedure,
        "channel": _channel(record, ctx.plan),
        "due": _iso(record.due),
        "fee": any(amount(fee, "Gia", "DanhSachLePhi.Gia") > 0 for fee in items(record.raw, "DanhSachLePhi")),
        "reused_data": from_store or any(_file_flag(f, "DuocTaiSuDung") for f in files),
        "personal_storage": from_store,
        "citizen_data": from_store or _citizen_data(record, ctx.plan),
    }
    if field := text(record.raw, "TenLinhVuc"):
        data["field"] = field[:128]
    return _event("tthc.case.received", record.received_at, data)


def _channel(record: Record, plan: Plan) -> str:
    value = text(record.raw, "KenhThucHien")
    if value not in CHANNELS:
        raise refuse("KenhThucHien", f"{value!r} không phải 1, 2 hoặc 3", f"{value!r} is not 1, 2 or 3")
    if value == "2" and record.procedure in plan.spec.dvcqg.full_online_procedures:
        return "online_full"
    return CHANNELS[value]


def paid(record: Record) -> list[dict[str, Any]]:
    """``DuocThanhToanTrucTuyen`` 1 or 2: one payment of the sum of the fees, at receipt."""
    channel = PAYMENT_CHANNELS.get(text(record.raw, "DuocThanhToanTrucTuyen"))
    if channel is None:
        return []
    total = sum(amount(fee, "Gia", "DanhSachLePhi.Gia") for fee in items(record.raw, "DanhSachLePhi"))
    assert record.received_at is not None
    return [
        _event(
            "tthc.case.paid",
            record.received_at,
            {"payment_id": record.code, "channel": channel, "amount": total},
        )
    ]


def digitized_dossier(record: Record) -> list[dict[str, Any]]:
    """``HoSoCoThanhPhanSoHoa`` = 1, or a submitted file ``DuocSoHoa`` = 1."""
    if flag(record.raw, "HoSoCoThanhPhanSoHoa") or any(_file_flag(f, "DuocSoHoa") for f in _files(record)):
        assert record.received_at is not None
        return [_event("tthc.case.digitized", record.received_at, {"scope": "dossier"})]
    return []


def rescheduled(record: Record) -> list[dict[str, Any]]:
    """``DanhSachHoSoBoSung[].NgayHenTraMoi``: the latest new due, at receipt."""
    supplements = items(record.raw, "DanhSachHoSoBoSung")
    dues = [due for s in supplements if (due := local_time(s, "NgayHenTraMoi")) is not None]
    if not dues:
        return []
    assert record.received_at is not None
    return [_event("tthc.case.rescheduled", record.received_at, {"due": _iso(max(dues))})]


def _citizen_data(record: Record, plan: Plan) -> bool:
    """A VNeID-verified account, or a connection to a population database of the plan."""
    if flag(record.raw, "TaiKhoanDuocXacThucVoiVNeID"):
        return True
    wanted = set(plan.spec.dvcqg.citizen_databases)
    return any(text(c, "MaCSDL") in wanted for c in items(record.raw, "DSKetNoiCSDL"))


def resolved(record: Record) -> dict[str, Any] | None:
    """``TrangThaiHoSo`` 7, 8, 9 or 10, at the first of its end times that is given."""
    outcome = OUTCOMES.get(record.status)
    if outcome is None:
        return None
    names = END_TIMES[record.status]
    end = next((t for name in names if (t := local_time(record.raw, name)) is not None), None)
    if end is None:
        listed = ", ".join(names)
        raise refuse(
            names[0],
            f"cần một trong {listed} với hồ sơ ở trạng thái {record.status}",
            f"one of {listed} is required when TrangThaiHoSo is {record.status}",
            "end_time_missing",
        )
    return _event("tthc.case.resolved", end, {"outcome": outcome})


def electronic_result(record: Record, end_time: str) -> list[dict[str, Any]]:
    """A result document with ``DuongDanTepTinKetQua``: an electronic result, digitized."""
    documents = items(record.raw, "DanhSachGiayToKetQua")
    if not any(text(d, "DuongDanTepTinKetQua") for d in documents):
        return []
    return [
        {"type": "tthc.case.result_issued", "time": end_time, "data": {"electronic": True}},
        {"type": "tthc.case.digitized", "time": end_time, "data": {"scope": "result"}},
    ]


def synced(record: Record, at: datetime) -> dict[str, Any]:
    """The portal accepted the record (relay mode). The id carries no time: synced once."""
    return {"type": "tthc.case.synced", "time": _iso(at), "data": {}, "_timeless": True}


def _files(record: Record) -> list[dict[str, Any]]:
    """Submitted files, those deleted since excepted (a deleted file counts for nothing)."""
    return [f for f in items(record.raw, "TaiLieuNop") if not _file_flag(f, "IsDeleted")]


def _file_flag(file: dict[str, Any], name: str) -> bool:
    return flag(file, name, f"TaiLieuNop.{name}")


def _event(kind: str, at: datetime, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": kind, "time": _iso(at), "data": data}


def _envelope(record: Record, source: str, event: dict[str, Any]) -> dict[str, Any]:
    timeless = event.pop("_timeless", False)
    carried = {"data": event["data"]} if timeless else {"time": event["time"], "data": event["data"]}
    digest = hashlib.sha256(orjson.dumps(carried, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]
    short = event["type"].rsplit(".", 1)[1]
    return {
        "specversion": "1.0",
        "id": f"dvcqg:{record.code}:{short}:{digest}",
        "source": source,
        "type": event["type"],
        "time": event["time"],
        "subject": record.code,
        "data": event["data"],
    }


def _iso(at: datetime) -> str:
    return at.isoformat()


def _shown(at: datetime) -> str:
    return at.strftime("%d/%m/%Y %H:%M:%S")


__all__ = ["Context", "Problem", "RecordError", "translate"]
