"""A dossier without NgayHenTra is due ``processing_days`` working days after its receipt
(SPEC section 9.1): Monday to Friday, the same time of day; a receipt on a weekend counts from
the next Monday, 00:00 local. Public holidays are not known to the system."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tthc_contract.catalogue import add_working_days
from tthc_contract.periods import LOCAL_TZ


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=LOCAL_TZ)


def test_worked_examples() -> None:
    # 2 March 2026 is a Monday.
    assert add_working_days(local(2026, 3, 2, 10, 15), 3) == local(2026, 3, 5, 10, 15)
    assert add_working_days(local(2026, 3, 6, 16, 0), 1) == local(2026, 3, 9, 16, 0), "Friday + 1: Monday"
    assert add_working_days(local(2026, 3, 6, 16, 0), 5) == local(2026, 3, 13, 16, 0)
    assert add_working_days(local(2026, 3, 7, 9, 30), 3) == local(2026, 3, 12, 0, 0), (
        "Saturday: from Monday 00:00"
    )
    assert add_working_days(local(2026, 3, 8, 23, 59), 1) == local(2026, 3, 10, 0, 0)
    assert add_working_days(local(2026, 12, 31, 8, 0), 2) == local(2027, 1, 4, 8, 0), "across a year"


@given(st.datetimes(datetime(2000, 1, 1), datetime(2098, 1, 1)), st.integers(1, 400))
def test_always_n_working_days_later_on_a_working_day(start: datetime, days: int) -> None:
    begin = start.replace(tzinfo=LOCAL_TZ)
    due = add_working_days(begin, days).astimezone(LOCAL_TZ)
    assert due.weekday() < 5
    origin = (
        begin
        if begin.weekday() < 5
        else (begin + timedelta(days=7 - begin.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    )
    assert due.time() == origin.time()
    counted = sum(
        1
        for n in range(1, (due.date() - origin.date()).days + 1)
        if (origin.date() + timedelta(days=n)).weekday() < 5
    )
    assert counted == days
