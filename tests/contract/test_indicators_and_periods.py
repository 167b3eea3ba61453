from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tthc_contract.indicators import CODES, COUNT_COLUMNS, INDICATORS, target_met
from tthc_contract.periods import PeriodError, parse_period, period_of


def test_catalogue_order_is_the_specs() -> None:
    assert CODES == (
        "online_rate",
        "online_payment_rate",
        "digitization_rate",
        "sync_rate",
        "e_result_rate",
        "data_reuse_rate",
        "feedback_on_time_rate",
        "satisfaction_rate",
        "on_time_rate",
    )
    assert len(set(COUNT_COLUMNS)) == len(COUNT_COLUMNS)
    assert all(i.name_vi for i in INDICATORS)


@pytest.mark.parametrize(
    ("num", "den", "target", "met"),
    [
        (9, 10, 0.9, True),
        (8, 10, 0.9, False),
        (95, 100, 0.95, True),
        (94, 100, 0.95, False),
        (10, 10, 1.0, True),
        (9, 10, 1.0, False),
        (0, 0, 0.9, None),
        (5, 10, None, None),
        (29, 30, 0.95, True),
        (28, 30, 0.95, False),
        (4, 5, 0.8, True),
        (7, 10, 0.7, True),
    ],
)
def test_target_met_is_exact(num: int, den: int, target: float | None, met: bool | None) -> None:
    assert target_met(num, den, target) is met


@given(st.integers(0, 10_000), st.integers(1, 10_000), st.integers(0, 100))
def test_target_met_agrees_with_integer_arithmetic(num: int, den: int, percent: int) -> None:
    assert target_met(num, den, percent / 100) == (num * 100 >= percent * den)


@pytest.mark.parametrize(
    ("text", "code", "months"), [("2026-03", "2026-03", 1), ("2026-Q2", "2026-Q2", 3), ("2026", "2026", 12)]
)
def test_periods(text: str, code: str, months: int) -> None:
    period = parse_period(text)
    assert (period.code, period.months) == (code, months)
    assert parse_period(period.code) == period


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-Q5", "26-03", "2026/03", "2026-3", "march", ""])
def test_bad_periods(text: str) -> None:
    with pytest.raises(PeriodError, match="period"):
        parse_period(text)


def test_period_of_uses_local_time() -> None:
    # 17:30Z on the last day of March is 00:30 on 1 April in Hồ Chí Minh City.
    instant = datetime(2026, 3, 31, 17, 30, tzinfo=UTC)
    assert period_of(instant, "month").code == "2026-04"
    assert period_of(instant, "quarter").code == "2026-Q2"
    assert period_of(datetime(2026, 12, 31, 16, 59, tzinfo=UTC), "year").code == "2026"
    assert period_of(datetime(2026, 12, 31, 17, 0, tzinfo=UTC), "year").code == "2027"
    assert parse_period("2026-03").label_vi == "tháng 03/2026"
    assert parse_period("2026-Q1").label_vi == "quý 1/2026"
