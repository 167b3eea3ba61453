"""Building events for metrics tests in a few words."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

_ids = itertools.count(1)


def t(text: str) -> str:
    """``'2026-03-05 08:30'`` (local time) → RFC 3339 with +07:00."""
    return datetime.fromisoformat(text).strftime("%Y-%m-%dT%H:%M:%S+07:00")


def ev(
    kind: str, subject: str, time: str, data: dict[str, Any] | None = None, **envelope: Any
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": f"e{next(_ids)}",
        "source": "igate",
        "type": kind,
        "time": time,
        "subject": subject,
    }
    if data is not None:
        event["data"] = data
    event.update(envelope)
    return event


def received(
    case: str, time: str, unit: str = "kt", channel: str = "online_full", due: str | None = None, **data: Any
) -> dict[str, Any]:
    due = due or (datetime.fromisoformat(time) + timedelta(days=5)).isoformat()
    return ev(
        "tthc.case.received",
        case,
        time,
        {"unit": unit, "procedure": "1.004227", "channel": channel, "due": due, **data},
    )


def resolved(case: str, time: str, outcome: str = "approved") -> dict[str, Any]:
    return ev("tthc.case.resolved", case, time, {"outcome": outcome})


def paid(case: str, time: str, payment_id: str, channel: str = "national_portal") -> dict[str, Any]:
    return ev("tthc.case.paid", case, time, {"payment_id": payment_id, "channel": channel, "amount": 1000})


def digitized(case: str, time: str, scope: str = "dossier") -> dict[str, Any]:
    return ev("tthc.case.digitized", case, time, {"scope": scope})


def result(case: str, time: str, electronic: bool = True) -> dict[str, Any]:
    return ev("tthc.case.result_issued", case, time, {"electronic": electronic})


def synced(case: str, time: str) -> dict[str, Any]:
    return ev("tthc.case.synced", case, time, {})


def rescheduled(case: str, time: str, due: str) -> dict[str, Any]:
    return ev("tthc.case.rescheduled", case, time, {"due": due})


def rated(case: str, time: str, satisfied: bool) -> dict[str, Any]:
    return ev("tthc.case.rated", case, time, {"satisfied": satisfied})


def feedback(code: str, time: str, unit: str, due: str, case: str | None = None) -> dict[str, Any]:
    data = {"unit": unit, "due": due, **({"case": case} if case else {})}
    return ev("tthc.feedback.received", code, time, data)


def feedback_rated(code: str, time: str, satisfied: bool) -> dict[str, Any]:
    return ev("tthc.feedback.rated", code, time, {"satisfied": satisfied})


def feedback_resolved(code: str, time: str) -> dict[str, Any]:
    return ev("tthc.feedback.resolved", code, time)


def utc(text: str) -> datetime:
    return (
        datetime.fromisoformat(text).replace(tzinfo=UTC) if "+" not in text else datetime.fromisoformat(text)
    )


ALERT_CHANGE: dict[str, Any] = {
    "id": "kt/online_rate/2026-03",
    "unit": "kt",
    "indicator": "online_rate",
    "period": "2026-03",
    "status": "firing",
    "value": 0.8,
    "target": 0.9,
    "numerator": 8,
    "denominator": 10,
    "started_at": "2026-03-10T08:00:00+07:00",
    "resolved_at": None,
}
"""The body of a ``tthc:alerts`` entry: kt's online rate firing in March 2026."""
