"""Reporting periods: ``YYYY-MM`` (month), ``YYYY-Qn`` (quarter), ``YYYY`` (year).

A case belongs to the period containing its ``received`` time in local time
(Asia/Ho_Chi_Minh). Every period is a contiguous range of months, which is how the
metrics store sums it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

LOCAL_TZ_NAME = "Asia/Ho_Chi_Minh"
LOCAL_TZ = ZoneInfo(LOCAL_TZ_NAME)

PeriodKind = Literal["month", "quarter", "year"]
PERIOD_KINDS: tuple[PeriodKind, ...] = ("month", "quarter", "year")

_PATTERN = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>\d{2})|Q(?P<quarter>[1-4])))?$")


FIRST_YEAR, LAST_YEAR = 2000, 2099
"""The years events may carry (``events.EARLIEST``..``LATEST``): no period outside holds data."""


class PeriodError(ValueError):
    """A period string that is not ``YYYY-MM``, ``YYYY-Qn`` or ``YYYY``."""


@dataclass(frozen=True, slots=True, order=True)
class Period:
    year: int
    first_month: int
    months: int

    @property
    def kind(self) -> PeriodKind:
        return {1: "month", 3: "quarter", 12: "year"}[self.months]  # type: ignore[return-value]

    @property
    def code(self) -> str:
        if self.months == 1:
            return f"{self.year:04d}-{self.first_month:02d}"
        if self.months == 3:
            return f"{self.year:04d}-Q{(self.first_month - 1) // 3 + 1}"
        return f"{self.year:04d}"

    @property
    def label_vi(self) -> str:
        """How people write the period: «tháng 03/2026», «quý 1/2026», «năm 2026»."""
        if self.months == 1:
            return f"tháng {self.first_month:02d}/{self.year}"
        if self.months == 3:
            return f"quý {(self.first_month - 1) // 3 + 1}/{self.year}"
        return f"năm {self.year}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.first_month, 1)

    @property
    def last_month_start(self) -> date:
        return date(self.year, self.first_month + self.months - 1, 1)

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) in UTC: local midnight of the first day, and of the day after."""
        end_year, end_month = divmod(self.first_month - 1 + self.months, 12)
        start = datetime(self.year, self.first_month, 1, tzinfo=LOCAL_TZ)
        end = datetime(self.year + end_year, end_month + 1, 1, tzinfo=LOCAL_TZ)
        return start.astimezone(UTC), end.astimezone(UTC)

    def month_starts(self) -> list[date]:
        return [date(self.year, self.first_month + i, 1) for i in range(self.months)]

    def __str__(self) -> str:
        return self.code


def parse_period(text: str) -> Period:
    match = _PATTERN.match(text)
    if not match:
        raise PeriodError(f"period {text!r} is not one of YYYY-MM (month), YYYY-Qn (quarter), YYYY (year)")
    year = int(match["year"])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise PeriodError(f"period {text!r}: the year must be between {FIRST_YEAR} and {LAST_YEAR}")
    if match["month"]:
        month = int(match["month"])
        if not 1 <= month <= 12:
            raise PeriodError(f"period {text!r}: the month must be 01 to 12")
        return Period(year, month, 1)
    if match["quarter"]:
        return Period(year, (int(match["quarter"]) - 1) * 3 + 1, 3)
    return Period(year, 1, 12)


def all_periods(first_year: int, last_year: int) -> list[Period]:
    """Every month, quarter and year of the years given, in order."""
    out = []
    for year in range(first_year, last_year + 1):
        out.append(Period(year, 1, 12))
        out += [Period(year, q * 3 + 1, 3) for q in range(4)]
        out += [Period(year, m, 1) for m in range(1, 13)]
    return out


def period_of(instant: datetime, kind: PeriodKind) -> Period:
    """The period of ``kind`` that contains ``instant`` in local time."""
    local = instant.astimezone(LOCAL_TZ)
    if kind == "month":
        return Period(local.year, local.month, 1)
    if kind == "quarter":
        return Period(local.year, (local.month - 1) // 3 * 3 + 1, 3)
    return Period(local.year, 1, 12)
