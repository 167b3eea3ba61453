"""Printing benchmark figures: each with its same-run baseline ratio and target."""

from __future__ import annotations

import os
import platform


class Report:
    def __init__(self, title: str) -> None:
        self.failed: list[str] = []
        cpus = os.cpu_count()
        print(f"\n{title}  ({platform.python_implementation()} {platform.python_version()}, {cpus} CPUs)")

    def line(self, label: str, text: str) -> None:
        print(f"  {label:<52} {text}")

    def figure(
        self,
        label: str,
        value: float,
        unit: str,
        *,
        baseline: bool = False,
        ratio: float | None = None,
        target: float | None = None,
        below: bool = False,
    ) -> None:
        text = f"{value:>12,.0f} {unit:<11}"
        if baseline:
            text += "  (baseline)"
        if ratio is not None:
            text += f"  ratio {ratio:5.2f}"
        if target is not None:
            ok = value <= target if below else value >= target
            text += f"  target {'≤' if below else '≥'} {target:,.0f} {'ok' if ok else 'MISSED'}"
            if not ok:
                self.failed.append(label)
        print(f"  {label:<52}{text}")

    def check_statuses(self, statuses: dict[int, int]) -> None:
        wrong = {s: n for s, n in statuses.items() if s != 202}
        if wrong:
            raise SystemExit(f"benchmark requests failed: {wrong}")
