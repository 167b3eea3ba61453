-- One insert per batch into events_incoming (a Null table) feeds, through materialized
-- views, the raw events and the per-case and per-feedback facts.
-- Every fact column is an order-free, duplicate-proof aggregate
-- (max, min, distinct set), so events may arrive in any order, days apart, and a
-- batch re-inserted after a crash changes nothing. Tuples compare left to right:
-- max((time, source, id, ...)) is "the latest by time", min(...) "the earliest".
CREATE TABLE IF NOT EXISTS events_incoming
(
    stream_id String,
    event String
)
ENGINE = Null;

CREATE TABLE IF NOT EXISTS case_facts
(
    case_code String,
    received SimpleAggregateFunction(max, Tuple(time DateTime64(6, 'UTC'), source String, id String, unit String, procedure String, channel String, due DateTime64(6, 'UTC'), fee UInt8, result_document UInt8, reused_data UInt8, field String)),
    rescheduled SimpleAggregateFunction(max, Tuple(time DateTime64(6, 'UTC'), source String, id String, due DateTime64(6, 'UTC'))),
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
ORDER BY case_code;

CREATE TABLE IF NOT EXISTS feedback_facts
(
    feedback_code String,
    received SimpleAggregateFunction(max, Tuple(time DateTime64(6, 'UTC'), source String, id String, unit String, due DateTime64(6, 'UTC'), case_code String)),
    resolved_at SimpleAggregateFunction(min, DateTime64(6, 'UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY feedback_code;

CREATE MATERIALIZED VIEW IF NOT EXISTS case_facts_mv TO case_facts AS
WITH
    JSONExtract(event, 'Tuple(source String, id String, type String, time String, subject String, data Tuple(unit String, procedure String, channel String, due String, fee Bool, result_document Bool, reused_data Bool, field Nullable(String), payment_id String, scope String, electronic Bool, outcome String, satisfied Bool, case Nullable(String)))') AS e,
    tupleElement(e, 'type') AS kind,
    tupleElement(e, 'source') AS src,
    tupleElement(e, 'id') AS eid,
    tupleElement(e, 'data') AS d,
    parseDateTime64BestEffort(tupleElement(e, 'time'), 6, 'UTC') AS t,
    parseDateTime64BestEffortOrZero(tupleElement(d, 'due'), 6, 'UTC') AS due,
    toDateTime64(0, 6, 'UTC') AS none_before,
    toDateTime64('2299-12-31 00:00:00', 6, 'UTC') AS none_after
SELECT
    if(kind = 'tthc.feedback.received', assumeNotNull(tupleElement(d, 'case')), tupleElement(e, 'subject')) AS case_code,
    if(kind = 'tthc.case.received',
       (t, src, eid, tupleElement(d, 'unit'), tupleElement(d, 'procedure'), tupleElement(d, 'channel'), due,
        tupleElement(d, 'fee'), tupleElement(d, 'result_document'), tupleElement(d, 'reused_data'), ifNull(tupleElement(d, 'field'), '')),
       (none_before, '', '', '', '', '', none_before, 0, 0, 0, '')) AS received,
    if(kind = 'tthc.case.rescheduled', (t, src, eid, due), (none_before, '', '', none_before)) AS rescheduled,
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
    parseDateTime64BestEffort(tupleElement(e, 'time'), 6, 'UTC') AS t,
    toDateTime64(0, 6, 'UTC') AS none_before,
    toDateTime64('2299-12-31 00:00:00', 6, 'UTC') AS none_after
SELECT
    tupleElement(e, 'subject') AS feedback_code,
    if(kind = 'tthc.feedback.received',
       (t, tupleElement(e, 'source'), tupleElement(e, 'id'), tupleElement(d, 'unit'),
        parseDateTime64BestEffortOrZero(tupleElement(d, 'due'), 6, 'UTC'), ifNull(tupleElement(d, 'case'), '')),
       (none_before, '', '', '', none_before, '')) AS received,
    if(kind = 'tthc.feedback.resolved', t, none_after) AS resolved_at
FROM events_incoming
WHERE startsWith(kind, 'tthc.feedback.');

CREATE MATERIALIZED VIEW IF NOT EXISTS events_mv TO events AS
SELECT stream_id, event
FROM events_incoming;
