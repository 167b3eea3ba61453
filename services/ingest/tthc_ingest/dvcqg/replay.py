"""``tthc dead replay``: the bridge's kept records, translated again with the current plan.

A record the bridge kept (its unit unknown until the plan mapped the agency's name, its due
time unknown until the catalogue gave ``processing_days``, ...) is translated again as the
source that sent it, with ``synced`` when the portal had accepted it, checked like any
request (SPEC sections 2 and 7) and published; its letter then leaves ``tthc:dead``. Event ids
are derived from the record, so a replay is safe to repeat: what was published already is the
same event again, which the store counts once. Letters that still cannot be published stay,
and are counted by their new reason. Whole bodies that could not be read are not replayable.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import orjson
import redis.asyncio as aredis

from tthc_contract.dead_letters import DeadLetterBox, StoredLetter
from tthc_contract.http import ApiError
from tthc_contract.plan import Plan
from tthc_contract.signing import EntrySigner

from ..keys import Credential
from ..publisher import EventPublisher, ReplicaWait
from ..submission import NotReplicated, Submission
from .fields import RecordError
from .ledger import ORIGIN
from .mapping import Context, translate

PAGE = 500


@dataclass
class ReplayReport:
    replayed: int = 0
    events: int = 0
    still_dead: Counter[str] = field(default_factory=Counter)
    not_replayable: int = 0


class StreamUnavailable(Exception):
    """Redis could not take the events, or not enough replicas confirmed them in time:
    nothing more is replayed; run it again later (what was published is stored once)."""


def credential(plan: Plan, source: str) -> Credential:
    """The source's units as the plan gives them now (a source no longer listed: every unit)."""
    for spec in plan.spec.sources:
        if spec.id == source:
            return Credential(source, plan.source_units(spec))
    return Credential(source, None)


def context(plan: Plan, letter: StoredLetter) -> Context:
    fields = letter.original
    accepted = fields.get(b"portal_accepted") == b"1"
    at = datetime.fromisoformat(fields[b"received_at"].decode()) if accepted else None
    agency = fields.get(b"agency", b"").decode() or None
    return Context(plan, fields[b"source"].decode(), at, agency)


async def replay(
    redis: aredis.Redis,
    plan: Plan,
    signer: EntrySigner,
    dry_run: bool = False,
    wait: ReplicaWait | None = None,
) -> ReplayReport:
    """Replay every replayable letter; with ``wait``, each publish waits for replicas as ingest's do."""
    box = DeadLetterBox(redis)
    submission = Submission(plan, signer, EventPublisher(redis, wait=wait))
    report = ReplayReport()
    after = b"-"
    while letters := await box.letters(after, PAGE):
        after = letters[-1].letter_id
        done = [await _one(letter, plan, submission, report, dry_run) for letter in letters]
        if not dry_run:
            await box.remove([letter.letter_id for letter, ok in zip(letters, done, strict=True) if ok])
    return report


async def _one(
    letter: StoredLetter, plan: Plan, submission: Submission, report: ReplayReport, dry_run: bool
) -> bool:
    if letter.origin != ORIGIN or b"record" not in letter.original or b"record.truncated" in letter.original:
        report.not_replayable += letter.origin == ORIGIN
        return False
    ctx = context(plan, letter)
    try:
        events = translate(orjson.loads(letter.original[b"record"]), ctx)
        who = credential(plan, ctx.source)
        checked = submission.check(events, who)
        published = len(checked) if dry_run else await submission.publish(checked, who)
    except RecordError as exc:
        report.still_dead[exc.problem.reason] += 1
        return False
    except NotReplicated as exc:
        raise StreamUnavailable(str(exc.detail)) from None
    except ApiError as exc:
        report.still_dead["out_of_scope" if exc.status == 403 else "invalid_event"] += 1
        return False
    if published is None:
        raise StreamUnavailable("Redis does not take the events; run the replay again later")
    report.replayed += 1
    report.events += published
    return True
