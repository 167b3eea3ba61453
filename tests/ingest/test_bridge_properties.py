"""Any portal record, with any of its fields given as a string, a number, a boolean, ``""`` or
``null``, is translated or refused with a reason (SPEC section 9.1): never a 500, never silence.
Relay mode: counted as translated or kept in ``tthc:dead``, exactly once. Translate mode: 200 or
a 4xx naming the record. Real Redis, a stand-in portal."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
import redis
import redis.asyncio as aredis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tthc_contract.signing import EntrySigner
from tthc_contract.streams import DEAD, INGEST_STATS
from tthc_ingest.app import create_app
from tthc_ingest.dvcqg.relay import PortalRelay
from tthc_ingest.keys import KeyRing
from tthc_ingest.publisher import EventPublisher

from .client_runs import overlay_plan
from .dvcqg_records import record
from .standin_portal import StandInPortal

PLAN = overlay_plan()
CODES = itertools.count()
AUTH = {"Authorization": "Bearer demo-igate-key"}

scalars = st.one_of(
    st.none(),
    st.just(""),
    st.booleans(),
    st.integers(-5, 20_260_312_170_000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["0", "1", "2", "10", "True", "false", "20260305083000", "2026-03-05", " 7 "]),
    st.text(max_size=20),
)
values = st.one_of(
    scalars,
    st.lists(
        st.dictionaries(st.sampled_from(["IsDeleted", "DuocSoHoa", "Gia", "MaCSDL"]), scalars), max_size=2
    ),
)
FIELDS = [
    "MaTTHC", "TenLinhVuc", "KenhThucHien", "NgayTiepNhan", "NgayHenTra", "TrangThaiHoSo", "NgayTra",
    "NgayKetThucXuLy", "NgayTuChoi", "DonViXuLy", "HoSoCoThanhPhanSoHoa", "DuocThanhToanTrucTuyen",
    "TaiKhoanDuocXacThucVoiVNeID", "DanhSachLePhi", "TaiLieuNop", "DanhSachHoSoBoSung",
    "DanhSachGiayToKetQua", "DSKetNoiCSDL",
]  # fmt: skip
records = st.fixed_dictionaries({}, optional=dict.fromkeys(FIELDS, values)).map(lambda f: record(**f))


@pytest.fixture(scope="module")
def portal() -> Iterator[StandInPortal]:
    p = StandInPortal()
    yield p
    p.close()


def counts(client: redis.Redis) -> tuple[int, int]:
    stats = client.hgetall(INGEST_STATS)
    return int(stats.get(b"dvcqg_records", 0)), client.xlen(DEAD)


async def post(app: Any, body: list[dict[str, Any]], path: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://i") as client:
        return await client.post(
            path, content=orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY), headers=AUTH
        )


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=records)
async def test_any_record_is_translated_or_kept_with_a_reason(
    raw: dict[str, Any], redis_url: str, portal: StandInPortal
) -> None:
    raw["MaHoSo"] = f"P-{next(CODES)}"
    sync = redis.Redis.from_url(redis_url)
    publisher = EventPublisher(aredis.Redis.from_url(redis_url))
    relaying = create_app(
        PLAN, KeyRing(PLAN, {}), EntrySigner(b"p" * 32), publisher, PortalRelay(portal.url, 5)
    )
    translating = create_app(PLAN, KeyRing(PLAN, {}), EntrySigner(b"p" * 32), publisher)
    before = counts(sync)
    answered = await post(relaying, [raw], "/v1/dvcqg/DongBoHoSoMC/ThemMoi")
    after = counts(sync)
    assert answered.status_code == 200, "the portal's answer, whatever the bridge thinks of the record"
    assert (after[0] - before[0]) + (after[1] - before[1]) == 1, "translated or kept, exactly once"
    if after[1] > before[1]:
        [(_, letter)] = sync.xrevrange(DEAD, count=1)
        assert (
            letter[b"reason_code"]
            and letter[b"reason"]
            and orjson.loads(letter[b"original.record"]) == orjson.loads(orjson.dumps(raw))
        )
    direct = await post(translating, [raw], "/v1/dvcqg")
    assert direct.status_code in (200, 422), direct.text
    if direct.status_code == 422:
        assert direct.json()["records"][0]["MaHoSo"] == raw["MaHoSo"] and direct.json()["records"][0]["error"]
    await publisher.close()
