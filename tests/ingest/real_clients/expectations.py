"""What the bridge must make of a client's records (SPEC 9 and 9.1), written by hand per scenario.

An expectation is per client, because the two clients send the same dossier differently: OpenCPS
sends no channel, no digitization or payment flags and no NgayTuChoi; HuanVu201's system relabels
statuses 5, 6, 8 as 9, sends only paid fees, and tags every dossier with ``MaCSDL`` "7".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

Kind = Literal["case", "dead", "no_event", "not_sent"]

UNIT_NAMES = {
    "hcc": "Trung tâm Phục vụ hành chính công",
    "vp": "Văn phòng HĐND – UBND xã",
    "kt": "Phòng Kinh tế",
    "vhxh": "Phòng Văn hóa - Xã hội",
    "dvth": "Trung tâm dịch vụ tổng hợp",
    "vpdkdd": "Văn phòng Đăng ký đất đai Đồng Nai – Chi nhánh Đồng Phú",
    "thue10": "Thuế cơ sở 10 tỉnh Đồng Nai",
}
"""The units of ``deploy/plans/dong-phu-2026.yaml``; the clients send these names as DonViXuLy."""

PORTAL_AGENCY_CODE = "000.20.31.H19"
"""OpenCPS's ``madonvi`` (its portal agency code), mapped to hcc by the overlay below."""

CITIZEN_DATABASE = "7"
"""The only ``MaCSDL`` either client ever sends (HuanVu201, on every dossier). Neither repository says
which database 7 is; the overlay takes it as the national population database (an assumption)."""

PLAN_OVERLAY: dict[str, dict[str, Any]] = {
    "dvcqg": {
        "units": {PORTAL_AGENCY_CODE: "hcc"},
        "full_online_procedures": ["1.001193"],
        "citizen_databases": [CITIZEN_DATABASE],
    },
    "scorecard": {
        "procedures": {
            "1.001612": {"fee": True, "online": "partial", "processing_days": 3},
            "1.001193": {"online": "full", "processing_days": 1},
            "2.000815": {"fee": True, "online": "partial"},
            "2.000889": {"fee": True, "online": "partial", "units": ["vpdkdd"], "processing_days": 10},
        },
    },
}
"""Merge into the shipped plan's ``dvcqg`` and ``scorecard`` sections. ``1.001776`` is deliberately
absent from the catalogue (no ``processing_days``)."""


@dataclass(frozen=True)
class ExpectedCase:
    """The case the record's events must make (SPEC 2: the ``received`` event and what follows)."""

    unit: str
    procedure: str
    field: str
    channel: str
    received: datetime  # local time
    due: datetime  # local time; no client ever sends a reschedule
    outcome: str | None = None  # approved | refused | withdrawn
    end: datetime | None = None
    digitized: bool = False  # a ``digitized`` event with scope ``dossier``
    reused_data: bool = False
    personal_storage: bool = False
    citizen_data: bool = False
    electronic_result: bool = False  # ``result_issued`` electronic + ``digitized`` scope ``result`` at end
    fee: bool = False
    paid_channel: str | None = None  # one ``paid`` at the received time, payment id = MaHoSo
    paid_amount: int | None = None


@dataclass(frozen=True)
class Expected:
    """``case``: the events above; ``dead``: refused, kept with a reason naming ``reason``;
    ``no_event``: accepted, nothing published (never received); ``not_sent``: the client sends
    nothing for this dossier."""

    kind: Kind
    case: ExpectedCase | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        if (self.kind == "case") != (self.case is not None) or (self.kind == "dead") != (
            self.reason is not None
        ):
            raise ValueError(f"inconsistent expectation {self!r}")


def case(c: ExpectedCase) -> Expected:
    return Expected("case", case=c)


def dead(reason: str) -> Expected:
    return Expected("dead", reason=reason)


NO_EVENT = Expected("no_event")
NOT_SENT = Expected("not_sent")
