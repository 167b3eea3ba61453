"""Report periods (SPEC section 8): local dates ``from``..``to``, inclusive.

- a calendar period of section 3: ``2026-03``, ``2026-Q1``, ``2026``;
- a statutory reporting period (kỳ báo cáo), ``2026-03/ky``: from the day after the plan's
  ``reports.period_end_day`` of the previous month to that day of the month (15 Feb – 14 Mar
  by default); ``2026-Q1/ky`` ends in the quarter's last month, ``2026/ky`` in December;
- ``from``/``to`` dates (``YYYY-MM-DD``).

The instants are S = ``from`` 00:00 and E = the day after ``to``, 00:00 (Asia/Ho_Chi_Minh).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from .periods import FIRST_YEAR, LAST_YEAR, LOCAL_TZ, Period, PeriodError, parse_period

STATUTORY = "/ky"
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True, slots=True)
class ReportPeriod:
    first: date
    last: date
    code: str
    """What was asked: ``2026-03``, ``2026-03/ky`` or ``2026-03-01..2026-03-31``."""
    label_vi: str
    calendar: Period | None = None
    """The calendar period, when the report is one (its numbers are then /v1/indicators')."""

    def bounds(self) -> tuple[datetime, datetime]:
        """[S, E) in UTC."""
        start = datetime(self.first.year, self.first.month, self.first.day, tzinfo=LOCAL_TZ)
        end_day = self.last + timedelta(days=1)
        end = datetime(end_day.year, end_day.month, end_day.day, tzinfo=LOCAL_TZ)
        return start.astimezone(UTC), end.astimezone(UTC)

    @property
    def dates_vi(self) -> str:
        return f"Từ ngày {self.first:%d/%m/%Y} đến ngày {self.last:%d/%m/%Y}"


def parse_report_period(text: str, period_end_day: int) -> ReportPeriod:
    if text.endswith(STATUTORY):
        return statutory(parse_period(text.removesuffix(STATUTORY)), period_end_day, text)
    period = parse_period(text)
    first = period.first_day
    last = _next_month(period.last_month_start) - timedelta(days=1)
    return ReportPeriod(first, last, period.code, period.label_vi, period)


def statutory(period: Period, end_day: int, code: str | None = None) -> ReportPeriod:
    """The kỳ báo cáo ending on ``end_day`` of the period's last month."""
    last = date(period.year, period.first_month + period.months - 1, end_day)
    before = period.first_day - timedelta(days=1)  # a day of the month before the period
    first = date(before.year, before.month, end_day) + timedelta(days=1)
    label = f"kỳ báo cáo {period.label_vi} (từ {first:%d/%m/%Y} đến {last:%d/%m/%Y})"
    return ReportPeriod(first, last, code or f"{period.code}{STATUTORY}", label)


def between(first_text: str, last_text: str) -> ReportPeriod:
    first, last = _day("from", first_text), _day("to", last_text)
    if last < first:
        raise PeriodError(f"to={last_text} is before from={first_text}")
    if first.year < FIRST_YEAR or last.year > LAST_YEAR:
        raise PeriodError(f"dates must lie between {FIRST_YEAR} and {LAST_YEAR}")
    return ReportPeriod(first, last, f"{first}..{last}", f"từ {first:%d/%m/%Y} đến {last:%d/%m/%Y}")


def _day(name: str, text: str) -> date:
    # Strictly YYYY-MM-DD: Python 3.11's fromisoformat also takes 20260301 and 2026-W10-1.
    if not _DAY.fullmatch(text):
        raise PeriodError(f"{name}={text!r}: write the date as YYYY-MM-DD, e.g. 2026-03-01")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PeriodError(f"{name}={text!r}: there is no such day") from None


def previous(report: ReportPeriod, end_day: int) -> ReportPeriod | None:
    """The period before, of the same kind (for "what changed since the previous period")."""
    if report.calendar is not None or report.code.endswith(STATUTORY):
        base = report.calendar or parse_period(report.code.removesuffix(STATUTORY))
        before = _shift_back(base)
        if before is None:
            return None
        return parse_report_period(before.code, end_day) if report.calendar else statutory(before, end_day)
    length = report.last - report.first
    last = report.first - timedelta(days=1)
    first = last - length
    return None if first.year < FIRST_YEAR else between(first.isoformat(), last.isoformat())


def closed_statutory(today: date, end_day: int) -> ReportPeriod | None:
    """The monthly kỳ báo cáo that ended before ``today``, if it ended this month or last."""
    month = (
        Period(today.year, today.month, 1)
        if today.day > end_day
        else _shift_back(Period(today.year, today.month, 1))
    )
    return statutory(month, end_day) if month is not None else None


def _shift_back(period: Period) -> Period | None:
    first = period.first_day
    year, month = first.year, first.month - period.months
    while month < 1:
        year, month = year - 1, month + 12
    return None if year < FIRST_YEAR else Period(year, month, period.months)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


__all__ = [
    "PeriodError",
    "ReportPeriod",
    "between",
    "closed_statutory",
    "parse_report_period",
    "previous",
    "statutory",
]
