"""Grafana's side of a panel's query, as the bench and the tests expand it: relative times
and variables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tthc_contract.periods import LOCAL_TZ
from tthc_dashboards.grafana_sql import expand, relative_time

AT = datetime(2026, 3, 31, 5, tzinfo=UTC)
INSTANTS = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
)


@given(INSTANTS, st.integers(1, 400))
def test_a_span_back_from_now(now: datetime, days: int) -> None:
    assert relative_time(f"now-{days}d", now, end=False) == now - timedelta(days=days)
    assert relative_time(f"now-{days}h", now, end=True) == now - timedelta(hours=days)
    assert relative_time("now", now, end=True) == now


@given(INSTANTS)
def test_months_rounded_in_the_dashboards_time_zone(now: datetime) -> None:
    local = now.astimezone(LOCAL_TZ)
    start = relative_time("now-1y/M", now, end=False)
    assert (start.year, start.month, start.day) == (local.year - 1, local.month, 1)
    assert (start.hour, start.minute, start.second, start.microsecond) == (0, 0, 0, 0)
    end = relative_time("now/M", now, end=True)
    following = end + timedelta(milliseconds=1)
    assert following.day == 1 and following.hour == 0 and (end.year, end.month) == (local.year, local.month)
    assert relative_time("now/d", now, end=False) == local.replace(hour=0, minute=0, second=0, microsecond=0)


def test_a_month_back_keeps_the_day_or_the_months_last() -> None:
    assert relative_time(
        "now-1M", datetime(2026, 3, 31, 5, tzinfo=LOCAL_TZ), end=False
    ).date().isoformat() == ("2026-02-28")
    assert relative_time(
        "now-2M", datetime(2026, 5, 15, 5, tzinfo=LOCAL_TZ), end=False
    ).date().isoformat() == ("2026-03-15")


def test_what_cannot_be_expanded_is_refused() -> None:
    with pytest.raises(ValueError, match="relative time"):
        relative_time("yesterday", AT, end=False)
    with pytest.raises(ValueError, match=r"\$\{unit"):
        expand("SELECT ${unit:sqlstring}", AT, AT, {})
    assert expand("SELECT ${unit:sqlstring}", AT, AT, {"unit": "o'k"}) == "SELECT 'o''k'"
