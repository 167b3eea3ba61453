"""A province for the report tests and the report benchmark: the shipped plan of Đồng Phú
repeated as communes under one province (each commune with the seven departments of
Đồng Phú), and synthetic counts that make every kind of cell appear (met, missed, no data)."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

import yaml

from tthc_contract.indicators import COUNT_COLUMNS
from tthc_contract.plan import Plan, parse_plan
from tthc_contract.report_bodies import BIEU06_KEYS, ReportDocument, ScorecardPart
from tthc_contract.report_periods import ReportPeriod
from tthc_contract.scorecard_bodies import RankedUnit, Ranking, Scorecard
from tthc_metrics.reports import model
from tthc_metrics.reports.narrative import narrative
from tthc_metrics.scorecard.compute import groups_of, score_items

from ..conftest import PLAN_PATH

PROVINCE = "dong-nai"
FIRST = ("Tân", "Phú", "Bình", "An", "Long", "Hòa", "Thạnh", "Xuân", "Phước", "Trảng", "Suối", "Gia", "Vĩnh")
SECOND = ("Hiệp", "Lợi", "Thành", "Hòa", "Bình", "An", "Hưng", "Lộc", "Nhất", "Đông", "Tây", "Khánh", "Mỹ")
THIRD = ("", "", "", "Đông", "Tây", "Trung")
QUALITIES = ((1.0,), (1.0, 1.0, 0.97), (1.0, 0.9, 0.8), (0.97, 0.9, 0.8, 0.6))
"""How well the departments of a commune do: each count is its denominator times one of these."""


def commune_code(n: int) -> str:
    return f"x{n:03d}"


def commune_name(n: int) -> str:
    """Distinct, realistic names, some of three words: «UBND phường Phước Khánh Đông»."""
    first, second = FIRST[n % len(FIRST)], SECOND[(n // len(FIRST)) % len(SECOND)]
    third = THIRD[(n // 7) % len(THIRD)]
    kind = "phường" if n % 4 == 0 else "xã"
    return " ".join(w for w in ("UBND", kind, first, second, third) if w)


def province_plan(communes: int) -> Plan:
    """``communes`` communes under UBND tỉnh Đồng Nai, each with Đồng Phú's seven departments."""
    data = yaml.safe_load(PLAN_PATH.read_text(encoding="utf-8"))
    departments = data["org"]["units"]
    data["org"] = {
        "code": PROVINCE,
        "name": "UBND tỉnh Đồng Nai",
        "units": [
            {
                "code": commune_code(n),
                "name": commune_name(n),
                "units": [
                    {
                        "code": f"{commune_code(n)}-{d['code']}",
                        "name": d["name"].replace("Đồng Phú", commune_name(n)[5:]),
                    }
                    for d in departments
                ],
            }
            for n in range(1, communes + 1)
        ],
    }
    for procedure in data["scorecard"]["procedures"].values():
        procedure.pop("units", None)  # the departments' codes are the communes' own now
    return parse_plan(data, "province")


def synthetic_counts(plan: Plan, seed: int = 7) -> dict[str, dict[str, Any]]:
    """Counts of every unit over its subtree: the leaves draw theirs, the others add up."""
    rnd = random.Random(seed)
    leaves: dict[str, dict[str, int]] = {}
    for code, _ in plan.walk():
        if plan.children[code]:
            continue
        ratios = QUALITIES[sum(map(ord, code.split("-")[0])) % len(QUALITIES)]
        cases = rnd.choice((0, 4, 25, 60, 140))
        payments = rnd.randint(0, cases // 2)
        results = rnd.randint(0, cases)
        feedback = rnd.choice((0, 0, 2, 5))
        drawn = {"cases": cases, "payments": payments, "result_cases": results, "feedback": feedback}
        for column in COUNT_COLUMNS:
            if column not in drawn:
                base = {"portal_payments": payments, "e_results": results, "feedback_on_time": feedback}
                total = base.get(column, cases)
                drawn[column] = round(total * rnd.choice(ratios))
        leaves[code] = drawn
    by_unit: dict[str, dict[str, Any]] = {}
    for code, _ in plan.walk():
        members = [m for m in plan.descendants(code) if m in leaves]
        by_unit[code] = {c: sum(leaves[m][c] for m in members) for c in COUNT_COLUMNS}
    return by_unit


def scorecard_counts(counts: dict[str, Any]) -> dict[str, Any]:
    """The scorecard's counts, made from the indicators' (what an estimate needs, not exact)."""
    cases = counts["cases"]
    return {
        **counts,
        "fee_cases": counts["payments"],
        "fee_paid_online": counts["portal_payments"],
        "e_result_any": counts["e_results"],
        "personal_storage": cases // 3,
        "citizen_data": cases // 2,
        "feedback_satisfied": counts["feedback_on_time"],
        "procedures_online": ["1.001193", "1.000656"],
        "procedures_fee_paid": ["2.000815"],
        "procedures_citizen": ["1.001193"],
    }


def scorecard_part(plan: Plan, unit: str, counts: dict[str, dict[str, Any]], now: str) -> ScorecardPart:
    groups, total, unknown = groups_of(score_items(plan, unit, scorecard_counts(counts[unit])))
    header = {"unit": unit, "name": plan.names[unit], "period": "2026-03", "as_of": now, "judged_at": now}
    card = Scorecard(
        **header, total=round(float(total), 2), known_max=100 - unknown, unknown_max=unknown, groups=groups
    )
    ranked = []
    for child in plan.children[unit]:
        child_groups, child_total, child_unknown = groups_of(
            score_items(plan, child, scorecard_counts(counts[child]))
        )
        ranked.append((child_total, child, child_groups, child_unknown))
    ranked.sort(key=lambda r: (-r[0], r[1]))
    units = [
        RankedUnit(
            rank=n,
            unit=c,
            name=plan.names[c],
            total=round(float(t), 2),
            known_max=100 - u,
            groups={g.code: g.points for g in gs},
        )
        for n, (t, c, gs, u) in enumerate(ranked, 1)
    ]
    return ScorecardPart(
        period="2026-03", label="tháng 03/2026", scorecard=card, ranking=Ranking(**header, units=units)
    )


def bieu06_rows(seed: int = 7) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    fields = ("Hộ tịch", "Chứng thực", "Đất đai", "Xây dựng", "Bảo trợ xã hội", "Đăng ký, quản lý cư trú", "")
    rows = []
    for field in fields:
        online, offline, carried = rnd.randint(100, 9000), rnd.randint(100, 9000), rnd.randint(0, 900)
        total = online + offline + carried
        early, on_time, late = (
            rnd.randint(0, total // 3),
            rnd.randint(0, total // 3),
            rnd.randint(0, total // 10),
        )
        pending = total - early - on_time - late
        pending_late = rnd.randint(0, pending // 5)
        values = (
            total,
            online,
            offline,
            carried,
            early + on_time + late,
            early,
            on_time,
            late,
            pending,
            pending - pending_late,
            pending_late,
        )
        rows.append({"field": field, **dict(zip(BIEU06_KEYS, values, strict=True))})
    return rows


def synthetic_document(plan: Plan, report: ReportPeriod, now: datetime) -> ReportDocument:
    """The monthly report of the root as the service builds it, from synthetic counts."""
    counts, unit = synthetic_counts(plan), plan.root
    plan_body = model.plan_report(plan, unit, report, now, counts)
    bieu06 = model.bieu06(unit, report, now, bieu06_rows())
    evaluation = model.evaluation(plan, unit, report, now, counts)
    scorecard = scorecard_part(plan, unit, counts, plan_body.as_of)
    return ReportDocument(
        unit=unit,
        unit_name=plan.names[unit],
        org_name=plan.names[unit],
        report=report,
        generated_at=now,
        parts={"plan": plan_body, "bieu06": bieu06, "evaluation": evaluation, "scorecard": scorecard},
        narrative=narrative(plan_body, None, bieu06, evaluation),
    )
