"""Scenarios about statuses, end times and due times (expectations written by hand, SPEC 9, 9.1)."""

from __future__ import annotations

from .dossiers import Fee, ResultFile, Supplement
from .expectations import NO_EVENT, NOT_SENT, UNIT_NAMES, dead
from .scenario_kit import (
    CHUNG_THUC,
    FORM,
    HCC,
    HKD,
    KHAI_SINH,
    KT,
    PORTAL_ID,
    TRO_CAP,
    TWO_STEPS,
    VP,
    doc,
    dossier,
    expect,
    scenario,
    t,
)

_d1 = dossier(
    1,
    HKD,
    KT,
    "4",
    t(5, 8, 30),
    t(10, 17),
    summary="Đăng ký hộ kinh doanh Tạp hóa Minh Châu",
    documents=(FORM,),
    steps=TWO_STEPS,
)
IN_PROGRESS = scenario(
    "in_progress",
    "received in person, being processed",
    _d1,
    opencps=expect(_d1, "kt", "in_person"),
    huanvu=expect(_d1, "kt", "in_person", digitized=True, citizen_data=True),
)

_d2 = dossier(
    2,
    HKD,
    KT,
    "10",
    t(2, 9),
    t(5, 9),
    channel="2",
    applicant_portal_id=PORTAL_ID,
    processing_end=t(4, 16, 30),
    returned=t(5, 8),
    documents=(FORM,),
    result_code="KQ-1.001612",
    result_files=(
        ResultFile("Giấy chứng nhận đăng ký hộ kinh doanh", "2026/03/2002/gcn-dang-ky-hkd.pdf", "2002"),
    ),
    fees=(Fee("Lệ phí đăng ký hộ kinh doanh", 100_000, True, "truc-tuyen"),),
)
APPROVED_WITH_END = scenario(
    "approved_with_end",
    "submitted and paid on line, result file; ends at NgayKetThucXuLy (NgayTra is later)",
    _d2,
    opencps=expect(_d2, "kt", "in_person", outcome="approved", end=t(4, 16, 30), electronic_result=True),
    huanvu=expect(
        _d2,
        "kt",
        "online_partial",
        outcome="approved",
        end=t(4, 16, 30),
        digitized=True,
        citizen_data=True,
        electronic_result=True,
        fee=True,
        paid_channel="national_portal",
        paid_amount=100_000,
    ),
    exists=True,
)

_d3 = dossier(3, CHUNG_THUC, HCC, "10", t(3, 10), t(3, 16), returned=t(3, 15, 30))
APPROVED_ONLY_RETURNED = scenario(
    "approved_only_returned",
    "result returned (10), only NgayTra known",
    _d3,
    opencps=expect(_d3, "hcc", "in_person", outcome="approved", end=t(3, 15, 30)),
    huanvu=expect(_d3, "hcc", "in_person", outcome="approved", end=t(3, 15, 30), citizen_data=True),
    exists=True,
)

_d4 = dossier(
    4,
    KHAI_SINH,
    VP,
    "9",
    t(9, 8),
    t(9, 17),
    channel="2",
    applicant_portal_id=PORTAL_ID,
    processing_end=t(9, 10, 45),
    documents=(doc("1004", "Tờ khai đăng ký khai sinh", "to-khai-khai-sinh.pdf"),),
    result_code="KQ-1.001193",
    result_files=(ResultFile("Bản điện tử Giấy khai sinh", "2026/03/2004/giay-khai-sinh.pdf", "2004"),),
)
APPROVED_FULL_ONLINE = scenario(
    "approved_full_online",
    "a fully online procedure submitted on line, done (9)",
    _d4,
    opencps=expect(_d4, "vp", "in_person", outcome="approved", end=t(9, 10, 45), electronic_result=True),
    huanvu=expect(
        _d4,
        "vp",
        "online_full",
        outcome="approved",
        end=t(9, 10, 45),
        digitized=True,
        citizen_data=True,
        electronic_result=True,
    ),
    exists=True,
)

_d5 = dossier(5, HKD, KT, "8", t(5, 9, 15), t(10, 9, 15), returned=t(9, 15), documents=(FORM,))
REFUSED_ONLY_RETURNED = scenario(
    "refused_only_returned",
    "stopped (8) with only NgayTra; HuanVu sends status 8 as 9",
    _d5,
    opencps=expect(_d5, "kt", "in_person", outcome="refused", end=t(9, 15)),
    huanvu=expect(
        _d5, "kt", "in_person", outcome="approved", end=t(9, 15), digitized=True, citizen_data=True
    ),
    exists=True,
)

_d6 = dossier(6, HKD, KT, "8", t(5, 10), t(10, 10), refused=t(6, 11, 20), documents=(FORM,))
REFUSED_WITH_REFUSAL_DATE = scenario(
    "refused_with_refusal_date",
    "stopped (8) with only NgayTuChoi, which OpenCPS never sends",
    _d6,
    opencps=dead("NgayKetThucXuLy"),
    huanvu=expect(
        _d6, "kt", "in_person", outcome="approved", end=t(6, 11, 20), digitized=True, citizen_data=True
    ),
    exists=True,
)

_d7 = dossier(7, TRO_CAP, UNIT_NAMES["vhxh"], "7", t(4, 8, 45), t(18, 8, 45), processing_end=t(6, 9, 30))
WITHDRAWN = scenario(
    "withdrawn",
    "the citizen withdrew the dossier (7)",
    _d7,
    opencps=expect(_d7, "vhxh", "in_person", outcome="withdrawn", end=t(6, 9, 30)),
    huanvu=expect(_d7, "vhxh", "in_person", outcome="withdrawn", end=t(6, 9, 30), citizen_data=True),
    exists=True,
)

_d8 = dossier(8, KHAI_SINH, VP, "1", None, None, channel="2", applicant_portal_id=PORTAL_ID)
NEVER_RECEIVED = scenario(
    "never_received",
    "submitted on line (1), not yet received: no NgayTiepNhan, no NgayHenTra",
    _d8,
    opencps=NO_EVENT,
    huanvu=NOT_SENT,
)

_d9 = dossier(9, CHUNG_THUC, HCC, "3", t(5, 15, 10), None)
NOT_ACCEPTED = scenario(
    "not_accepted",
    "not accepted at the counter (3): a reception time, no due, no summary",
    _d9,
    opencps=NO_EVENT,
    huanvu=NO_EVENT,
)

_d10 = dossier(10, HKD, KT, "4", t(6, 10, 15), None)
NO_DUE_WEEKDAY = scenario(
    "no_due_weekday",
    "no NgayHenTra, received on Friday: 3 working days later at the same time",
    _d10,
    opencps=expect(_d10, "kt", "in_person", due=t(11, 10, 15)),
    huanvu=expect(_d10, "kt", "in_person", due=t(11, 10, 15), citizen_data=True),
)

_d11 = dossier(11, HKD, KT, "4", t(7, 9), None, channel="2", applicant_portal_id=PORTAL_ID)
NO_DUE_WEEKEND = scenario(
    "no_due_weekend",
    "no NgayHenTra, received on Saturday: counted from Monday 00:00",
    _d11,
    opencps=expect(_d11, "kt", "in_person", due=t(12, 0)),
    huanvu=expect(_d11, "kt", "online_partial", due=t(12, 0), citizen_data=True),
)

_d12 = dossier(12, TRO_CAP, UNIT_NAMES["vhxh"], "4", t(5, 9), None)
NO_DUE_UNKNOWN = scenario(
    "no_due_unknown_procedure",
    "no NgayHenTra and no processing_days in the catalogue",
    _d12,
    opencps=dead("NgayHenTra"),
    huanvu=dead("NgayHenTra"),
)

_d18 = dossier(
    18, HKD, KT, "4", t(2, 8), t(5, 8), documents=(FORM,), supplements=(Supplement(t(3, 15), t(10, 8)),)
)
SUPPLEMENT_NEW_DUE = scenario(
    "supplement_new_due",
    "supplemented, new due date 10 March, which neither client sends: the due stays 5 March",
    _d18,
    opencps=expect(_d18, "kt", "in_person"),
    huanvu=expect(_d18, "kt", "in_person", digitized=True, citizen_data=True),
    exists=True,
)

_d19 = dossier(
    19, HKD, KT, "5", t(9, 9, 30), t(12, 9, 30), documents=(FORM,), supplements=(Supplement(t(10, 10)),)
)
AWAITING_SUPPLEMENT = scenario(
    "awaiting_supplement",
    "waiting for supplements (5); HuanVu sends it as 9 with no end time at all",
    _d19,
    opencps=expect(_d19, "kt", "in_person"),
    huanvu=dead("NgayKetThucXuLy"),
    exists=True,
)

LIFECYCLE = (
    IN_PROGRESS,
    APPROVED_WITH_END,
    APPROVED_ONLY_RETURNED,
    APPROVED_FULL_ONLINE,
    REFUSED_ONLY_RETURNED,
    REFUSED_WITH_REFUSAL_DATE,
    WITHDRAWN,
    NEVER_RECEIVED,
    NOT_ACCEPTED,
    NO_DUE_WEEKDAY,
    NO_DUE_WEEKEND,
    NO_DUE_UNKNOWN,
    SUPPLEMENT_NEW_DUE,
    AWAITING_SUPPLEMENT,
)
