"""The monthly report on schedule: once a kỳ báo cáo closes (the day after the plan's
``reports.period_end_day``), the report of the root unit for that period is generated once,
kept in ``<data dir>/reports/<period>/`` and e-mailed to the plan's ``reports.email`` with
the SMTP settings Alertmanager uses (``TTHC_SMTP_*``).

A marker written after the e-mail makes a restart send nothing twice: ``delivered.json`` in
the folder and, with Redis (as metrics runs it), the field of the kỳ in
``tthc:reports:delivered``, so that another instance, on another machine, sends nothing
twice either. With several metrics instances one delivers, the holder of the lease
``tthc:lease:reports``, and its marker is written fenced by the lease. A crash, or a lease
lost, between the SMTP server's acceptance and the marker (a few milliseconds) would send it
once more. A period closed more than ``CATCH_UP`` ago is not sent late (a new deployment does
not mail old reports). The hash keeps the last ``KEPT`` kỳ (older fields are deleted with
each new one): a few kilobytes.
"""

from __future__ import annotations

import asyncio
import json
import smtplib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import redis.asyncio as aredis

from tthc_contract.fenced_writes import Fence, Unfenced, Writes
from tthc_contract.logs import get_logger
from tthc_contract.periods import LOCAL_TZ
from tthc_contract.plan import Plan
from tthc_contract.report_bodies import ReportDocument
from tthc_contract.report_periods import ReportPeriod, closed_statutory

from ..store import StoreUnavailable
from .labels import place
from .pool import RenderFailed, RenderPool, ReportsBusy
from .render import DOCX, XLSX, render_file
from .routes import filename
from .service import ReportBuilder

log = get_logger("tthc.metrics.reports.delivery")
CATCH_UP = timedelta(days=7)
CHECK_EVERY_S = 60.0
DELIVERED = "tthc:reports:delivered"
"""Hash: kỳ code (``2026-03/ky``) → the marker (JSON), for every instance to read."""
KEPT = 24
FORMATS = ("docx", "xlsx", "html")


@dataclass(frozen=True)
class Smtp:
    smarthost: str | None
    sender: str
    username: str | None = None
    password: str | None = None
    require_tls: bool = True


class ReportDelivery:
    """``renders``: the API's render pool (a report in its place, like any other); without one,
    the report is built and rendered in a thread."""

    def __init__(
        self,
        builder: ReportBuilder,
        plan: Plan,
        directory: Path,
        smtp: Smtp,
        renders: RenderPool | None = None,
        *,
        redis: aredis.Redis | None = None,
        fence: Fence | None = None,
    ) -> None:
        self.builder, self.plan, self.directory, self.smtp = builder, plan, directory, smtp
        self.renders = renders
        self.redis = redis
        """Where every instance reads and writes the markers (none: the folder's only)."""
        self.fence: Fence | None = fence or (Unfenced(redis) if redis is not None else None)

    async def run(self) -> None:
        while True:
            try:
                await self.deliver_due(datetime.now(UTC))
            except (StoreUnavailable, OSError, smtplib.SMTPException, ReportsBusy, RenderFailed) as exc:
                log.warning("reports.delivery_failed", error=str(exc)[:300], retry_in_s=CHECK_EVERY_S)
            await asyncio.sleep(CHECK_EVERY_S)

    async def deliver_due(self, now: datetime) -> Path | None:
        """Deliver the report of the kỳ that closed last, if not done yet; its folder, or None."""
        today = now.astimezone(LOCAL_TZ).date()
        period = closed_statutory(today, self.plan.spec.reports.period_end_day)
        if period is None or today - period.last > CATCH_UP:
            return None
        folder = self.directory / period.code.replace("/", "-")
        if await self.delivered(period, folder):
            return None
        document, contents = await self.make(period, now)
        files = await asyncio.to_thread(self.write, document, contents, folder)
        recipients = self.plan.spec.reports.email
        if recipients:
            await asyncio.to_thread(self.send, document, files, recipients)
        await self.mark(
            period, {"period": period.code, "generated_at": now.isoformat(), "sent_to": recipients}, folder
        )
        log.info("reports.delivered", period=period.code, to=recipients, folder=str(folder))
        return folder

    async def delivered(self, period: ReportPeriod, folder: Path) -> bool:
        if (folder / "delivered.json").exists():
            return True
        return self.redis is not None and bool(await self.redis.hexists(DELIVERED, period.code))

    async def mark(self, period: ReportPeriod, marker: dict[str, Any], folder: Path) -> None:
        text = json.dumps(marker, ensure_ascii=False, indent=2)
        if self.redis is not None and self.fence is not None:
            older = sorted(_text(k) for k in await self.redis.hkeys(DELIVERED))[:-KEPT]
            writes = Writes().hset(DELIVERED, {period.code: text})
            await self.fence.write(writes.hdel(DELIVERED, older) if older else writes)
        (folder / "delivered.json").write_text(text, encoding="utf-8")

    async def make(self, period: ReportPeriod, now: datetime) -> tuple[ReportDocument, dict[str, bytes]]:
        """The monthly report of the root for ``period``, and its files by format."""
        signed_at = place(self.plan.names[self.plan.root], self.plan.spec.reports.place)
        if self.renders is None:
            document = await asyncio.to_thread(self.builder.document, self.plan.root, period, None, now)
            files = [await asyncio.to_thread(render_file, document, ext, signed_at) for ext in FORMATS]
            return document, dict(zip(FORMATS, files, strict=True))
        async with self.renders.place() as slot:
            document = await slot.build(self.builder.document, self.plan.root, period, None, now)
            files = [await slot.render(document, ext, signed_at) for ext in FORMATS]
        return document, dict(zip(FORMATS, files, strict=True))

    def write(self, document: ReportDocument, contents: dict[str, bytes], folder: Path) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for ext, content in contents.items():
            path = folder / filename("monthly", document.unit, document.report, ext)
            path.write_bytes(content)
            paths.append(path)
        return paths

    def send(self, document: ReportDocument, files: list[Path], recipients: list[str]) -> None:
        if not self.smtp.smarthost:
            raise smtplib.SMTPException(
                "reports.email is set: set TTHC_SMTP_SMARTHOST (host:port) to send the report"
            )
        host, _, port = self.smtp.smarthost.rpartition(":")
        message = self.message(document, files, recipients)
        with smtplib.SMTP(host, int(port), timeout=30) as smtp:
            if self.smtp.require_tls:
                smtp.starttls()
            if self.smtp.username:
                smtp.login(self.smtp.username, self.smtp.password or "")
            smtp.send_message(message)

    def message(self, document: ReportDocument, files: list[Path], recipients: list[str]) -> EmailMessage:
        report: ReportPeriod = document.report
        message = EmailMessage()
        message["Subject"] = f"[Báo cáo TTHC] {document.unit_name}: {report.label_vi}"
        message["From"] = self.smtp.sender
        message["To"] = ", ".join(recipients)
        lines = [
            f"Kính gửi lãnh đạo {document.org_name},",
            "",
            f"Hệ thống theo dõi chỉ tiêu cải cách TTHC gửi báo cáo {report.label_vi} (tệp đính kèm: báo cáo .docx để trình ký, "
            "Biểu 06 và các bảng .xlsx, bản .html để xem trên trình duyệt).",
            "",
            *(document.narrative or []),
            "",
            "Thư gửi tự động; số liệu tính từ dữ liệu của các hệ thống của đơn vị.",
        ]
        message.set_content("\n".join(lines))
        types = {".docx": DOCX, ".xlsx": XLSX, ".html": "text/html"}
        for path in files:
            maintype, subtype = types[path.suffix].split(";")[0].split("/")
            message.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
        return message


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
