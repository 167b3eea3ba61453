"""A dossier as a one-stop-shop system holds it, in neutral Python types.

Only what at least one of the two reference clients puts on the wire (README.md says which client
sends what). Times are naive local times (Asia/Ho_Chi_Minh, UTC+7), seconds precision, as both
systems store them. Statuses use the portal's numbering (1–10), which HuanVu201's system uses
locally too and OpenCPS reaches through its status mapping table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

ApplicantKind = Literal["individual", "business", "agency", "organisation"]
PaymentMethod = Literal["truc-tuyen", "tien-mat", "chuyen-khoan"]


@dataclass(frozen=True)
class Document:
    """A file of the dossier's components (thành phần hồ sơ)."""

    name: str
    path: str  # stored relative path; each client prefixes its own download address
    file_id: str
    component_code: str = ""  # mã giấy tờ of the component
    deleted: bool = False  # removed after submission (HuanVu: DeletedOn set; OpenCPS: removed)
    reused: bool = False  # reused already digitized data (HuanVu: TrangThaiSoHoa = 2)
    reused_otherwise: bool = False  # HuanVu: TrangThaiSoHoa = 3, which it sends as DuocTaiSuDung "2"
    from_citizen_store: bool = False  # taken from the citizen's store on the portal (kho DMQG)


@dataclass(frozen=True)
class ResultFile:
    """A result document issued as a file (kết quả giải quyết)."""

    name: str
    path: str
    file_id: str


@dataclass(frozen=True)
class Fee:
    """A fee or charge request (yêu cầu thanh toán)."""

    name: str
    amount: int  # VND
    paid: bool
    method: PaymentMethod = "truc-tuyen"


@dataclass(frozen=True)
class Supplement:
    """A request for supplementary documents; neither client sends these (both send [])."""

    requested: datetime
    new_due: datetime | None = None


@dataclass(frozen=True)
class Step:
    """A processing step (quá trình xử lý) not yet sent to the portal."""

    actor: str
    at: datetime
    action: str
    status: str = "4"
    step_due: datetime | None = None


@dataclass(frozen=True)
class Dossier:
    code: str  # MaHoSo
    procedure_code: str  # MaTTHC
    procedure_name: str
    field_code: str
    field_name: str
    agency_name: str | None  # the unit's name in the system (both clients send a name as DonViXuLy)
    status: str  # "1".."10"
    received: datetime | None
    due: datetime | None
    applicant_name: str = "Nguyễn Văn An"
    applicant_kind: ApplicantKind = "individual"
    applicant_id: str | None = None  # số giấy tờ of the owner (CMND 9 digits, CCCD 12 digits)
    applicant_portal_id: str | None = None  # the owner's DVCQG account id (MaDoiTuong)
    identity_number: str | None = None  # số định danh looked up for the dossier (HuanVu SoDinhDanh)
    vneid_verified: bool = False  # neither client sends it as true
    phone: str | None = "0912345678"
    email: str | None = None
    summary: str = ""  # trích yếu
    channel: str | None = "1"  # local KenhThucHien: 1 in person, 2 online, 3 postal
    return_by_post: bool = False
    processing_end: datetime | None = None  # NgayKetThucXuLy
    returned: datetime | None = None  # NgayTra
    refused: datetime | None = None  # NgayTuChoi
    documents: tuple[Document, ...] = ()
    result_code: str | None = None  # the procedure's main result code in the system's catalogue
    result_files: tuple[ResultFile, ...] = ()
    fees: tuple[Fee, ...] = ()
    supplements: tuple[Supplement, ...] = ()
    steps: tuple[Step, ...] = ()
