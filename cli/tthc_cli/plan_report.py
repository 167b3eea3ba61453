"""``tthc check-plan``: validate a plan file and show what it defines."""

from __future__ import annotations

from tthc_contract.indicators import INDICATORS
from tthc_contract.plan import PlanError, load_plan
from tthc_contract.settings import Settings


def check_plan(path: str | None) -> int:
    try:
        plan = load_plan(path or Settings().plan)
    except PlanError as exc:
        print(exc)
        return 1
    print(f"{plan.source}: valid")
    for code, depth in plan.walk():
        targets = plan.targets(code)
        shown = ", ".join(
            f"{i.code}={targets[i.code]:.0%}" for i in INDICATORS if targets[i.code] is not None
        )
        print(f"{'  ' * depth}{code}  {plan.names[code]}  [{shown}]")
    return 0
