"""Reading the fields of a portal sync record (pure), as leniently as the portal does.

One-stop-shop systems send codes as strings or numbers ("2" or 2, even 2.0), mean "absent"
by ``""`` or ``null`` alike, write flags as ``1``/``0``, ``"1"``/``"0"``, ``"True"``/
``"False"`` (C#'s ``bool.ToString()``, in any case) or JSON booleans, and write times as
``yyyyMMddHHmmss`` in local time (UTC+7). Every problem names the record's field, in
Vietnamese and in English, so the sending system's developer can act.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from tthc_contract.periods import LOCAL_TZ


@dataclass(frozen=True, slots=True)
class Problem:
    field: str
    vi: str
    en: str
    reason: str = "invalid_field"
    """A short code for counting refusals by kind (``unit_unknown``, ``due_missing``, ...)."""


class RecordError(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(f"{problem.field}: {problem.en}")
        self.problem = problem


def refuse(field: str, vi: str, en: str, reason: str = "invalid_field") -> RecordError:
    return RecordError(Problem(field, vi, en, reason))


def text(record: dict[str, Any], name: str) -> str:
    """A code or text field as a stripped string ("" when absent or null); a whole number
    sent as a JSON number (2 or 2.0) reads as its digits."""
    value = record.get(name)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e18:
        return str(int(value))
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise refuse(name, "phải là chuỗi ký tự hoặc số", "must be a string or a number")
    return str(value).strip()


def required(record: dict[str, Any], name: str) -> str:
    value = text(record, name)
    if not value:
        raise refuse(name, "bắt buộc, không được để trống", "is required and may not be empty")
    return value


TRUE = frozenset({"1", "true"})
FALSE = frozenset({"0", "false", ""})


def flag(item: dict[str, Any], name: str, where: str | None = None) -> bool:
    """A yes/no field: ``1``, ``"1"``, ``"True"`` (any case) or ``true``; ``0``, ``"0"``,
    ``"False"``, ``false``, ``""``, ``null`` or absent for no. Another whole number counts as
    yes when it is not 0 (one system writes ``DuocTaiSuDung`` "2" for a second kind of reuse)."""
    value = item.get(name)
    if isinstance(value, bool):
        return value
    word = text(item, name).lower() if not isinstance(value, dict | list) else "?"
    if word in TRUE:
        return True
    if word in FALSE:
        return False
    if word.isdigit():
        return int(word) != 0
    raise refuse(
        where or name,
        f"{value!r} không phải giá trị có/không (1/0, True/False)",
        f"{value!r} is not a yes/no value (1/0, True/False)",
    )


def local_time(record: dict[str, Any], name: str) -> datetime | None:
    """``yyyyMMddHHmmss`` local time (UTC+7), or ``None`` when empty."""
    value = text(record, name)
    if not value:
        return None
    try:
        if len(value) != 14 or not value.isdigit():
            raise ValueError
        return datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=LOCAL_TZ)
    except ValueError:
        raise refuse(
            name,
            f"{value!r} không phải thời gian dạng yyyyMMddHHmmss (ví dụ 20260305083000)",
            f"{value!r} is not a time yyyyMMddHHmmss (e.g. 20260305083000)",
        ) from None


def items(record: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """A list of objects (absent, null or empty: none)."""
    value = record.get(name)
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise refuse(name, "phải là một danh sách các đối tượng", "must be a list of objects")
    return value


def amount(item: dict[str, Any], name: str, where: str) -> int:
    """A fee in VND: a whole, non-negative number (100000, "100000" or "100000.0")."""
    value = item.get(name)
    if value in (None, ""):
        return 0
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise refuse(where, f"{value!r} không phải số tiền", f"{value!r} is not an amount") from None
    if not number.is_finite() or number < 0 or number > 10**15 or number != number.to_integral_value():
        raise refuse(
            where,
            f"{value!r}: số tiền phải là số nguyên đồng, không âm",
            f"{value!r}: an amount is whole VND, not negative",
        )
    return int(number)
