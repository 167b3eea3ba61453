"""Query parameters and store reads shared by the API's routes: 404, 400, 503 with a message."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from tthc_contract.http import ApiError
from tthc_contract.periods import Period, PeriodError, parse_period, period_of
from tthc_contract.plan import Plan

from .store import StoreUnavailable


def unit_or_404(plan: Plan, code: str | None) -> str:
    code = code or plan.root
    if code not in plan.unit_codes:
        raise ApiError(
            404,
            "unknown_unit",
            f"unit {code!r} is not in the plan (units: {', '.join(sorted(plan.unit_codes))})",
        )
    return code


def calendar_period(text: str | None, now: datetime) -> Period:
    if not text:
        return period_of(now, "month")
    try:
        return parse_period(text)
    except PeriodError as exc:
        raise ApiError(400, "bad_period", str(exc)) from None


async def read_store(work: Any, *args: Any) -> Any:
    try:
        return await asyncio.to_thread(work, *args)
    except StoreUnavailable as exc:
        raise ApiError(503, "clickhouse_unavailable", f"the indicator store is unavailable: {exc}") from None
