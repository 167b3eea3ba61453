"""Report periods (SPEC section 8): calendar, statutory (kỳ báo cáo) and from/to dates."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tthc_contract.periods import LOCAL_TZ, PeriodError
from tthc_contract.report_periods import between, closed_statutory, parse_report_period, previous


@pytest.mark.parametrize(
    ("code", "end_day", "first", "last"),
    [
        ("2026-03", 14, date(2026, 3, 1), date(2026, 3, 31)),
        ("2026-02", 14, date(2026, 2, 1), date(2026, 2, 28)),
        ("2026-Q1", 14, date(2026, 1, 1), date(2026, 3, 31)),
        ("2026", 14, date(2026, 1, 1), date(2026, 12, 31)),
        ("2026-03/ky", 14, date(2026, 2, 15), date(2026, 3, 14)),
        ("2026-01/ky", 14, date(2025, 12, 15), date(2026, 1, 14)),
        ("2026-Q1/ky", 14, date(2025, 12, 15), date(2026, 3, 14)),
        ("2026/ky", 14, date(2025, 12, 15), date(2026, 12, 14)),
        ("2026-03/ky", 28, date(2026, 3, 1), date(2026, 3, 28)),
        ("2026-03/ky", 1, date(2026, 2, 2), date(2026, 3, 1)),
    ],
)
def test_periods(code: str, end_day: int, first: date, last: date) -> None:
    report = parse_report_period(code, end_day)
    assert (report.first, report.last, report.code) == (first, last, code)


def test_instants_are_local_midnights() -> None:
    start, end = parse_report_period("2026-03/ky", 14).bounds()
    assert start == datetime(2026, 2, 14, 17, 0, tzinfo=UTC) and end == datetime(
        2026, 3, 14, 17, 0, tzinfo=UTC
    )
    assert (
        parse_report_period("2026-03/ky", 14).label_vi
        == "kỳ báo cáo tháng 03/2026 (từ 15/02/2026 đến 14/03/2026)"
    )


@pytest.mark.parametrize(
    ("first", "last", "says"),
    [
        ("2026-03-05", "2026-03-01", "to=2026-03-01 is before from=2026-03-05"),
        ("2026-3-1", "2026-03-05", "from='2026-3-1': write the date as YYYY-MM-DD"),
        ("2026-03-01", "20260305", "to='20260305': write the date as YYYY-MM-DD"),
        ("2026-W10-1", "2026-03-05", "from='2026-W10-1': write the date as YYYY-MM-DD"),
        ("2026-02-28", "2026-02-29", "to='2026-02-29': there is no such day"),
        ("1999-12-31", "2000-01-02", "between 2000 and 2099"),
    ],
)
def test_bad_dates(first: str, last: str, says: str) -> None:
    with pytest.raises(PeriodError, match=re.escape(says)):
        between(first, last)


def test_a_leap_day_and_a_single_day() -> None:
    assert between("2028-02-29", "2028-02-29").bounds() == (
        datetime(2028, 2, 29, tzinfo=LOCAL_TZ),
        datetime(2028, 3, 1, tzinfo=LOCAL_TZ),
    )


@given(st.dates(date(2001, 1, 1), date(2098, 12, 31)), st.integers(1, 28))
def test_statutory_periods_tile_the_calendar(today: date, end_day: int) -> None:
    """Each kỳ báo cáo starts the day after the one before ends; the one closed last ended before today."""
    closed = closed_statutory(today, end_day)
    assert closed is not None and closed.last < today and closed.last.day == end_day
    before = previous(closed, end_day)
    assert before is not None and (closed.first - before.last).days == 1 and before.last.day == end_day
    following = parse_report_period(
        f"{closed.last.year + closed.last.month // 12}-{closed.last.month % 12 + 1:02d}/ky", end_day
    )
    assert following.last >= today and (following.first - closed.last).days == 1


def test_previous_of_dates_is_as_long_and_just_before() -> None:
    before = previous(between("2026-03-01", "2026-03-10"), 14)
    assert before is not None and (before.first, before.last) == (date(2026, 2, 19), date(2026, 2, 28))
