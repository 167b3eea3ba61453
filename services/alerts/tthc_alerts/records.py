"""Alerts as they are stored, published and delivered (pure).

Two kinds share one record shape: an indicator below target (``Alert`` of the
evaluator) and an early warning of items about to go late (``DueSoonWarning``). Each
becomes the alert object of SPEC section 5 (the API and ``tthc:alerts``) and an
Alertmanager v2 alert (labels ``alertname``, ``unit``, ``indicator``, ``period``,
``severity``; Vietnamese annotations).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from tthc_contract.indicators import BY_CODE
from tthc_contract.periods import LOCAL_TZ, parse_period

from . import texts
from .evaluator import Alert

BELOW_TARGET = "TTHCIndicatorBelowTarget"
DUE_SOON = "TTHCItemsDueSoon"


@dataclass(frozen=True, slots=True)
class DueSoonWarning:
    """Items of one unit about to go late, warned about together, once."""

    unit: str
    period: str
    items: tuple[dict[str, str], ...]
    within_s: float
    started_at: datetime
    ends_at: datetime
    status: str = "firing"
    resolved_at: datetime | None = None
    key: str = field(default="")

    @property
    def id(self) -> str:
        return f"{self.unit}/due_soon/{self.key}"


def warning_key(items: list[dict[str, str]]) -> str:
    return hashlib.sha1("\x1f".join(sorted(i["code"] for i in items)).encode()).hexdigest()[:12]


def _iso(value: datetime | None) -> str | None:
    """Local time to the second, as everywhere in the API (``2026-11-26T14:58:20+07:00``)."""
    return value.astimezone(LOCAL_TZ).isoformat(timespec="seconds") if value else None


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def public(record: Alert | DueSoonWarning) -> dict[str, Any]:
    """The alert object of SPEC section 5."""
    if isinstance(record, DueSoonWarning):
        return {
            "id": record.id,
            "unit": record.unit,
            "indicator": "due_soon",
            "period": record.period,
            "status": record.status,
            "value": None,
            "target": None,
            "numerator": len(record.items),
            "denominator": len(record.items),
            "started_at": _iso(record.started_at),
            "resolved_at": _iso(record.resolved_at),
        }
    return {
        "id": record.id,
        "unit": record.unit,
        "indicator": record.indicator,
        "period": record.period,
        "status": record.status,
        "value": record.value,
        "target": record.target,
        "numerator": record.numerator,
        "denominator": record.denominator,
        "started_at": _iso(record.started_at),
        "resolved_at": _iso(record.resolved_at),
    }


def dump(record: Alert | DueSoonWarning) -> dict[str, Any]:
    """Everything needed to restore the record after a restart. Every field is a plain value
    but a warning's items, listed as they are, so the fields are read as they are
    (``asdict`` copied each deeply: a quarter of the alerts service's CPU under live traffic)."""
    data = {name: getattr(record, name) for name in _FIELDS[type(record)]}
    data["kind"] = "warning" if isinstance(record, DueSoonWarning) else "alert"
    for name in ("pending_since", "started_at", "resolved_at", "ends_at"):
        if name in data and data[name] is not None:
            data[name] = data[name].isoformat()  # full precision: timers continue exactly
    if isinstance(record, DueSoonWarning):
        data["items"] = list(record.items)
    return data


_FIELDS = {kind: tuple(f.name for f in fields(kind)) for kind in (Alert, DueSoonWarning)}


def load(data: dict[str, Any]) -> Alert | DueSoonWarning:
    data = dict(data)
    kind = data.pop("kind")
    for name in ("pending_since", "started_at", "resolved_at", "ends_at"):
        if name in data:
            data[name] = _time(data[name])
    if kind == "warning":
        data["items"] = tuple(data["items"])
        return DueSoonWarning(**data)
    return Alert(**data)


def for_alertmanager(
    record: Alert | DueSoonWarning, unit_name: str, now: datetime, keep_alive: timedelta, source_url: str
) -> dict[str, Any]:
    """The v2 API alert. A firing alert ends ``keep_alive`` from now unless posted again
    (so it resolves by itself if this service stops for good); a resolved one ends then."""
    period_label = parse_period(record.period).label_vi
    if isinstance(record, DueSoonWarning):
        labels = {
            "alertname": DUE_SOON,
            "unit": record.unit,
            "indicator": "due_soon",
            "period": record.period,
            "severity": "warning",
            "batch": record.key,
        }
        annotations = {
            "summary": texts.due_soon_summary(unit_name, list(record.items), record.within_s / 3600),
            "description": texts.due_soon_description(list(record.items)),
        }
        ends = record.resolved_at or min(record.ends_at, now + keep_alive)
    else:
        labels = {
            "alertname": BELOW_TARGET,
            "unit": record.unit,
            "indicator": record.indicator,
            "period": record.period,
            "severity": "warning",
        }
        annotations = {
            "summary": texts.summary(record, unit_name),
            "description": texts.description(record),
            "indicator_name": BY_CODE[record.indicator].name_vi,
        }
        ends = record.resolved_at or (now + keep_alive)
    annotations |= {"unit_name": unit_name, "period_label": period_label}
    return {
        "labels": labels,
        "annotations": annotations,
        "startsAt": _iso(record.started_at),
        "endsAt": _iso(ends),
        "generatorURL": f"{source_url}/v1/indicators?unit={record.unit}&period={record.period}",
    }
