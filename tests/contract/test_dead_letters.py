"""``tthc:dead`` in a real Redis: bounded in letters and in bytes per letter, with exact totals."""

from __future__ import annotations

import redis.asyncio as aredis

from tthc_contract.dead_letters import MAX_ORIGINAL_BYTES, DeadLetter, DeadLetterBox
from tthc_contract.streams import DEAD, DEAD_MAXLEN, EVENTS

NODE_ENTRIES = 100
"""Redis trims ``MAXLEN ~`` by whole stream nodes of at most this many entries."""


async def test_a_large_letter_keeps_its_small_fields_whole_and_cuts_the_large_one(
    redis: aredis.Redis,
) -> None:
    event = b"{" + b"x" * 100_000 + b"}"
    small = {b"source": b"igate", b"id": b"igate-1", b"sig": b"ab" * 16}
    box = DeadLetterBox(redis)
    await box.send([DeadLetter(b"1-0", {b"event": event, **small}, "too big to read")])
    [letter] = await box.letters()
    assert {k: v for k, v in letter.original.items() if k in small} == small
    kept = letter.original[b"event"]
    assert event.startswith(kept) and letter.original[b"event.truncated"] == b"100002"
    assert (
        sum(len(v) for k, v in letter.original.items() if k in small or k == b"event") == MAX_ORIGINAL_BYTES
    )
    names = [k for k in letter.original if not k.endswith(b".truncated")]
    assert names == [b"event", b"source", b"id", b"sig"], "in their order"


async def test_a_letter_within_the_budget_is_kept_as_it_came(redis: aredis.Redis) -> None:
    fields = {b"event": b"y" * (MAX_ORIGINAL_BYTES - 10), b"source": b"0123456789"}
    box = DeadLetterBox(redis)
    await box.send([DeadLetter(b"2-0", fields, "invalid")])
    [letter] = await box.letters()
    assert letter.original == fields


async def test_the_oldest_letters_go_beyond_the_cap_and_the_totals_stay_exact(redis: aredis.Redis) -> None:
    box = DeadLetterBox(redis)
    sent = DEAD_MAXLEN + 2_500
    for start in range(0, sent, 2_500):
        await box.send(
            [
                DeadLetter(
                    b"%d-0" % n, {b"event": b"%d" % n}, "invalid", code="poison" if n % 2 else "invalid_event"
                )
                for n in range(start, min(start + 2_500, sent))
            ]
        )
    assert DEAD_MAXLEN <= await redis.xlen(DEAD) < DEAD_MAXLEN + NODE_ENTRIES
    newest = (await redis.xrevrange(DEAD, count=1))[0][1]
    assert newest[b"original.event"] == b"%d" % (sent - 1)
    assert await box.total() == sent
    assert await box.by_reason() == {f"{EVENTS}:invalid_event": sent // 2, f"{EVENTS}:poison": sent // 2}
