"""One valid example of every event type: for the OpenAPI docs, the README and tests."""

from __future__ import annotations

from typing import Any

_CASE = "H12.34-260305-0001"


def _event(n: int, kind: str, time: str, data: dict[str, Any] | None, subject: str = _CASE) -> dict[str, Any]:
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": f"igate-{n:06d}",
        "source": "igate",
        "type": kind,
        "time": time,
        "subject": subject,
    }
    if data is not None:
        event["data"] = data
    return event


def example_events() -> dict[str, dict[str, Any]]:
    """The lifecycle of one case and one feedback item, keyed by event type."""
    return {
        e["type"]: e
        for e in (
            _event(
                1,
                "tthc.case.received",
                "2026-03-05T08:30:00+07:00",
                {
                    "unit": "kt",
                    "procedure": "1.004227",
                    "channel": "online_full",
                    "due": "2026-03-12T17:00:00+07:00",
                    "fee": True,
                    "result_document": True,
                    "reused_data": True,
                    "personal_storage": False,
                    "citizen_data": True,
                    "field": "Thành lập và hoạt động doanh nghiệp",
                },
            ),
            _event(
                2,
                "tthc.case.paid",
                "2026-03-05T08:41:00+07:00",
                {
                    "payment_id": "PAY-2026-000123",
                    "channel": "national_portal",
                    "amount": 100000,
                },
            ),
            _event(3, "tthc.case.digitized", "2026-03-05T09:00:00+07:00", {"scope": "dossier"}),
            _event(4, "tthc.case.synced", "2026-03-05T09:05:00+07:00", {}),
            _event(
                5,
                "tthc.case.rescheduled",
                "2026-03-10T10:00:00+07:00",
                {
                    "due": "2026-03-14T17:00:00+07:00",
                },
            ),
            _event(6, "tthc.case.resolved", "2026-03-13T15:20:00+07:00", {"outcome": "approved"}),
            _event(7, "tthc.case.result_issued", "2026-03-13T15:25:00+07:00", {"electronic": True}),
            _event(8, "tthc.case.rated", "2026-03-14T08:00:00+07:00", {"satisfied": True}),
            _event(
                9,
                "tthc.feedback.received",
                "2026-03-06T10:00:00+07:00",
                {
                    "unit": "kt",
                    "due": "2026-03-16T17:00:00+07:00",
                    "case": _CASE,
                },
                subject="PAKN-2026-0042",
            ),
            _event(10, "tthc.feedback.resolved", "2026-03-09T16:00:00+07:00", None, subject="PAKN-2026-0042"),
            _event(
                11,
                "tthc.feedback.rated",
                "2026-03-10T09:00:00+07:00",
                {"satisfied": True},
                subject="PAKN-2026-0042",
            ),
        )
    }
