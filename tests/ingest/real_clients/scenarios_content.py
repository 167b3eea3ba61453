"""Scenarios about files, citizen data, agencies, fees and text (expectations by hand, SPEC 9, 9.1, 10)."""

from __future__ import annotations

from .dossiers import Fee
from .scenario_kit import (
    CCCD,
    CHUNG_THUC,
    DAT_DAI,
    ELEVEN_STEPS,
    HCC,
    HKD,
    KHAI_SINH,
    KT,
    PORTAL_ID,
    VP,
    VPDKDD,
    doc,
    dossier,
    expect,
    scenario,
    t,
)

_d13 = dossier(
    13,
    HKD,
    KT,
    "4",
    t(5, 11),
    t(10, 11),
    documents=(doc("1013", "Bản sao CCCD", "cccd.pdf", deleted=True, reused=True, from_citizen_store=True),),
)
DELETED_DOCUMENT = scenario(
    "deleted_document",
    "its only file, reused from the citizen's store, was deleted (HuanVu still sets HoSoCoThanhPhanSoHoa 1)",
    _d13,
    opencps=expect(_d13, "kt", "in_person"),
    huanvu=expect(_d13, "kt", "in_person", digitized=True, citizen_data=True),
)

_STORE = doc(
    "1014", "Căn cước công dân của người đi khai sinh", "cccd-nguoi-khai.pdf", from_citizen_store=True
)
_d14 = dossier(
    14,
    KHAI_SINH,
    VP,
    "4",
    t(10, 8, 10),
    t(10, 16),
    channel="2",
    applicant_portal_id=PORTAL_ID,
    documents=(_STORE, doc("1114", "Tờ khai đăng ký khai sinh", "to-khai.pdf")),
)
CITIZEN_STORE = scenario(
    "citizen_store",
    "a component taken from the citizen's store on the portal (DuocLayTuKhoDMQG)",
    _d14,
    opencps=expect(_d14, "vp", "in_person"),
    huanvu=expect(
        _d14, "vp", "online_full", digitized=True, reused_data=True, personal_storage=True, citizen_data=True
    ),
)

_GCN = doc("1015", "Giấy chứng nhận quyền sử dụng đất", "gcn-qsdd.pdf", reused_otherwise=True)
_d15 = dossier(
    15,
    DAT_DAI,
    VPDKDD,
    "4",
    t(5, 13, 30),
    t(19, 13, 30),
    documents=(_GCN, doc("1115", "Đơn đăng ký biến động", "don.pdf")),
)
REUSED_DIGITIZED = scenario(
    "reused_digitized",
    'a component reused from already digitized data (HuanVu: DuocTaiSuDung "2", any non-zero number '
    "counts as yes); the unit's name has en dashes",
    _d15,
    opencps=expect(_d15, "vpdkdd", "in_person"),
    huanvu=expect(_d15, "vpdkdd", "in_person", digitized=True, reused_data=True, citizen_data=True),
)

_d16 = dossier(
    16,
    KHAI_SINH,
    VP,
    "4",
    t(11, 9),
    t(11, 17),
    channel="2",
    applicant_portal_id=PORTAL_ID,
    applicant_id=CCCD,
    vneid_verified=True,
)
VNEID_ACCOUNT = scenario(
    "vneid_account",
    "submitted from a VNeID-verified account, which neither client reports",
    _d16,
    opencps=expect(_d16, "vp", "in_person"),
    huanvu=expect(_d16, "vp", "online_full", citizen_data=True),
)

_d17 = dossier(
    17,
    CHUNG_THUC,
    HCC,
    "10",
    t(12, 8, 20),
    t(12, 11, 20),
    processing_end=t(12, 9, 40),
    returned=t(12, 10),
    applicant_id=CCCD,
    identity_number=CCCD,
    documents=(doc("1017", "Giấy khai sinh (bản chính)", "giay-khai-sinh.pdf"),),
)
POPULATION_DB = scenario(
    "population_db_lookup",
    "identity looked up in the population database (SoDinhDanh; HuanVu: first file reused, MaCSDL 7)",
    _d17,
    opencps=expect(_d17, "hcc", "in_person", outcome="approved", end=t(12, 9, 40)),
    huanvu=expect(
        _d17,
        "hcc",
        "in_person",
        outcome="approved",
        end=t(12, 9, 40),
        digitized=True,
        reused_data=True,
        citizen_data=True,
    ),
    exists=True,
)

_d20 = dossier(
    20,
    CHUNG_THUC,
    HCC,
    "10",
    t(13, 8),
    t(13, 16),
    processing_end=t(13, 10),
    returned=t(13, 10, 30),
    result_code="KQ-2.000815",
    documents=(doc("1020", "Giấy khai sinh (bản chính)", "ban-chinh.pdf"),),
)
RESULT_FROM_DOCUMENT = scenario(
    "result_from_first_document",
    "no result file; HuanVu sends the first submitted file as the result",
    _d20,
    opencps=expect(_d20, "hcc", "in_person", outcome="approved", end=t(13, 10)),
    huanvu=expect(
        _d20,
        "hcc",
        "in_person",
        outcome="approved",
        end=t(13, 10),
        digitized=True,
        citizen_data=True,
        electronic_result=True,
    ),
    exists=True,
)

_FEES = (
    Fee("Lệ phí chứng thực bản sao", 6_000, True, "tien-mat"),
    Fee("Phí gửi kết quả qua bưu chính", 20_000, False),
)
_d24 = dossier(
    24,
    CHUNG_THUC,
    HCC,
    "10",
    t(17, 14),
    t(17, 16),
    processing_end=t(17, 14, 40),
    returned=t(17, 15),
    fees=_FEES,
)
FEE_PAID_CASH = scenario(
    "fee_paid_cash",
    "a fee paid in cash at the counter and one unpaid; HuanVu reports the paid one as paid on line",
    _d24,
    opencps=expect(_d24, "hcc", "in_person", outcome="approved", end=t(17, 14, 40)),
    huanvu=expect(
        _d24,
        "hcc",
        "in_person",
        outcome="approved",
        end=t(17, 14, 40),
        citizen_data=True,
        fee=True,
        paid_channel="national_portal",
        paid_amount=6_000,
    ),
    exists=True,
)

_d25 = dossier(
    25,
    DAT_DAI,
    VPDKDD,
    "4",
    t(2, 7, 45),
    t(16, 7, 45),
    channel="3",
    return_by_post=True,
    steps=ELEVEN_STEPS,
    documents=(_GCN, doc("1125", "Hợp đồng chuyển nhượng quyền sử dụng đất", "hop-dong.pdf")),
)
POSTAL_MANY_STEPS = scenario(
    "postal_many_steps",
    "sent by post, result by post, eleven stored steps (HuanVu: progress in batches of 10 and 2)",
    _d25,
    opencps=expect(_d25, "vpdkdd", "in_person"),
    huanvu=expect(_d25, "vpdkdd", "postal", digitized=True, reused_data=True, citizen_data=True),
)

CONTENT = (
    DELETED_DOCUMENT,
    CITIZEN_STORE,
    REUSED_DIGITIZED,
    VNEID_ACCOUNT,
    POPULATION_DB,
    RESULT_FROM_DOCUMENT,
    FEE_PAID_CASH,
    POSTAL_MANY_STEPS,
)
