"""What metrics' ``/health`` says (pure): every dependency with its state, 503 unless all work.

ClickHouse is "ok" only when it answers *and* the last write worked *and* start-up (the
migrations) is over: a store that answers ``SELECT 1`` while every insert fails for want
of disk is failing, and says why.
"""

from __future__ import annotations

from typing import Any


def health(
    *, store_answers: bool, redis_answers: bool, failing: dict[str, str], starting: str | None
) -> tuple[int, dict[str, Any]]:
    clickhouse = "ok"
    if starting is not None:
        clickhouse = f"starting: {starting}"
    elif not store_answers:
        clickhouse = "unreachable"
    elif "clickhouse" in failing:
        clickhouse = f"failing: {failing['clickhouse'][:300]}"
    redis = "ok" if redis_answers and "redis" not in failing else "unreachable"
    if redis_answers and "redis" in failing:
        redis = f"failing: {failing['redis'][:300]}"
    ok = clickhouse == "ok" and redis == "ok"
    return (200 if ok else 503), {
        "status": "ok" if ok else "unavailable",
        "clickhouse": clickhouse,
        "redis": redis,
    }
