"""The requests HuanVu201's provincial system sends to the portal for one dossier (README.md).

Reproduces ``SyncLocalDataToDVCQGService.PushData``: a bare JSON array of one record to
``Base + URLThemMoi``; when the portal answers "đã tồn tại", the same bytes to ``Base + URLCapNhat``;
once synced, the progress steps as bare arrays of at most 10 to ``Base + URLDongBoTienTrinh``.
Bodies are Newtonsoft.Json 13 with default settings: members in declaration order, ``null`` kept,
no whitespace, non-ASCII as UTF-8 (only controls, ``"``, ``\\``, U+0085, U+2028, U+2029 escaped).
What the record holds follows the SQL, Dapper (a NULL column leaves the DTO's initial value) and
Mapster steps of ``GetData``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from .dossiers import Document, Dossier, Step
from .wire import WireRequest, portal_time, split_endpoint, with_key

CLIENT = "huanvu"
Json = dict[str, Any]
_KIND = {"individual": "1", "business": "2", "agency": "3", "organisation": "4"}
_ONE_STOP = "Cán bộ một cửa"


@dataclass(frozen=True)
class HuanVuConfig:
    """``SyncLocalDataToDVCQGSetting`` (ketnoi.json ships them empty: these paths are ours) and
    ``FileConfig:KETNOIMOTCUAQUOCGIA_DOWNLOAD_URL``. ``MaDinhDanhTinh`` is left empty, so ``MaHoSo``
    is sent unchanged."""

    url_them_moi: str = "/DongBoHoSoMC/ThemMoi"
    url_cap_nhat: str = "/DongBoHoSoMC/CapNhat"
    url_dong_bo_tien_trinh: str = "/CapNhatTienDoHoSoMC"
    download_url: str = "https://dichvucong.dongnai.example/api/files/download/"

    def with_key(self, key: str) -> HuanVuConfig:
        """Configured for the bridge: ``Base`` = the bridge's ``/v1/dvcqg``, key on each URL."""
        return replace(
            self,
            url_them_moi=with_key(self.url_them_moi, key),
            url_cap_nhat=with_key(self.url_cap_nhat, key),
            url_dong_bo_tien_trinh=with_key(self.url_dong_bo_tien_trinh, key),
        )


CONFIG = HuanVuConfig()


def dumps(value: object) -> bytes:
    """``JsonConvert.SerializeObject`` with default settings, UTF-8 without BOM."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char in ("\u0085", "\u2028", "\u2029"):
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text.encode("utf-8")


def _request(operation: str, endpoint: str, body: list[Json]) -> WireRequest:
    path, query = split_endpoint(endpoint)
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    return WireRequest(CLIENT, operation, "POST", path, query, headers, dumps(body))


def _date(moment: datetime | None) -> str:
    """A date whose DTO property starts as "" (NgayTra, NgayKetThucXuLy, NgayTuChoi)."""
    return portal_time(moment) or ""


def _document(doc: Document, d: Dossier, first: bool, cfg: HuanVuConfig) -> Json:
    reused = "1" if doc.reused or (first and d.identity_number) else "2" if doc.reused_otherwise else "0"
    return {
        "TepDinhKemId": "",
        "TenTepDinhKem": doc.name or "Dinhkem",
        "IsDeleted": "True" if doc.deleted else "False",
        "MaThanhPhanHoSo": doc.component_code,
        "DuongDanTaiTepTin": (cfg.download_url + doc.path).split("##")[0],
        "DuocSoHoa": "1",
        "DuocTaiSuDung": reused,
        "DuocLayTuKhoDMQG": "1" if doc.from_citizen_store else "0",
        "MaKetQuaThayThe": "",
    }


def _results(d: Dossier, documents: list[Json], cfg: HuanVuConfig) -> list[Json]:
    """Result files when the procedure has a main result code; without files, the FIRST
    submitted document stands in as the result, whatever the dossier's status."""
    if not d.result_code:
        return []
    if d.result_files:
        files = [(f.path.rsplit("/", 1)[-1], cfg.download_url + f.path) for f in d.result_files]
    elif documents:
        files = [(documents[0]["TenTepDinhKem"], documents[0]["DuongDanTaiTepTin"])]
    else:
        return []
    return [
        {
            "TenGiayTo": name,
            "MaThanhPhanHoSo": "",
            "GiayToId": "",
            "DuongDanTepTinKetQua": url,
            "MaGiayToKetQua": d.result_code,
        }
        for name, url in files
    ]


def _owner_ids(d: Dossier) -> list[Json]:
    number = d.applicant_id or ""
    if len(number) == 12:
        return [{"LoaiDinhDanh": "1", "SoDinhDanh": number}]
    if len(number) == 9:
        return [{"LoaiDinhDanh": "2", "SoDinhDanh": number}]
    return [{"LoaiDinhDanh": "2", "SoDinhDanh": "000000001"}]


def _summary(text: str) -> str:
    if not text:
        return "Dinhkem"
    return text[:995] + "..." if len(text) > 1000 else text


def sent_status(d: Dossier) -> str:
    """``GetData`` relabels 5 (bổ sung), 6 (nghĩa vụ tài chính) and 8 (dừng xử lý) as 9."""
    return "9" if d.status in ("5", "6", "8") else d.status


def _fees(d: Dossier) -> list[Json]:
    """Only paid requests with an amount (the query joins ``TrangThai = N'Đã thanh toán' AND SoTien > 0``),
    however they were paid."""
    return [
        {
            "TenPhiLePhi": f.name or d.code,
            "MaPhiLePhi": "1",
            "HinhThucThu": "1",
            "Gia": str(f.amount),
            "LoaiPhiLePhi": "1",
        }
        for f in d.fees
        if f.paid and f.amount > 0
    ]


def _head(d: Dossier) -> Json:
    """The scalar members up to ``GhiChu``, in declaration order."""
    return {
        "MaHoSo": d.code,
        "MaTTHC": d.procedure_code,
        "TenTTHC": d.procedure_name,
        "MaLinhVuc": d.field_code,
        "TenLinhVuc": d.field_name,
        "KenhThucHien": d.channel,
        "SoGiayToChuHoSo": d.applicant_id,
        "ChuHoSo": d.applicant_name,
        "LoaiDoiTuong": _KIND[d.applicant_kind],
        "MaDoiTuong": (d.applicant_portal_id or "") if d.channel == "2" else None,
        "ThongTinKhac": "",
        "Email": "",
        "Fax": "",
        "SoDienThoai": d.phone,
        "TrichYeuHoSo": _summary(d.summary),
        "NgayTiepNhan": portal_time(d.received),
        "NgayHenTra": portal_time(d.due),
        "TrangThaiHoSo": sent_status(d),
        "NgayTra": _date(d.returned),
        "ThongTinTra": "",
        "HinhThuc": "1" if d.return_by_post else "0",
        "NgayKetThucXuLy": _date(d.processing_end),
        "DonViXuLy": d.agency_name,
        "GhiChu": "",
    }


def record(d: Dossier, cfg: HuanVuConfig = CONFIG) -> Json:
    """A ``HoSoDongBoDVC``, members in declaration order."""
    documents = [_document(doc, d, i == 0, cfg) for i, doc in enumerate(d.documents)]
    fees = _fees(d)
    return {
        **_head(d),
        "TaiLieuNop": documents,
        "DanhSachLePhi": fees,
        "DanhSachTepDinhKemKhac": [],
        "DanhSachHoSoBoSung": [],
        "DanhSachGiayToKetQua": _results(d, documents, cfg),
        "NoiNopHoSo": "2",
        "HoSoCoThanhPhanSoHoa": "1" if documents else "0",
        "TaiKhoanDuocXacThucVoiVNeID": "0",
        "DuocThanhToanTrucTuyen": "1" if fees else "0",
        "NgayTuChoi": _date(d.refused),
        "DinhDanhCHS": _owner_ids(d),
        "NgayNopHoSo": portal_time(d.received),
        "DSKetNoiCSDL": [{"MaCSDL": "7"}],
    }


def _step(code: str, actor: str, at: str, action: str, status: str, step_due: str = "") -> Json:
    """A ``QuaTrinhXuLyDongBoDVC``, members in declaration order."""
    return {
        "MaHoSo": code,
        "NguoiXuLy": actor,
        "ChucDanh": "",
        "ThoiDiemXuLy": at,
        "PhongBanXuLy": "",
        "NoiDungXuLy": action,
        "TrangThai": status,
        "NgayBatDau": "",
        "NgayKetThucTheoQuyDinh": step_due,
    }


def _stored_step(d: Dossier, s: Step) -> Json:
    actor = s.actor[:46] + "..." if len(s.actor) > 50 else s.actor or "Chuyên viên"
    return _step(d.code, actor, _date(s.at), s.action, s.status or "4", _date(s.step_due))


def progress_steps(d: Dossier) -> list[Json]:
    """Reception first, the stored steps, then a closing step "9" for a finished dossier (or, for
    any other dossier without NgayHenTra, a "9" step "Hồ sơ không có ngày hẹn trả")."""
    received = _date(d.received)
    steps = [_step(d.code, _ONE_STOP, received, "Tiếp nhận hồ sơ", "2")]
    steps += [_stored_step(d, s) for s in d.steps]
    if sent_status(d) in ("9", "10"):
        steps.append(
            _step(d.code, _ONE_STOP, _date(d.processing_end) or received, "Kết thúc xử lý hồ sơ", "9")
        )
    elif d.due is None:
        steps.append(_step(d.code, _ONE_STOP, received, "Hồ sơ không có ngày hẹn trả", "9"))
    return steps


def sync(d: Dossier, cfg: HuanVuConfig = CONFIG) -> WireRequest:
    return _request("sync", cfg.url_them_moi, [record(d, cfg)])


def sync_update(d: Dossier, cfg: HuanVuConfig = CONFIG) -> WireRequest:
    return _request("sync_update", cfg.url_cap_nhat, [record(d, cfg)])


def progress(d: Dossier, cfg: HuanVuConfig = CONFIG) -> list[WireRequest]:
    steps = progress_steps(d)
    return [
        _request("progress", cfg.url_dong_bo_tien_trinh, steps[i : i + 10]) for i in range(0, len(steps), 10)
    ]


def requests(d: Dossier, cfg: HuanVuConfig = CONFIG, *, exists: bool = False) -> list[WireRequest]:
    """One push of ``d``, in order, assuming the portal answers success; nothing for a dossier
    without NgayTiepNhan (the selecting query skips it)."""
    if d.received is None:
        return []
    return [sync(d, cfg), *([sync_update(d, cfg)] if exists else []), *progress(d, cfg)]


def portal_answer(request: WireRequest, *, exists: bool = False) -> bytes:
    """A realistic portal answer with what the client reads (README.md, "What it reads back")."""
    if request.operation == "sync" and exists:
        code = json.loads(request.body)[0]["MaHoSo"]
        return dumps({"error_code": "-3", "message": f"Hồ sơ {code} đã tồn tại trên hệ thống"})
    messages = {"sync": "Thêm mới hồ sơ thành công", "sync_update": "Cập nhật hồ sơ thành công"}
    return dumps(
        {"error_code": "0", "message": messages.get(request.operation, "Cập nhật tiến độ thành công")}
    )
