"""Timelines of the evaluator with a fake clock (pure: no Redis, no Alertmanager)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tthc_alerts.evaluator import Alert, Observation, Rules, step, tick
from tthc_alerts.texts import description, percent, summary

T0 = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
RULES = Rules(min_cases=10, pending=timedelta(minutes=5), recovery_margin=0.0)


def obs(num: int, den: int, target: float | None = 0.9) -> Observation:
    return Observation("kt", "online_rate", "2026-03", num, den, target)


def run(series: list[tuple[int, int, int]], rules: Rules = RULES) -> list[tuple[str, bool]]:
    """(minute, numerator, denominator) → [(status, changed)] after each observation."""
    alert, out = None, []
    for minute, num, den in series:
        alert, changed = step(alert, obs(num, den), rules, T0 + timedelta(minutes=minute))
        out.append((alert.status, changed))
    return out


def test_pending_then_firing() -> None:
    assert run([(0, 8, 10), (4, 8, 10), (5, 8, 10), (6, 8, 10)]) == [
        ("pending", False),
        ("pending", False),
        ("firing", True),
        ("firing", False),
    ]


def test_below_min_cases_never_fires() -> None:
    assert run([(0, 0, 9), (10, 0, 9), (60, 5, 9)]) == [("inactive", False)] * 3


def test_crossing_min_cases_starts_the_pending_clock() -> None:
    assert run([(0, 7, 9), (1, 8, 10), (5, 8, 10), (6, 8, 10)]) == [
        ("inactive", False),
        ("pending", False),
        ("pending", False),
        ("firing", True),
    ]


def test_pending_that_recovers_is_forgotten_without_a_notification() -> None:
    assert run([(0, 8, 10), (3, 18, 20), (9, 18, 20)]) == [
        ("pending", False),
        ("inactive", False),
        ("inactive", False),
    ]


def test_exactly_on_target_is_met() -> None:
    assert run([(0, 9, 10), (10, 9, 10)]) == [("inactive", False), ("inactive", False)]


def test_resolution_and_a_new_episode() -> None:
    statuses = run([(0, 8, 10), (5, 8, 10), (6, 18, 20), (7, 18, 21), (12, 18, 21)])
    assert statuses == [
        ("pending", False),
        ("firing", True),
        ("resolved", True),
        ("pending", False),
        ("firing", True),
    ]


def test_recovery_inside_the_margin_does_not_resolve() -> None:
    rules = Rules(10, timedelta(0), 0.05)
    # 0.9 met exactly but below 0.95: still firing; 19/20 = 0.95: resolved.
    assert run([(0, 8, 10), (1, 18, 20), (2, 19, 20)], rules) == [
        ("firing", True),
        ("firing", False),
        ("resolved", True),
    ]


def flapping(values: list[int]) -> list[tuple[int, int, int]]:
    return [(minute * 10, num, 100) for minute, num in enumerate(values)]


def test_a_flapping_series_without_margin_flaps() -> None:
    rules = Rules(10, timedelta(0), 0.0)
    changes = [changed for _, changed in run(flapping([89, 90, 89, 90, 89, 90]), rules)]
    assert sum(changes) == 6


def test_the_same_series_with_a_margin_fires_once() -> None:
    rules = Rules(10, timedelta(0), 0.02)
    result = run(flapping([89, 90, 89, 90, 89, 90, 92]), rules)
    assert [changed for _, changed in result].count(True) == 2  # fired once, resolved once at 92%
    assert result[-1] == ("resolved", True)


def test_tick_fires_a_pending_alert_without_new_snapshots() -> None:
    alert, _ = step(None, obs(8, 10), RULES, T0)
    alert, changed = tick(alert, RULES, T0 + timedelta(minutes=4), {"2026-03"})
    assert (alert.status, changed) == ("pending", False)
    alert, changed = tick(alert, RULES, T0 + timedelta(minutes=5), {"2026-03"})
    assert (alert.status, changed) == ("firing", True) and alert.started_at == T0 + timedelta(minutes=5)


def test_an_alert_of_a_period_no_longer_watched_resolves() -> None:
    alert = Alert("kt", "online_rate", "2026-02", "firing", 8, 10, 0.9, started_at=T0)
    resolved, changed = tick(alert, RULES, T0 + timedelta(days=20), {"2026-03", "2026"})
    assert (resolved.status, changed) == ("resolved", True)


def test_no_target_means_no_alert_and_resolves_a_firing_one() -> None:
    assert run([(0, 0, 50)], Rules(10, timedelta(0), 0)) == [("firing", True)]
    alert = Alert("kt", "online_rate", "2026-03", "firing", 0, 50, 0.9)
    resolved, changed = step(alert, obs(0, 50, target=None), RULES, T0)
    assert (resolved.status, changed) == ("resolved", True)
    assert step(None, obs(0, 50, target=None), RULES, T0)[0].status == "inactive"


@given(
    st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=1, max_size=40),
    st.integers(0, 3),
    st.sampled_from([0.0, 0.01, 0.05]),
)
def test_invariants_on_any_series(points: list[tuple[int, int]], pending_min: int, margin: float) -> None:
    rules = Rules(10, timedelta(minutes=pending_min), margin)
    alert, last_status = None, "inactive"
    for minute, (bad, good) in enumerate(points):
        alert, changed = step(alert, obs(good, good + bad), rules, T0 + timedelta(minutes=minute))
        # Only firing and resolved are announced, and only on a change of status.
        assert changed == (alert.status in ("firing", "resolved") and alert.status != last_status)
        if alert.status == "firing":
            assert alert.started_at is not None and alert.denominator >= 1
        if changed and alert.status == "firing":
            assert alert.denominator >= 10 and alert.numerator < 0.9 * alert.denominator + 1e-9
        last_status = alert.status


def test_vietnamese_texts() -> None:
    alert = Alert("kt", "online_rate", "2026-03", "firing", 98, 123, 0.9)
    assert summary(alert, "Phòng Kinh tế") == (
        "Phòng Kinh tế: Tỷ lệ hồ sơ trực tuyến tháng 03/2026 đạt 79,7% (98/123), thấp hơn chỉ tiêu 90%"
    )
    assert description(alert) == "Chỉ tiêu 90% cần 111/123 hồ sơ đạt yêu cầu; hiện có 98, còn thiếu 13."
    feedback = Alert("kt", "feedback_on_time_rate", "2026", "resolved", 1234, 1234, 1.0)
    assert "năm 2026 đã đạt 100% (1.234/1.234)" in summary(feedback, "Phòng Kinh tế")
    assert percent(0.995) == "99,5%" and percent(1 / 3) == "33,3%"
    pytest.importorskip("tthc_contract")
