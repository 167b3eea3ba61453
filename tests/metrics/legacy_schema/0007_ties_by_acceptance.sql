-- SPEC section 2: among received (or rescheduled) events with the same time, the one
-- accepted last wins (a source re-sending a corrected record with an unchanged time corrects
-- it). Acceptance order is the order of the stream: the entry id (ms-seq) goes into the tuples
-- right after the time, so max() stays order-free and a batch written again changes nothing.
-- The fact tables are rebuilt from the stored events; every statement may run again
-- (stop other metrics instances before upgrading a shared ClickHouse server).
DROP VIEW IF EXISTS case_status;
DROP VIEW IF EXISTS feedback_status;
DROP VIEW IF EXISTS case_facts_mv;
DROP VIEW IF EXISTS feedback_facts_mv;
DROP VIEW IF EXISTS events_mv;
DROP TABLE IF EXISTS case_facts;
DROP TABLE IF EXISTS feedback_facts;

CREATE TABLE IF NOT EXISTS case_facts
(
    case_code String,
    received SimpleAggregateFunction(max, Tuple(time DateTime64(6, 'UTC'), entry_ms UInt64, entry_seq UInt64, source String, id String, unit String, procedure String, channel String, due DateTime64(6, 'UTC'), fee UInt8, result_document UInt8, reused_data UInt8, field String)),
    rescheduled SimpleAggregateFunction(max, Tuple(time DateTime64(6, 'UTC'), entry_ms UInt64, entry_seq UInt64, due DateTime64(6, 'UTC'))),
    resolved SimpleAggregateFunction(min, Tuple(time DateTime64(6, 'UTC'), source String, id String, outcome String)),
    dossier_digitized SimpleAggregateFunction(max, UInt8),
    result_digitized SimpleAggregateFunction(max, UInt8),
    e_result SimpleAggregateFunction(max, UInt8),
    synced SimpleAggregateFunction(max, UInt8),
    unsatisfied SimpleAggregateFunction(max, UInt8),
    has_feedback SimpleAggregateFunction(max, UInt8),
    payments SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
    portal_payments SimpleAggregateFunction(groupUniqArrayArray, Array(String))
)
ENGINE = AggregatingMergeTree
ORDER BY case_code
SETTINGS min_age_to_force_merge_seconds = 30, min_age_to_force_merge_on_partition_only = 1;

CREATE TABLE IF NOT EXISTS feedback_facts
(
    feedback_code String,
    received SimpleAggregateFunction(max, Tuple(time DateTime64(6, 'UTC'), entry_ms UInt64, entry_seq UInt64, unit String, due DateTime64(6, 'UTC'), case_code String)),
    resolved_at SimpleAggregateFunction(min, DateTime64(6, 'UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY feedback_code
SETTINGS min_age_to_force_merge_seconds = 30, min_age_to_force_merge_on_partition_only = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS case_facts_mv TO case_facts AS
WITH
    JSONExtract(event, 'Tuple(source String, id String, type String, time String, subject String, data Tuple(unit String, procedure String, channel String, due String, fee Bool, result_document Bool, reused_data Bool, field Nullable(String), payment_id String, scope String, electronic Bool, outcome String, satisfied Bool, case Nullable(String)))') AS e,
    tupleElement(e, 'type') AS kind,
    tupleElement(e, 'source') AS src,
    tupleElement(e, 'id') AS eid,
    tupleElement(e, 'data') AS d,
    toUInt64OrZero(splitByChar('-', stream_id)[1]) AS entry_ms,
    toUInt64OrZero(splitByChar('-', stream_id)[2]) AS entry_seq,
    parseDateTime64BestEffort(tupleElement(e, 'time'), 6, 'UTC') AS t,
    parseDateTime64BestEffortOrZero(tupleElement(d, 'due'), 6, 'UTC') AS due,
    toDateTime64(0, 6, 'UTC') AS none_before,
    toDateTime64('2299-12-31 00:00:00', 6, 'UTC') AS none_after
SELECT
    if(kind = 'tthc.feedback.received', assumeNotNull(tupleElement(d, 'case')), tupleElement(e, 'subject')) AS case_code,
    if(kind = 'tthc.case.received',
       (t, entry_ms, entry_seq, src, eid, tupleElement(d, 'unit'), tupleElement(d, 'procedure'), tupleElement(d, 'channel'), due,
        tupleElement(d, 'fee'), tupleElement(d, 'result_document'), tupleElement(d, 'reused_data'), ifNull(tupleElement(d, 'field'), '')),
       (none_before, 0, 0, '', '', '', '', '', none_before, 0, 0, 0, '')) AS received,
    if(kind = 'tthc.case.rescheduled', (t, entry_ms, entry_seq, due), (none_before, 0, 0, none_before)) AS rescheduled,
    if(kind = 'tthc.case.resolved', (t, src, eid, tupleElement(d, 'outcome')), (none_after, '', '', '')) AS resolved,
    kind = 'tthc.case.digitized' AND tupleElement(d, 'scope') = 'dossier' AS dossier_digitized,
    kind = 'tthc.case.digitized' AND tupleElement(d, 'scope') = 'result' AS result_digitized,
    kind = 'tthc.case.result_issued' AND tupleElement(d, 'electronic') AS e_result,
    kind = 'tthc.case.synced' AS synced,
    kind = 'tthc.case.rated' AND NOT tupleElement(d, 'satisfied') AS unsatisfied,
    kind = 'tthc.feedback.received' AS has_feedback,
    if(kind = 'tthc.case.paid', [tupleElement(d, 'payment_id')], []) AS payments,
    if(kind = 'tthc.case.paid' AND tupleElement(d, 'channel') = 'national_portal', [tupleElement(d, 'payment_id')], []) AS portal_payments
FROM events_incoming
WHERE startsWith(kind, 'tthc.case.') OR (kind = 'tthc.feedback.received' AND ifNull(tupleElement(d, 'case'), '') != '');

CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_facts_mv TO feedback_facts AS
WITH
    JSONExtract(event, 'Tuple(source String, id String, type String, time String, subject String, data Tuple(unit String, due String, case Nullable(String)))') AS e,
    tupleElement(e, 'type') AS kind,
    tupleElement(e, 'data') AS d,
    toUInt64OrZero(splitByChar('-', stream_id)[1]) AS entry_ms,
    toUInt64OrZero(splitByChar('-', stream_id)[2]) AS entry_seq,
    parseDateTime64BestEffort(tupleElement(e, 'time'), 6, 'UTC') AS t,
    toDateTime64(0, 6, 'UTC') AS none_before,
    toDateTime64('2299-12-31 00:00:00', 6, 'UTC') AS none_after
SELECT
    tupleElement(e, 'subject') AS feedback_code,
    if(kind = 'tthc.feedback.received',
       (t, entry_ms, entry_seq, tupleElement(d, 'unit'),
        parseDateTime64BestEffortOrZero(tupleElement(d, 'due'), 6, 'UTC'), ifNull(tupleElement(d, 'case'), '')),
       (none_before, 0, 0, '', none_before, '')) AS received,
    if(kind = 'tthc.feedback.resolved', t, none_after) AS resolved_at
FROM events_incoming
WHERE startsWith(kind, 'tthc.feedback.');

-- The facts of every stored event, through the new views: the raw events go through
-- events_incoming once more while events_mv is away, so the events table is left as it was.
-- Facts are order-free aggregates: running this again after an interruption changes nothing.
INSERT INTO events_incoming (stream_id, event) SELECT stream_id, event FROM events;

CREATE MATERIALIZED VIEW IF NOT EXISTS events_mv TO events AS
SELECT stream_id, event
FROM events_incoming;

-- The views of 0004, over the new tuples (the names of the tuple fields are unchanged).
CREATE VIEW IF NOT EXISTS case_status AS
SELECT
    case_code, unit, procedure, field, channel, received_at, due_at, ended, ended_at, outcome,
    fee, result_document, reused_data, dossier_digitized, result_digitized, e_result, synced,
    unsatisfied, has_feedback, payment_count, portal_payment_count,
    if(ended, assumeNotNull(ended_at) > due_at, {at:DateTime64(6, 'UTC')} > due_at) AS late,
    ended AND outcome = 'approved' AND result_document AS needs_result,
    toUInt8(channel IN ('online_full', 'online_partial')) AS is_online,
    toUInt8(dossier_digitized AND (NOT needs_result OR result_digitized OR e_result)) AS is_digitized,
    toUInt8(synced) AS is_synced,
    toUInt8(needs_result) AS is_result_case,
    toUInt8(needs_result AND e_result) AS has_e_result,
    toUInt8(reused_data) AS is_reused,
    toUInt8(NOT late) AS is_on_time,
    toUInt8(NOT late AND NOT unsatisfied AND NOT has_feedback) AS is_satisfied
FROM
(
    SELECT
        case_code,
        tupleElement(received, 'unit') AS unit,
        tupleElement(received, 'procedure') AS procedure,
        tupleElement(received, 'field') AS field,
        tupleElement(received, 'channel') AS channel,
        tupleElement(received, 'time') AS received_at,
        if(tupleElement(rescheduled, 'time') > toDateTime64(0, 6, 'UTC'),
           tupleElement(rescheduled, 'due'), tupleElement(received, 'due')) AS due_at,
        tupleElement(resolved, 'time') < toDateTime64('2299-12-31 00:00:00', 6, 'UTC') AS ended,
        if(ended, tupleElement(resolved, 'time'), NULL) AS ended_at,
        tupleElement(resolved, 'outcome') AS outcome,
        tupleElement(received, 'fee') AS fee,
        tupleElement(received, 'result_document') AS result_document,
        tupleElement(received, 'reused_data') AS reused_data,
        dossier_digitized, result_digitized, e_result, synced, unsatisfied, has_feedback,
        length(payments) AS payment_count,
        length(portal_payments) AS portal_payment_count
    FROM case_facts FINAL
    WHERE tupleElement(received, 'time') > toDateTime64(0, 6, 'UTC')
);

CREATE VIEW IF NOT EXISTS feedback_status AS
SELECT
    feedback_code, unit, received_at, due_at, case_code, resolved, resolved_time,
    toUInt8(if(resolved, assumeNotNull(resolved_time) <= due_at, {at:DateTime64(6, 'UTC')} <= due_at)) AS is_on_time
FROM
(
    SELECT
        feedback_code,
        tupleElement(received, 'unit') AS unit,
        tupleElement(received, 'time') AS received_at,
        tupleElement(received, 'due') AS due_at,
        tupleElement(received, 'case_code') AS case_code,
        resolved_at < toDateTime64('2299-12-31 00:00:00', 6, 'UTC') AS resolved,
        if(resolved, resolved_at, NULL) AS resolved_time
    FROM feedback_facts FINAL
    WHERE tupleElement(received, 'time') > toDateTime64(0, 6, 'UTC')
);
