"""A simulated province for ``tthc bench province``: its plan (communes of seven departments, the
shipped plan's targets and catalogue) and its history, generated case by case and written to
the stream in time order, as a province joining the system sends its months before."""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import redis
import yaml

from tthc_contract.events import canonical_json
from tthc_contract.periods import LOCAL_TZ
from tthc_contract.plan import Plan, load_plan
from tthc_contract.signing import EntrySigner
from tthc_contract.streams import EVENTS

from ..simulate.generator import Generator, Timed
from ..simulate.profile import build_profiles

DEPARTMENTS = ("hcc", "vp", "kt", "vhxh", "dvth", "vpdkdd", "thue10")
PROBE = "x000"
"""A commune of probe departments (``x000-p1``, ...) that get no history and no live traffic:
the alert latency is measured on them, from their first cases."""
PROBES = 5


def province_plan(shipped: Path, communes: int, directory: Path) -> Path:
    """The plan of a province: ``communes`` communes, each with the seven departments of the
    shipped plan (same names), the shipped targets, rules, sources and catalogue."""
    data = yaml.safe_load(shipped.read_text(encoding="utf-8"))
    names = {u["code"]: u["name"] for u in data["org"]["units"]}
    data["org"] = {
        "code": "tinh",
        "name": "UBND tỉnh (mô phỏng)",
        "units": [
            {
                "code": f"x{n:03d}",
                "name": f"UBND xã Mô Phỏng {n}",
                "units": [{"code": f"x{n:03d}-{d}", "name": names[d]} for d in DEPARTMENTS],
            }
            for n in range(1, communes + 1)
        ]
        + [
            {
                "code": PROBE,
                "name": "UBND xã Thăm Dò",
                "units": [
                    {"code": f"{PROBE}-p{n}", "name": f"Bộ phận thăm dò {n}"} for n in range(1, PROBES + 1)
                ],
            }
        ],
    }
    # No pending time: the alert latency measured is the system's own, not the plan's delay.
    data["alerts"]["pending"] = "0s"
    for procedure in data.get("scorecard", {}).get("procedures", {}).values():
        procedure.pop("units", None)
    path = directory / "province.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def load(path: Path) -> Plan:
    return load_plan(path)


def leaves(plan: Plan) -> list[str]:
    """The departments that get history and live traffic (not the probes)."""
    return [u for u, _ in plan.walk() if not plan.children[u] and not u.startswith(f"{PROBE}-")]


def probes(plan: Plan) -> list[str]:
    return list(plan.children[PROBE])


def history(plan: Plan, cases_per_year: int, years: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """Every event of ``cases_per_year × years`` cases received over the past ``years`` years,
    in time order (events after now are left out): a heap holds the cases' future events."""
    generator = Generator(build_profiles(leaves(plan), []), seed, "igate", f"p{seed}")
    rnd = random.Random(seed)
    now = datetime.now(LOCAL_TZ)
    start = now - timedelta(days=365 * years)
    total = cases_per_year * years
    step = (now - start) / max(1, total)
    pending: list[Timed] = []
    received = start
    for _ in range(total):
        received += step
        for timed in generator.case(generator.next_unit(), received + step * rnd.random(), timedelta(days=1)):
            if timed.at <= now:
                heapq.heappush(pending, timed)
        while pending and pending[0].at <= received:
            yield heapq.heappop(pending).event
    while pending:
        yield heapq.heappop(pending).event


def preload(url: str, signer: EntrySigner, events: Iterator[dict[str, Any]], chunk: int = 5_000) -> int:
    """XADD every event, signed as ingest signs them; returns how many."""
    client: Any = redis.Redis.from_url(url)
    pipe, count = client.pipeline(transaction=False), 0
    for event in events:
        pipe.xadd(EVENTS, signer.entry(event["source"].encode(), event["id"].encode(), canonical_json(event)))
        count += 1
        if count % chunk == 0:
            pipe.execute()
    pipe.execute()
    return count
