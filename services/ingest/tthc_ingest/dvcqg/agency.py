"""Which unit of the plan a portal record belongs to (SPEC section 9.1), pure.

``DonViXuLy`` (or, when it is absent, the envelope's ``madonvi``) may be a unit code, a key
of the plan's ``dvcqg.units`` or the agency's name as the one-stop-shop system writes it
(OpenCPS sends the name). An ambiguous name is refused with the units it could be; an
unknown one with the closest names of the plan, so that the operator can map it.
"""

from __future__ import annotations

import difflib
from typing import Any

from tthc_contract.plan import Plan
from tthc_contract.unit_names import name_key

from .fields import refuse, text


def unit_of(raw: dict[str, Any], plan: Plan, agency: str | None) -> str:
    """The unit of a record: its ``DonViXuLy``, else the envelope's ``madonvi``."""
    value, where = text(raw, "DonViXuLy"), "DonViXuLy"
    if not value and agency:
        value, where = agency.strip(), "madonvi"
    if not value:
        raise refuse(
            "DonViXuLy",
            "bắt buộc (hoặc madonvi của yêu cầu), không được để trống",
            "is required (or the request's madonvi) and may not be empty",
            "unit_unknown",
        )
    match = plan.by_name.find(value)
    if match.unit is not None:
        return match.unit
    if match.candidates:
        named = ", ".join(plan.by_name.describe(c) for c in match.candidates)
        raise refuse(
            where,
            f"{value!r} là tên của nhiều đơn vị ({named}); ghi mã đơn vị vào dvcqg.units của kế hoạch",
            f"{value!r} is the name of several units ({named}); map it in the plan's dvcqg.units",
            "unit_ambiguous",
        )
    near = _near_names(plan, value)
    hint_vi = f"; gần giống: {near}" if near else ""
    hint_en = f"; close names: {near}" if near else ""
    raise refuse(
        where,
        f"{value!r} không phải mã, tên đơn vị của kế hoạch, cũng không có trong dvcqg.units{hint_vi}",
        f"{value!r} is neither a unit code or name of the plan nor a key of dvcqg.units{hint_en}",
        "unit_unknown",
    )


def _near_names(plan: Plan, value: str) -> str:
    keys = {name_key(name): code for code, name in plan.names.items()}
    close = difflib.get_close_matches(name_key(value), list(keys), n=3, cutoff=0.6)
    return ", ".join(plan.by_name.describe(keys[k]) for k in close)
