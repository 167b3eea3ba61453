"""``tthc dead``: what ``tthc:dead`` keeps, by reason; ``tthc dead replay``: the DVCQG bridge's
kept records translated again with the current plan, and published when they now pass.

Typical use: the bridge kept records whose ``DonViXuLy`` named an agency the plan did not know
(``dvcqg:unit_unknown``); the operator maps the name in ``dvcqg.units``, restarts ingest, then
runs ``tthc dead replay``. A replay is safe to run twice (event ids come from the records).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter

from tthc_contract.dead_letters import DeadLetterBox, StoredLetter
from tthc_contract.plan import PlanError, load_plan
from tthc_contract.redis_client import REDIS_ERRORS, connect_settings, describe
from tthc_contract.settings import Settings
from tthc_contract.signing import EntrySigner, load_signing_key

PAGE = 1000
EXAMPLES = 3


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", nargs="?", choices=["list", "replay"], default="list")
    p.add_argument("--dry-run", action="store_true", help="replay: say what would pass, publish nothing")
    p.add_argument("--plan", help="plan file (default: TTHC_PLAN)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_replay(args) if args.action == "replay" else _list())
    except PlanError as exc:
        print(f"tthc dead: {exc}", file=sys.stderr)
        return 78
    except REDIS_ERRORS as exc:
        print(
            f"tthc dead: {describe(Settings())} does not answer ({exc}); start it or set TTHC_REDIS_URL "
            "(or TTHC_REDIS_SENTINELS)",
            file=sys.stderr,
        )
        return 1


async def _kept(box: DeadLetterBox) -> tuple[Counter[str], dict[str, list[StoredLetter]]]:
    kept: Counter[str] = Counter()
    examples: dict[str, list[StoredLetter]] = {}
    after = b"-"
    while letters := await box.letters(after, PAGE):
        after = letters[-1].letter_id
        for letter in letters:
            key = f"{letter.origin}:{letter.code}"
            kept[key] += 1
            if len(examples.setdefault(key, [])) < EXAMPLES:
                examples[key].append(letter)
    return kept, examples


async def _list() -> int:
    redis = connect_settings(Settings())
    try:
        box = DeadLetterBox(redis)
        ever, (kept, examples) = await box.by_reason(), await _kept(box)
    finally:
        await redis.aclose()
    if not ever and not kept:
        print("tthc:dead is empty: nothing was refused.")
        return 0
    print(f"{'reason (origin:code)':<40} {'kept now':>9} {'ever':>9}")
    for key in sorted(set(ever) | set(kept)):
        print(f"{key:<40} {kept.get(key, 0):>9} {ever.get(key, 0):>9}")
        for letter in examples.get(key, []):
            code = _case(letter)
            print(f"    {letter.letter_id.decode()} {code}{letter.reason[:150]}")
    return 0


def _case(letter: StoredLetter) -> str:
    record = letter.original.get(b"record", b"")
    start = record.find(b'"MaHoSo":"')
    if start < 0:
        return ""
    value = record[start + 10 :].split(b'"', 1)[0].decode(errors="replace")
    return f"MaHoSo {value}: "


async def _replay(args: argparse.Namespace) -> int:
    from tthc_ingest.dvcqg.replay import StreamUnavailable, replay
    from tthc_ingest.publisher import ReplicaWait

    settings = Settings()
    plan = load_plan(args.plan or settings.plan)
    key = settings.stream_key.get_secret_value() if settings.stream_key else None
    signer = EntrySigner(load_signing_key(key, settings.stream_key_file))
    redis = connect_settings(settings)
    try:
        report = await replay(redis, plan, signer, dry_run=args.dry_run, wait=ReplicaWait.of(settings))
    except StreamUnavailable as exc:
        print(f"tthc dead replay: {exc}", file=sys.stderr)
        return 1
    finally:
        await redis.aclose()
    verb = "would pass" if args.dry_run else "replayed"
    print(f"{verb}: {report.replayed} records ({report.events} events)")
    for reason, count in sorted(report.still_dead.items()):
        print(f"still refused, {reason}: {count}")
    if report.not_replayable:
        print(f"not replayable (whole bodies that could not be read): {report.not_replayable}")
    return 0
