"""Numbers and dates as Vietnamese readers write them: «79,7%», «1.234», «05/03/2026»."""

from __future__ import annotations

from datetime import date, datetime

from .periods import LOCAL_TZ


def percent(value: float, decimals: int = 1) -> str:
    """0.797 → «79,7%»; 0.9 → «90%» (a trailing ,0 is dropped)."""
    rounded = round(value * 100, decimals)
    text = f"{rounded:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",") + "%"


def number(value: int) -> str:
    """1234 → «1.234»."""
    return f"{value:,}".replace(",", ".")


def day(value: date | datetime) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ)
    return f"{value:%d/%m/%Y}"


def moment(value: datetime) -> str:
    return value.astimezone(LOCAL_TZ).strftime("%H:%M ngày %d/%m/%Y")
