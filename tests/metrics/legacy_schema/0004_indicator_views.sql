-- What makes a case or feedback item count, defined once for the API and Grafana alike
-- (how the counts add up is in tthc_contract.indicators: CASE_COUNTS, FEEDBACK_COUNTS).
--   case_status(at):     one row per received case: its folded facts, whether it is late
--                        at the instant `at`, and one 0/1 flag per count of SPEC section 4.
--   feedback_status(at): one row per received feedback item, on time or not at `at`.
-- A unit's numbers are those of the cases of its subtree (unit_ancestors), summed.
--
-- FINAL folds each case's rows at query time with the table's aggregate functions, so
-- the numbers never depend on background merges. Tuple fields are read with
-- tupleElement(): the `t.field` subcolumn syntax is not folded under FINAL. The views
-- are flat (one level over the facts): every nested view adds ~20 ms of query planning.
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
