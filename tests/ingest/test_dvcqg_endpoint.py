"""POST /v1/dvcqg against a real Redis: translate-only mode, and relay mode with a stand-in
of the portal's service (accepting, refusing, slow, down)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import orjson
import pytest
import redis
import yaml

from tthc_contract.plan import Plan, parse_plan
from tthc_contract.signing import EntrySigner
from tthc_contract.streams import DEAD, EVENTS, INGEST_STATS
from tthc_ingest.app import create_app
from tthc_ingest.dvcqg.relay import PortalRelay
from tthc_ingest.dvcqg.sync_body import PROGRESS
from tthc_ingest.keys import KeyRing, key_hash
from tthc_ingest.publisher import EventPublisher

from ..conftest import PLAN_PATH
from .dvcqg_records import KT_AGENCY, record, sync_request
from .standin_portal import StandInPortal

pytestmark = pytest.mark.asyncio
VPDKDD_KEY = "vpdkdd-system-key"


def plan() -> Plan:
    data = yaml.safe_load(PLAN_PATH.read_text(encoding="utf-8"))
    data["dvcqg"] = {"units": {KT_AGENCY: "kt"}, "full_online_procedures": ["1.004227"]}
    data["sources"].append({"id": "vpdkdd-system", "key_sha256": key_hash(VPDKDD_KEY), "units": ["vpdkdd"]})
    return parse_plan(data)


PLAN = plan()


def stored(url: str) -> list[dict[str, Any]]:
    return [orjson.loads(f[b"event"]) for _, f in redis.Redis.from_url(url).xrange(EVENTS)]


async def bridge(redis_url: str, relay: PortalRelay | None = None) -> httpx.AsyncClient:
    app = create_app(
        PLAN,
        KeyRing(PLAN, {}),
        EntrySigner(b"k" * 32),
        EventPublisher(redis.asyncio.Redis.from_url(redis_url)),
        relay,
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ingest", timeout=30)


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with await bridge(redis_url) as c:
        yield c


def post(client: httpx.AsyncClient, body: Any, key: str = "demo-igate-key", **kw: Any) -> Any:
    return client.post(
        "/v1/dvcqg", content=orjson.dumps(body), headers={"Authorization": f"Bearer {key}", **kw}
    )


async def test_records_become_events_and_a_resend_adds_nothing(
    client: httpx.AsyncClient, redis_url: str
) -> None:
    fees = [{"Gia": "50000"}]
    body = sync_request(
        record(),
        record(MaHoSo="H19-2", DanhSachLePhi=fees, DuocThanhToanTrucTuyen="1"),
        record(MaHoSo="H19-3", TrangThaiHoSo="1"),
    )
    response = await post(client, body)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "error_code": "0",
        "message": "Thành công: đã nhận 3 hồ sơ (3 sự kiện) / Success: 3 records (3 events) accepted",
    }
    first = stored(redis_url)
    assert sorted(e["type"] for e in first) == ["tthc.case.paid", "tthc.case.received", "tthc.case.received"]
    again = await post(client, sync_request(*body["data"], updating=True))
    assert again.status_code == 200
    assert len(stored(redis_url)) == 6, (
        "the stream carries the re-send; its identical ids change nothing downstream"
    )
    assert {e["id"] for e in stored(redis_url)} == {e["id"] for e in first}
    counts = redis.Redis.from_url(redis_url).hgetall(INGEST_STATS)
    assert counts[b"dvcqg_records"] == b"6"


async def test_invalid_records_refuse_the_whole_request_naming_each(
    client: httpx.AsyncClient, redis_url: str
) -> None:
    bad = [
        record(MaHoSo="A", NgayHenTra="20260301080000"),
        record(MaHoSo="B"),
        record(MaHoSo="C", DonViXuLy="Sở Tài chính"),
        record(MaHoSo="D", NgayTiepNhan="20991231083000", NgayHenTra="20991231170000"),
    ]
    response = await post(client, sync_request(*bad))
    assert response.status_code == 422
    body = response.json()
    assert body["error_code"] == "422" and body["message"].startswith(
        "Không nhận yêu cầu: 2 hồ sơ không hợp lệ"
    )
    assert [(r["index"], r["MaHoSo"], r["field"]) for r in body["records"]] == [
        (0, "A", "NgayHenTra"),
        (2, "C", "DonViXuLy"),
    ]
    assert (
        "ngày hẹn trả" in body["records"][0]["loi"] and "before NgayTiepNhan" in body["records"][0]["error"]
    )
    future = await post(client, sync_request(bad[3]))
    assert future.status_code == 422 and "in the future" in future.json()["records"][0]["error"]
    assert future.json()["records"][0]["MaHoSo"] == "D"
    assert stored(redis_url) == []


async def test_the_unit_rules_of_section_7_hold_for_records(
    client: httpx.AsyncClient, redis_url: str
) -> None:
    assert (await post(client, sync_request(record(MaHoSo="KT-1")))).status_code == 200
    mine = record(MaHoSo="VP-1", DonViXuLy="vpdkdd")
    assert (await post(client, sync_request(mine), key=VPDKDD_KEY)).status_code == 200
    theirs = record(MaHoSo="KT-1", DonViXuLy="vpdkdd", TrangThaiHoSo="10", NgayKetThucXuLy="20260306100000")
    response = await post(client, sync_request(theirs, mine), key=VPDKDD_KEY)
    assert response.status_code == 403
    [refusal] = response.json()["records"]
    assert refusal["MaHoSo"] == "KT-1" and "unit 'kt'" in refusal["error"] and refusal["loi"]
    other_unit = record(MaHoSo="KT-2")  # received for kt by a source restricted to vpdkdd
    assert (await post(client, sync_request(other_unit), key=VPDKDD_KEY)).status_code == 403
    assert len(stored(redis_url)) == 2


async def test_progress_is_counted_and_bad_requests_are_400(
    client: httpx.AsyncClient, redis_url: str
) -> None:
    progress = {"service": "CapNhatTienDoHoSoMC", "data": [{"MaHoSo": "A", "TrangThai": "4"}] * 3}
    response = await post(client, progress)
    assert (
        response.status_code == 200
        and response.json()["error_code"] == "0"
        and "3" in response.json()["message"]
    )
    assert redis.Redis.from_url(redis_url).hget(INGEST_STATS, "dvcqg_progress") == b"3"
    junk = await post(
        client, {"service": PROGRESS, "data": [{"MaHoSo": "A"}, None, {"MaHoSo": ""}, {"MaHoSo": 7}]}
    )
    assert junk.status_code == 422 and [r["index"] for r in junk.json()["records"]] == [1, 2]
    assert redis.Redis.from_url(redis_url).hget(INGEST_STATS, "dvcqg_progress") == b"3", "nothing counted"
    for body, fragment in (
        ({"service": "LayThuTuc"}, "not a sync request (DongBoHoSoMC, CapNhatTienDoHoSoMC, or an array"),
        ({"data": []}, "not a sync request"),
        ({"username": "u", "password": "p"}, "(login)"),
        ("text", "(not an object or array)"),
        ({"service": "DongBoHoSoMC", "data": {}}, "list"),
    ):
        bad = await post(client, body)
        assert (
            bad.status_code == 400 and bad.json()["error_code"] == "400" and fragment in bad.json()["message"]
        )
    raw = await client.post("/v1/dvcqg", content=b"{oops", headers={"Authorization": "Bearer demo-igate-key"})
    assert raw.status_code == 400 and "JSON" in raw.json()["message"]
    many = await post(client, sync_request(*[record(MaHoSo=f"M{i}") for i in range(1001)]))
    assert many.status_code == 413 and many.json()["error_code"] == "413"
    assert stored(redis_url) == []


async def test_keys_in_the_header_or_the_address(client: httpx.AsyncClient, redis_url: str) -> None:
    anonymous = await client.post("/v1/dvcqg", content=orjson.dumps(sync_request(record())))
    assert anonymous.status_code == 401 and anonymous.json()["error_code"] == "401"
    assert "Authorization: Bearer" in anonymous.json()["message"]
    in_url = await client.post("/v1/dvcqg?key=demo-igate-key", content=orjson.dumps(sync_request(record())))
    assert in_url.status_code == 200


@pytest.fixture
def portal() -> Iterator[StandInPortal]:
    p = StandInPortal()
    yield p
    p.close()


async def test_relay_forwards_first_and_answers_with_the_portals_answer(
    redis_url: str, portal: StandInPortal
) -> None:
    async with await bridge(redis_url, PortalRelay(portal.url, timeout_s=1.0)) as client:
        body = sync_request(record(), record(MaHoSo="BAD", NgayHenTra="20260301080000"))
        response = await post(client, body, dstcode="VN:GOV:H19", **{"X-Extra": "kept"})
        assert response.status_code == 200 and response.json() == {
            "error_code": "0",
            "message": "Đồng bộ thành công",
        }
        first = portal.received[0]
        headers, forwarded = first.headers, first.body
        assert orjson.loads(forwarded) == body, "forwarded unchanged"
        assert (
            headers["dstcode"] == "VN:GOV:H19"
            and headers["x-extra"] == "kept"
            and "authorization" not in headers
        )
        events = stored(redis_url)
        assert sorted(e["type"] for e in events) == ["tthc.case.received", "tthc.case.synced"]
        [(_, letter)] = redis.Redis.from_url(redis_url).xrange(DEAD)
        assert letter[b"stream"] == b"dvcqg" and b"NgayHenTra" in letter[b"reason"]
        assert orjson.loads(letter[b"original.record"])["MaHoSo"] == "BAD"

        portal.mode = "refuse"
        refused = await post(client, sync_request(record(MaHoSo="R-1")))
        assert refused.json() == {"error_code": "-1", "message": "Hồ sơ không hợp lệ"}
        assert not any(e["type"] == "tthc.case.synced" and e["subject"] == "R-1" for e in stored(redis_url))
        assert any(e["type"] == "tthc.case.received" and e["subject"] == "R-1" for e in stored(redis_url))

        portal.mode = "slow"
        before = len(stored(redis_url))
        slow = await post(client, sync_request(record(MaHoSo="S-1")))
        assert (
            slow.status_code == 503
            and slow.json()["error_code"] == "503"
            and "không trả lời" in slow.json()["message"]
        )
        assert len(stored(redis_url)) == before, "no answer from the portal: nothing published"


async def test_relay_publishes_every_record_that_can_be_whatever_refuses_the_others(
    redis_url: str, portal: StandInPortal
) -> None:
    """Three refusals one after the other (invalid events, the key's units, a case of
    another unit): each leaves its record out, and the last record is still published."""
    async with await bridge(redis_url, PortalRelay(portal.url, timeout_s=1.0)) as client:
        assert (await post(client, sync_request(record(MaHoSo="KT-1")))).status_code == 200
        records = [
            record(MaHoSo="VP-\u0001", DonViXuLy="vpdkdd"),  # a control character: invalid events
            record(MaHoSo="VP-KT"),  # received for kt, which this key may not send for
            record(MaHoSo="KT-1", DonViXuLy="vpdkdd"),  # moves kt's case
            record(MaHoSo="VP-OK", DonViXuLy="vpdkdd"),
        ]
        response = await post(client, sync_request(*records), key=VPDKDD_KEY)
        assert response.status_code == 200 and response.json()["error_code"] == "0", "the portal's answer"
        ok = [e for e in stored(redis_url) if e["subject"] == "VP-OK"]
        assert sorted(e["type"] for e in ok) == ["tthc.case.received", "tthc.case.synced"]
        assert not [e for e in stored(redis_url) if e["subject"] in ("VP-\u0001", "VP-KT")]
        letters = [f for _, f in redis.Redis.from_url(redis_url).xrange(DEAD)]
        codes = sorted(orjson.loads(f[b"original.record"])["MaHoSo"] for f in letters)
        assert codes == sorted(["KT-1", "VP-KT", "VP-\u0001"])


async def test_relay_to_a_portal_that_is_down(redis_url: str) -> None:
    from ..servers import free_port

    async with await bridge(
        redis_url, PortalRelay(f"http://127.0.0.1:{free_port()}/", timeout_s=1.0)
    ) as client:
        response = await post(client, sync_request(record()))
        assert response.status_code == 503 and stored(redis_url) == []


async def test_relay_keeps_many_requests_on_few_connections(redis_url: str, portal: StandInPortal) -> None:
    """A busy provincial job: 100 concurrent requests, each with a large record, all relayed."""
    big = record(TrichYeuHoSo="x" * 200_000)
    async with await bridge(redis_url, PortalRelay(portal.url, timeout_s=10.0)) as client:
        answers = await asyncio.gather(
            *(post(client, sync_request({**big, "MaHoSo": f"B-{i}"})) for i in range(100))
        )
    assert {a.status_code for a in answers} == {200} and len(portal.received) == 100
    assert len({e["subject"] for e in stored(redis_url)}) == 100


async def test_relay_keeps_a_sync_body_it_cannot_read_and_never_stores_other_requests(
    redis_url: str, portal: StandInPortal
) -> None:
    cut = b'{"session":"s3cr3t","madonvi":"000.00.31.H19","service":"DongBoHoSoMC","data":[{"MaHoSo":"CUT-1",'
    async with await bridge(redis_url, PortalRelay(portal.url, timeout_s=1.0)) as client:
        answer = await client.post("/v1/dvcqg/sync?key=demo-igate-key", content=cut)
        looked_up = await client.get("/v1/dvcqg/lookup/TraCuuHoSo?mahoso=A&key=demo-igate-key")
        login = await client.post(
            "/v1/dvcqg/auth?key=demo-igate-key", json={"username": "u", "password": "p4ss"}
        )
    assert [r.status_code for r in (answer, looked_up, login)] == [200, 200, 200], "the portal's answers"
    assert [(r.method, r.path, r.query) for r in portal.received] == [
        ("POST", "/sync", ""),
        ("GET", "/lookup/TraCuuHoSo", "mahoso=A"),
        ("POST", "/auth", ""),
    ]
    assert portal.received[0].body == cut, "forwarded unchanged: the portal decides"
    [(_, letter)] = redis.Redis.from_url(redis_url).xrange(DEAD)
    assert letter[b"reason_code"] == b"unreadable" and letter[b"original.portal_accepted"] == b"1"
    assert b"CUT-1" in letter[b"original.body"] and b"s3cr3t" not in letter[b"original.body"], "masked"
    stats = redis.Redis.from_url(redis_url).hgetall(INGEST_STATS)
    assert stats[b"dvcqg_forwarded"] == b"2" and stats[b"dvcqg_dead"] == b"1" and stored(redis_url) == []


async def test_relay_passes_the_portals_own_credentials_and_encodings(
    redis_url: str, portal: StandInPortal
) -> None:
    import gzip

    body = orjson.dumps([record(MaHoSo="GZ-1")])
    headers = {"Authorization": "Bearer portal-token", "Content-Encoding": "gzip"}
    async with await bridge(redis_url, PortalRelay(portal.url, timeout_s=1.0)) as client:
        response = await client.post(
            "/v1/dvcqg/ThemMoi?key=demo-igate-key", content=gzip.compress(body), headers=headers
        )
        wrong = await client.post(
            "/v1/dvcqg/ThemMoi", content=body, headers={"Authorization": "Bearer portal-token"}
        )
    assert response.status_code == 200 and wrong.status_code == 401 and len(portal.received) == 1
    got = portal.received[0]
    assert got.headers["authorization"] == "Bearer portal-token", "with ?key=, the header is the portal's"
    assert got.headers["content-encoding"] == "gzip" and gzip.decompress(got.body) == body
    assert {e["subject"] for e in stored(redis_url)} == {"GZ-1"}
