"""The monthly report on schedule, against a real SMTP server (aiosmtpd): generated once
when the kỳ báo cáo closes, e-mailed with its files, kept, and not sent again after a restart."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aredis
import yaml

from tthc_contract.lease import Lease, LeaseLost
from tthc_contract.periods import LOCAL_TZ
from tthc_contract.plan import Plan, parse_plan
from tthc_metrics.reports.delivery import DELIVERED, ReportDelivery, Smtp
from tthc_metrics.reports.pool import RenderPool, ReportsBusy
from tthc_metrics.reports.service import ReportBuilder
from tthc_metrics.store import Store
from tthc_metrics.writer import Writer

from ..conftest import PLAN_PATH
from ..servers import Mailbox
from .test_bieu06 import march_history
from .test_indicators import store_events

pytestmark = pytest.mark.asyncio


def plan_mailing(*to: str) -> Plan:
    data = yaml.safe_load(PLAN_PATH.read_text(encoding="utf-8"))
    data["reports"] = {"period_end_day": 14, "email": list(to)}
    return parse_plan(data)


def delivery(
    store: Store,
    plan: Plan,
    directory: Path,
    mailbox: Mailbox,
    renders: RenderPool | None = None,
    **shared: Any,
) -> ReportDelivery:
    """A new one for each "start" of metrics: only the directory is kept between them."""
    smtp = Smtp(f"127.0.0.1:{mailbox.port}", "tthc-bao-cao@dongphu.local", require_tls=False)
    return ReportDelivery(ReportBuilder(store, plan), plan, directory, smtp, renders, **shared)


async def test_sent_once_when_the_period_closes_and_not_again_after_a_restart(
    writer: Writer, store: Store, tmp_path: Path, mailbox: Mailbox
) -> None:
    await store_events(writer, march_history())
    plan = plan_mailing("chutich@dongphu.gov.vn", "hcc@dongphu.gov.vn")
    folder = tmp_path / "reports"
    last_day = datetime(2026, 3, 14, 23, 59, tzinfo=LOCAL_TZ)
    # Still the 14th: the kỳ of March is open; February's closed more than a week ago.
    assert await delivery(store, plan, folder, mailbox).deliver_due(last_day) is None
    assert mailbox.messages == []

    next_day = datetime(2026, 3, 15, 0, 1, tzinfo=LOCAL_TZ)
    renders = RenderPool(1)  # as metrics runs it: in the API's render processes
    try:
        written = await delivery(store, plan, folder, mailbox, renders).deliver_due(next_day)
    finally:
        renders.close()
    assert written == folder / "2026-03-ky"
    assert sorted(p.name for p in written.iterdir()) == [
        "delivered.json", "monthly_dong-phu_2026-03-ky.docx", "monthly_dong-phu_2026-03-ky.html", "monthly_dong-phu_2026-03-ky.xlsx",
    ]  # fmt: skip
    [message] = mailbox.messages
    assert message["To"] == "chutich@dongphu.gov.vn, hcc@dongphu.gov.vn"
    assert (
        message["Subject"]
        == "[Báo cáo TTHC] UBND xã Đồng Phú: kỳ báo cáo tháng 03/2026 (từ 15/02/2026 đến 14/03/2026)"
    )
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Kính gửi lãnh đạo UBND xã Đồng Phú" in body and "Trong kỳ tiếp nhận" in body
    attachments = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    assert set(attachments) == {f"monthly_dong-phu_2026-03-ky.{ext}" for ext in ("docx", "xlsx", "html")}
    assert (
        attachments["monthly_dong-phu_2026-03-ky.docx"]
        == (written / "monthly_dong-phu_2026-03-ky.docx").read_bytes()
    )

    later = datetime(2026, 3, 15, 9, 0, tzinfo=LOCAL_TZ)
    for _ in range(2):  # restarted twice that day: nothing more
        assert await delivery(store, plan, folder, mailbox).deliver_due(later) is None
    assert len(mailbox.messages) == 1
    assert (
        await delivery(store, plan, folder, mailbox).deliver_due(datetime(2026, 4, 15, 8, 0, tzinfo=LOCAL_TZ))
        == folder / "2026-04-ky"
    )
    assert len(mailbox.messages) == 2


async def test_without_recipients_the_report_is_only_kept(
    writer: Writer, store: Store, tmp_path: Path, mailbox: Mailbox
) -> None:
    await store_events(writer, march_history())
    written = await delivery(store, plan_mailing(), tmp_path, mailbox).deliver_due(
        datetime(2026, 3, 16, 8, 0, tzinfo=LOCAL_TZ)
    )
    assert written is not None and (written / "monthly_dong-phu_2026-03-ky.docx").stat().st_size > 10_000
    assert mailbox.messages == []


async def test_a_busy_render_pool_puts_the_report_off_to_the_next_check(
    writer: Writer, store: Store, tmp_path: Path, mailbox: Mailbox
) -> None:
    await store_events(writer, march_history())
    renders = RenderPool(1, waiting=0)
    try:
        async with renders.place():  # the one place is taken (a report being made)
            with pytest.raises(ReportsBusy):
                await delivery(store, plan_mailing("a@b.vn"), tmp_path, mailbox, renders).deliver_due(
                    datetime(2026, 3, 16, 8, 0, tzinfo=LOCAL_TZ)
                )
        assert mailbox.messages == [] and not (tmp_path / "2026-03-ky" / "delivered.json").exists()
    finally:
        renders.close()


async def test_another_instance_on_another_machine_sends_nothing_twice(
    writer: Writer, store: Store, redis: aredis.Redis, tmp_path: Path, mailbox: Mailbox
) -> None:
    """The marker is in Redis too: an instance with a folder of its own (another machine)
    that takes the lease over after the first delivered sends nothing again; the first one's
    marker was written fenced by its lease, and a marker written without the lease is refused."""
    await store_events(writer, march_history())
    plan, day = plan_mailing("chutich@dongphu.gov.vn"), datetime(2026, 3, 16, 8, 0, tzinfo=LOCAL_TZ)
    first, second = Lease(redis, "reports", holder="a"), Lease(redis, "reports", holder="b")
    assert await first.acquire()
    one = delivery(store, plan, tmp_path / "a", mailbox, redis=redis, fence=first)
    assert await one.deliver_due(day) == tmp_path / "a" / "2026-03-ky"
    assert len(mailbox.messages) == 1 and await redis.hexists(DELIVERED, "2026-03/ky")
    assert await first.release() and await second.acquire()
    other = delivery(store, plan, tmp_path / "b", mailbox, redis=redis, fence=second)
    assert await other.deliver_due(day) is None
    assert len(mailbox.messages) == 1 and not (tmp_path / "b").exists()
    await redis.delete(DELIVERED)
    stale = delivery(store, plan, tmp_path / "c", mailbox, redis=redis, fence=first)  # lease lost
    with pytest.raises(LeaseLost):
        await stale.deliver_due(day)
    assert not await redis.hexists(DELIVERED, "2026-03/ky"), "a writer without the lease changes nothing"
