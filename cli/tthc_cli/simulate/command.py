"""``tthc simulate``: backfill history and/or send live traffic for the plan's units."""

from __future__ import annotations

import argparse
import asyncio
import heapq
import os
import random
import time
from datetime import datetime, timedelta

from tqdm import tqdm

from tthc_contract.periods import LOCAL_TZ
from tthc_contract.plan import load_plan
from tthc_contract.settings import Settings

from .generator import Generator, Timed
from .profile import KNOBS, build_profiles
from .sender import IngestRefused, Sender
from .shipping import Shipper

EVENTS_PER_CASE = 6.5


def add_arguments(p: argparse.ArgumentParser) -> None:
    s = Settings()
    p.add_argument("--url", default=f"http://{s.ingest_host}:{s.ingest_port}", help="ingest base URL")
    p.add_argument("--api-key", default=os.environ.get("TTHC_SIM_API_KEY", "demo-igate-key"))
    p.add_argument("--source", default="igate", help="the source of the API key")
    p.add_argument("--seed", type=int, default=2026, help="same seed, same events")
    p.add_argument("--rate", type=float, default=20.0, help="events per second sent (0: as fast as possible)")
    p.add_argument("--days", type=float, default=0.0, help="days of history to backfill first")
    p.add_argument("--cases-per-day", type=float, default=150.0, help="cases per day in the backfill")
    p.add_argument(
        "--live",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="send live traffic (default: on unless --days is given)",
    )
    p.add_argument("--cases", type=int, default=0, help="stop live mode after this many cases (0: never)")
    p.add_argument("--duration", type=float, default=0.0, help="stop live mode after this many seconds")
    p.add_argument("--day-seconds", type=float, default=60.0, help="length of a simulated day in live mode")
    p.add_argument("--units", nargs="+", help="simulate only these units")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="UNIT.KNOB=VALUE",
        help="e.g. kt.online_rate=0.8 (knobs: " + ", ".join(KNOBS) + ")",
    )
    p.add_argument("--batch", type=int, default=100, help="events (or portal records) per request")
    p.add_argument(
        "--format",
        choices=["events", "dvcqg"],
        default="events",
        help="CloudEvents to /v1/events, or the portal's sync requests (DongBoHoSoMC) to /v1/dvcqg, "
        "each dossier re-sent at every change",
    )
    p.add_argument("--run-id", help="prefix of event ids (default: from seed, and start time in live mode)")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    plan = load_plan(Settings().plan)
    units = args.units or [u for u, _ in plan.walk() if not plan.children[u]]
    try:
        profiles = build_profiles(units, args.set)
    except ValueError as exc:
        print(f"tthc simulate: {exc}")
        return 2
    live = args.live if args.live is not None else args.days == 0
    run_id = args.run_id or (f"sim{args.seed}" + (f"-{int(time.time())}" if live else ""))
    generator = Generator(profiles, args.seed, args.source, run_id)
    sender = Sender(args.url, args.api_key, args.rate)
    shipper = Shipper(sender, args.format, args.batch)
    try:
        asyncio.run(_simulate(args, generator, shipper, live))
    except IngestRefused as exc:
        print(f"tthc simulate: {exc}")
        return 1
    except KeyboardInterrupt:
        pass
    records = f" and {sender.records} portal records" if args.format == "dvcqg" else ""
    print(f"tthc simulate: {sender.sent} events{records} sent")
    return 0


async def _simulate(args: argparse.Namespace, generator: Generator, shipper: Shipper, live: bool) -> None:
    try:
        later = await _backfill(args, generator, shipper) if args.days > 0 else []
        if live:
            # An endless live run continues the history's cases (their syncs, resolutions,
            # ratings); a bounded one (--cases, --duration) ends with its own cases.
            endless = not args.cases and not args.duration
            await _live(args, generator, shipper, later if endless else [])
    finally:
        await shipper.sender.close()


async def _backfill(args: argparse.Namespace, generator: Generator, shipper: Shipper) -> list[Timed]:
    """Send the history; return the events of its cases still to come (in-progress cases),
    which live mode sends when their time comes."""
    now = datetime.now(LOCAL_TZ)
    start = now - timedelta(days=args.days)
    rnd = random.Random(args.seed)
    count = int(args.cases_per_day * args.days)
    events: list[Timed] = []
    later: list[Timed] = []
    for _ in range(count):
        received = start + (now - start) * rnd.random()
        for timed in shipper.outgoing(generator.case(generator.next_unit(), received, timedelta(days=1))):
            (events if timed.at <= now else later).append(timed)
    events.sort()
    with tqdm(total=len(events), unit="item", desc="backfill", disable=args.no_progress) as bar:
        for i in range(0, len(events), args.batch):
            bar.update(await shipper.ship(events[i : i + args.batch]))
    heapq.heapify(later)
    return later


def _pop_due(pending: list[Timed], now: datetime) -> list[Timed]:
    due = []
    while pending and pending[0].at <= now:
        due.append(heapq.heappop(pending))
    return due


async def _live(
    args: argparse.Namespace, generator: Generator, shipper: Shipper, pending: list[Timed]
) -> None:
    day = timedelta(seconds=args.day_seconds)
    case_interval = EVENTS_PER_CASE / args.rate if args.rate > 0 else 0.01
    started = 0
    next_case = time.monotonic()
    began = time.monotonic()
    with tqdm(unit="ev", desc="live", disable=args.no_progress) as bar:
        while True:
            clock = time.monotonic()
            more_cases = (not args.cases or started < args.cases) and (
                not args.duration or clock - began < args.duration
            )
            if more_cases and clock >= next_case:
                for timed in shipper.outgoing(
                    generator.case(generator.next_unit(), datetime.now(LOCAL_TZ), day)
                ):
                    heapq.heappush(pending, timed)
                started += 1
                next_case = clock + case_interval
            due = _pop_due(pending, datetime.now(LOCAL_TZ))
            for i in range(0, len(due), args.batch):
                bar.update(await shipper.ship(due[i : i + args.batch]))
            if not more_cases and not pending:
                return
            await asyncio.sleep(0.05 if not due else 0)
