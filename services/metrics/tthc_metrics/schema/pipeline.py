"""From each stored batch to the facts: the ingestion table and the views that feed the tables.

The writer inserts each batch once into ``events_incoming`` (a ``Null`` table): one row per
event (``role`` 'event', ``key`` its subject: the case or feedback code), and one more row for
a ``tthc.feedback.received`` that names a case (``role`` 'link', ``key`` that case), so that in
a cluster each fact lands on its key's shard. Through materialized views that insert writes
the raw events and the per-case and per-feedback facts. Every fact column is an order-free,
duplicate-proof aggregate (max, min, distinct set): events may arrive in any order, days
apart, and a batch written again after a crash changes nothing. Tuples compare left to
right: ``max((time, entry ms, entry seq, ...))`` is "the latest by time, then the one accepted
last" (SPEC section 2).
"""

from __future__ import annotations

from .objects import Feed, Table
from .table_engines import FOLD_WHEN_QUIET, NULL, aggregating, replacing

TZ = "'Asia/Ho_Chi_Minh'"
NONE_BEFORE = "toDateTime64(0, 6, 'UTC')"
NONE_AFTER = "toDateTime64('2299-12-31 00:00:00', 6, 'UTC')"
T64 = "DateTime64(6, 'UTC')"

EVENTS = Table(
    "events",
    (
        "stream_id String",
        "event String",
        "source String MATERIALIZED JSONExtractString(event, 'source')",
        "id String MATERIALIZED JSONExtractString(event, 'id')",
        "type LowCardinality(String) MATERIALIZED JSONExtractString(event, 'type')",
        f"time {T64} MATERIALIZED parseDateTime64BestEffort(JSONExtractString(event, 'time'), 6, 'UTC')",
        "subject String MATERIALIZED JSONExtractString(event, 'subject')",
        "stored_at DateTime64(3, 'UTC') DEFAULT now64(3)",
    ),
    replacing("(source, id)", indexes=("INDEX stored_idx stored_at TYPE minmax GRANULARITY 1",)),
    placement="sharded",
    sharding_key="cityHash64(subject)",
    primary=True,
)
"""Every stored event as accepted (the canonical CloudEvent JSON), one row per (source, id).
``stored_idx``: the operations dashboard counts the events stored in its time range; a part
holds the events of the batches merged into it, so the index skips the parts stored before
the range (without it, every question read the whole history's ``stored_at``)."""

EVENTS_INCOMING = Table(
    "events_incoming",
    ("stream_id String", "event String", "key String", "role LowCardinality(String)"),
    NULL,
    placement="sharded",
    sharding_key="cityHash64(key)",
)

_RECEIVED = (
    f"received SimpleAggregateFunction(max, Tuple(time {T64}, entry_ms UInt64, entry_seq UInt64, "
    f"source String, id String, unit String, procedure String, channel String, due {T64}, fee UInt8, "
    "result_document UInt8, reused_data UInt8, field String, personal_storage UInt8, citizen_data UInt8))"
)
CASE_FACTS = Table(
    "case_facts",
    (
        "case_code String",
        _RECEIVED,
        "homes SimpleAggregateFunction(groupUniqArrayArray, Array(Tuple(unit String, day Date)))",
        f"rescheduled SimpleAggregateFunction(max, Tuple(time {T64}, entry_ms UInt64, entry_seq UInt64, due {T64}))",
        f"resolved SimpleAggregateFunction(min, Tuple(time {T64}, source String, id String, outcome String))",
        *(
            f"{flag} SimpleAggregateFunction(max, UInt8)"
            for flag in (
                "dossier_digitized",
                "result_digitized",
                "e_result",
                "synced",
                "unsatisfied",
                "has_feedback",
            )
        ),
        *(
            f"{ids} SimpleAggregateFunction(groupUniqArrayArray, Array(String))"
            for ids in ("payments", "portal_payments", "online_payments")
        ),
    ),
    aggregating("case_code", settings=(("index_granularity", "1024"), *FOLD_WHEN_QUIET)),
    placement="sharded",
    sharding_key="cityHash64(case_code)",
)
"""Per case: every event folded. ``homes`` lists the (unit, local day) of each ``received``, so
that a case a correction moved can be taken out of where it was counted before."""

FEEDBACK_FACTS = Table(
    "feedback_facts",
    (
        "feedback_code String",
        f"received SimpleAggregateFunction(max, Tuple(time {T64}, entry_ms UInt64, entry_seq UInt64, "
        f"unit String, due {T64}, case_code String))",
        "homes SimpleAggregateFunction(groupUniqArrayArray, Array(Tuple(unit String, day Date)))",
        f"resolved_at SimpleAggregateFunction(min, {T64})",
        f"rated SimpleAggregateFunction(max, Tuple(time {T64}, entry_ms UInt64, entry_seq UInt64, unsatisfied UInt8))",
    ),
    aggregating("feedback_code", settings=(("index_granularity", "1024"), *FOLD_WHEN_QUIET)),
    placement="sharded",
    sharding_key="cityHash64(feedback_code)",
)

_PARSED = """WITH
    JSONExtract(event, 'Tuple(source String, id String, type String, time String, subject String, data Tuple({data}))') AS e,
    tupleElement(e, 'type') AS kind,
    tupleElement(e, 'data') AS d,
    toUInt64OrZero(splitByChar('-', stream_id)[1]) AS entry_ms,
    toUInt64OrZero(splitByChar('-', stream_id)[2]) AS entry_seq,
    parseDateTime64BestEffort(tupleElement(e, 'time'), 6, 'UTC') AS t,
    toDate(t, {tz}) AS day,
    {none_before} AS none_before,
    {none_after} AS none_after"""
_CASE_DATA = (
    "unit String, procedure String, channel String, due String, fee Bool, result_document Bool, "
    "reused_data Bool, personal_storage Bool, citizen_data Bool, field Nullable(String), payment_id String, "
    "scope String, electronic Bool, outcome String, satisfied Bool, case Nullable(String)"
)


def _parsed(data: str) -> str:
    return (
        _PARSED.replace("{data}", data)
        .replace("{tz}", TZ)
        .replace("{none_before}", NONE_BEFORE)
        .replace("{none_after}", NONE_AFTER)
    )


CASE_FACTS_FEED = Feed(
    "case_facts_mv",
    "events_incoming",
    "case_facts",
    _parsed(_CASE_DATA)
    + """,
    parseDateTime64BestEffortOrZero(tupleElement(d, 'due'), 6, 'UTC') AS due,
    kind = 'tthc.case.paid' AS paid,
    tupleElement(d, 'channel') AS via
SELECT
    key AS case_code,
    if(kind = 'tthc.case.received',
       (t, entry_ms, entry_seq, tupleElement(e, 'source'), tupleElement(e, 'id'), tupleElement(d, 'unit'),
        tupleElement(d, 'procedure'), via, due, tupleElement(d, 'fee'), tupleElement(d, 'result_document'),
        tupleElement(d, 'reused_data'), ifNull(tupleElement(d, 'field'), ''), tupleElement(d, 'personal_storage'),
        tupleElement(d, 'citizen_data')),
       (none_before, 0, 0, '', '', '', '', '', none_before, 0, 0, 0, '', 0, 0)) AS received,
    if(kind = 'tthc.case.received', [(tupleElement(d, 'unit'), day)], []) AS homes,
    if(kind = 'tthc.case.rescheduled', (t, entry_ms, entry_seq, due), (none_before, 0, 0, none_before)) AS rescheduled,
    if(kind = 'tthc.case.resolved', (t, tupleElement(e, 'source'), tupleElement(e, 'id'), tupleElement(d, 'outcome')),
       (none_after, '', '', '')) AS resolved,
    kind = 'tthc.case.digitized' AND tupleElement(d, 'scope') = 'dossier' AS dossier_digitized,
    kind = 'tthc.case.digitized' AND tupleElement(d, 'scope') = 'result' AS result_digitized,
    kind = 'tthc.case.result_issued' AND tupleElement(d, 'electronic') AS e_result,
    kind = 'tthc.case.synced' AS synced,
    kind = 'tthc.case.rated' AND NOT tupleElement(d, 'satisfied') AS unsatisfied,
    role = 'link' AS has_feedback,
    if(paid, [tupleElement(d, 'payment_id')], []) AS payments,
    if(paid AND via = 'national_portal', [tupleElement(d, 'payment_id')], []) AS portal_payments,
    if(paid AND via IN ('national_portal', 'local_gateway'), [tupleElement(d, 'payment_id')], []) AS online_payments
FROM {source}
WHERE (role = 'event' AND startsWith(kind, 'tthc.case.')) OR role = 'link'""",
)

FEEDBACK_FACTS_FEED = Feed(
    "feedback_facts_mv",
    "events_incoming",
    "feedback_facts",
    _parsed("unit String, due String, case Nullable(String), satisfied Bool")
    + """
SELECT
    key AS feedback_code,
    if(kind = 'tthc.feedback.received',
       (t, entry_ms, entry_seq, tupleElement(d, 'unit'),
        parseDateTime64BestEffortOrZero(tupleElement(d, 'due'), 6, 'UTC'), ifNull(tupleElement(d, 'case'), '')),
       (none_before, 0, 0, '', none_before, '')) AS received,
    if(kind = 'tthc.feedback.received', [(tupleElement(d, 'unit'), day)], []) AS homes,
    if(kind = 'tthc.feedback.resolved', t, none_after) AS resolved_at,
    if(kind = 'tthc.feedback.rated', (t, entry_ms, entry_seq, toUInt8(NOT tupleElement(d, 'satisfied'))),
       (none_before, 0, 0, 0)) AS rated
FROM {source}
WHERE role = 'event' AND startsWith(kind, 'tthc.feedback.')""",
)

EVENTS_FEED = Feed(
    "events_mv",
    "events_incoming",
    "events",
    "SELECT stream_id, event FROM {source} WHERE role = 'event'",
)

PIPELINE = (EVENTS, EVENTS_INCOMING, CASE_FACTS, FEEDBACK_FACTS, CASE_FACTS_FEED, FEEDBACK_FACTS_FEED)
"""In creation order; ``EVENTS_FEED`` comes last of all (a rebuild replays the stored events
through ``events_incoming`` before it exists, so they are not stored twice)."""
