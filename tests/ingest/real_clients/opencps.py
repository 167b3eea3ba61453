"""The requests OpenCPS v2 sends to the portal for one dossier (README.md, "OpenCPS v2").

Reproduces the scheduled path, ``PublishEventScheduler`` → ``syncDossierAndDossierStatus``:
log in (once; the session is then kept in the database), ``TraCuuHoSo`` to learn whether the portal
already holds the dossier, ``LayThuTuc`` for the procedure's name and field, ``DongBoHoSoMC`` with
``isUpdating`` "True"/"False", and, when that answered ``error_code`` 0, ``CapNhatTienDoHoSoMC``
with the dossier's latest action. Every body is org.json text (see ``orgjson``), UTF-8.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from .dossiers import Dossier
from .orgjson import JObject, JValue, dumps, merged, obj
from .wire import WireRequest, portal_time, split_endpoint, with_key

CLIENT = "opencps"
_URL_SAFE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._*")


@dataclass(frozen=True)
class OpenCPSConfig:
    """The ``configs`` JSON of the ServerConfig with protocol ``DVCQG_INTEGRATION`` (the repository
    ships no values: these are ours), the portal's session, and what builds file addresses."""

    auth_endpoint: str = "/dvcqg/auth"
    integration_endpoint: str = "/dvcqg/integration"
    username: str = "dongphu.motcua"
    password: str = "Mk@2026-dongphu"
    madonvi: str = "000.20.31.H19"
    dstcode: str = "DVCQG"
    session: str = "a3f0c2d4-5b6e-4f70-8a91-b2c3d4e5f607"
    portal_document_uri: str = "https://motcua.dongphu.example"
    path_context: str = ""
    repository_id: int = 20143
    folder_id: int = 40512
    sent_at: datetime = datetime(2026, 3, 20, 17, 0, 0)  # local time of System.currentTimeMillis()

    def with_key(self, key: str) -> OpenCPSConfig:
        """Configured for the bridge: ``adapter_url`` = the bridge's ``/v1/dvcqg``, key on each endpoint."""
        return replace(
            self,
            auth_endpoint=with_key(self.auth_endpoint, key),
            integration_endpoint=with_key(self.integration_endpoint, key),
        )


CONFIG = OpenCPSConfig()


def _headers(cfg: OpenCPSConfig) -> dict[str, str]:
    return {
        "Accept": "application/json",
        "Content-Type": "application/json",
        "Charset": "utf-8",
        "dstcode": cfg.dstcode,
    }


def _request(operation: str, endpoint: str, body: JObject, cfg: OpenCPSConfig) -> WireRequest:
    path, query = split_endpoint(endpoint)
    data = dumps(body).encode("utf-8")
    return WireRequest(CLIENT, operation, "POST", path, query, _headers(cfg), data)


def _service(operation: str, data: JObject, cfg: OpenCPSConfig) -> WireRequest:
    body = merged([("session", cfg.session), ("madonvi", cfg.madonvi)], data)
    return _request(operation, cfg.integration_endpoint, body, cfg)


def _date(moment: datetime | None) -> str:
    return portal_time(moment) or ""


def login(cfg: OpenCPSConfig = CONFIG) -> WireRequest:
    body = obj(("username", cfg.username), ("password", cfg.password))
    return _request("login", cfg.auth_endpoint, body, cfg)


def lookup_dossier(d: Dossier, cfg: OpenCPSConfig = CONFIG) -> WireRequest:
    return _service("lookup", obj(("service", "TraCuuHoSo"), ("mahoso", d.code)), cfg)


def lookup_procedure(d: Dossier, cfg: OpenCPSConfig = CONFIG) -> WireRequest:
    return _service("lookup", obj(("service", "LayThuTuc"), ("maTTHC", d.procedure_code)), cfg)


def _url_encode(text: str) -> str:
    """Liferay ``URLCodec.encodeURL``: UTF-8, space as ``+``, unreserved ``A-Za-z0-9-._*``."""
    out = []
    for byte in text.encode("utf-8"):
        if byte in _URL_SAFE:
            out.append(chr(byte))
        else:
            out.append("+" if byte == 0x20 else f"%{byte:02X}")
    return "".join(out)


def file_url(path: str, file_id: str, cfg: OpenCPSConfig = CONFIG) -> str:
    """A Documents and Media download address, as built when no HTTP request is at hand."""
    name = path.rsplit("/", 1)[-1]
    file_uuid = uuid.uuid5(uuid.NAMESPACE_URL, f"{cfg.portal_document_uri}/{file_id}")
    millis = _millis(cfg.sent_at)
    return (
        f"{cfg.portal_document_uri}{cfg.path_context}/documents/{cfg.repository_id}/{cfg.folder_id}/"
        f"{_url_encode(name)}/{_url_encode(str(file_uuid))}?t={millis}&download=true"
    )


def _millis(local: datetime) -> int:
    epoch = datetime(1970, 1, 1, 7, 0, 0)  # the epoch in UTC+7
    return int((local - epoch).total_seconds()) * 1000


def _files(d: Dossier, cfg: OpenCPSConfig) -> tuple[list[JValue], list[JValue]]:
    """Result files (part type 2) and submitted files; a removed file is not sent at all."""
    results: list[JValue] = [
        obj(
            ("TenGiayTo", f.name),
            ("MaThanhPhanHoSo", ""),
            ("GiayToId", f.file_id),
            ("DuongDanTepTinKetQua", file_url(f.path, f.file_id, cfg)),
        )
        for f in d.result_files
    ]
    submitted: list[JValue] = [
        obj(
            ("TenTepDinhKem", doc.name),
            ("MaThanhPhanHoSo", ""),
            ("TepDinhKemId", doc.file_id),
            ("DuongDanTaiTepTin", file_url(doc.path, doc.file_id, cfg)),
            ("IsDeleted", "False"),
        )
        for doc in d.documents
        if not doc.deleted
    ]
    return results, submitted


def record(d: Dossier, cfg: OpenCPSConfig = CONFIG) -> JObject:
    """The DongBoHoSoMC record, members put in the order of ``createSyncDossierBodyRequest``."""
    results, submitted = _files(d, cfg)
    return obj(
        ("MaHoSo", d.code),
        ("MaTTHC", d.procedure_code),
        ("TenTTHC", d.procedure_name),  # from the portal's LayThuTuc answer
        ("MaLinhVuc", d.field_code),
        ("TenLinhVuc", d.field_name),
        ("ChuHoSo", d.applicant_name),
        ("LoaiDoiTuong", "2" if d.applicant_kind == "business" else "1"),
        ("MaDoiTuong", d.applicant_portal_id or ""),
        ("ThongTinKhac", ""),
        ("Email", d.email or ""),
        ("Fax", d.phone or ""),
        ("SoDienThoai", d.phone or ""),
        ("TrichYeuHoSo", d.summary),
        ("NgayTiepNhan", _date(d.received)),
        ("NgayHenTra", _date(d.due)),
        ("TrangThaiHoSo", d.status),
        ("NgayTra", _date(d.returned)),
        ("ThongTinTra", ""),
        ("HinhThuc", "1" if d.return_by_post else "0"),
        ("NgayKetThucXuLy", _date(d.processing_end)),
        ("DonViXuLy", d.agency_name or ""),
        ("GhiChu", d.summary),
        ("DanhSachLePhi", []),
        ("DanhSachTepDinhKemKhac", []),
        ("DanhSachHoSoBoSung", []),
        ("DanhSachGiayToKetQua", results),
        ("TaiLieuNop", submitted),
    )


def sync(d: Dossier, cfg: OpenCPSConfig = CONFIG, *, exists: bool = False) -> WireRequest:
    data = obj(
        ("isUpdating", "True" if exists else "False"),
        ("data", [record(d, cfg)]),
        ("service", "DongBoHoSoMC"),
    )
    return _service("sync_update" if exists else "sync", data, cfg)


def progress(d: Dossier, cfg: OpenCPSConfig = CONFIG) -> WireRequest:
    """The dossier's latest action only; ``TrangThai`` is the dossier's status, not the step's."""
    last = d.steps[-1] if d.steps else None
    step = obj(
        ("MaHoSo", d.code),
        ("NguoiXuLy", last.actor if last else ""),
        ("ChucDanh", ""),
        ("ThoiDiemXuLy", _date(last.at) if last else ""),
        ("PhongBanXuLy", ""),
        ("NoiDungXuLy", last.action if last else ""),
        ("TrangThai", d.status),
        ("NgayBatDau", ""),
        ("NgayKetThucTheoQuyDinh", ""),
    )
    return _service("progress", obj(("service", "CapNhatTienDoHoSoMC"), ("data", [step])), cfg)


def requests(
    d: Dossier, cfg: OpenCPSConfig = CONFIG, *, exists: bool = False, logged_in: bool = True
) -> list[WireRequest]:
    """One scheduled sync of ``d``, in order, assuming the portal answers success throughout."""
    first = [] if logged_in else [login(cfg)]
    return [
        *first,
        lookup_dossier(d, cfg),
        lookup_procedure(d, cfg),
        sync(d, cfg, exists=exists),
        progress(d, cfg),
    ]


def portal_answer(
    request: WireRequest, d: Dossier, cfg: OpenCPSConfig = CONFIG, *, exists: bool = False
) -> bytes:
    """A realistic portal answer with what OpenCPS reads from it (README.md, "What it reads back")."""
    answer: dict[str, Any] = {"error_code": "0", "message": "Thành công"}
    if request.operation == "login":
        answer["session"] = cfg.session
    elif request.operation == "lookup" and json.loads(request.body)["service"] == "TraCuuHoSo":
        answer["result"] = [{"MaHoSo": d.code, "TrangThaiHoSo": d.status}] if exists else []
    elif request.operation == "lookup":
        field = {"MALINHVUC": d.field_code, "TENLINHVUC": d.field_name}
        answer["result"] = [
            {"MATTHC": d.procedure_code, "TENTTHC": d.procedure_name, "LINHVUCTHUCHIEN": [field]}
        ]
    return json.dumps(answer, ensure_ascii=False).encode("utf-8")
