"""The state of items from their facts (SPEC section 2), in SQL: one definition for the refresh
after each batch (``{where}`` = the codes it touched) and for a rebuild (a slice of all codes).

Each item gets a row at every home it ever had: the current one (its latest ``received``)
live, the others deleted, all with the refresh's version, so ``FINAL`` keeps one live row per
item, where it is counted now. Items never received have no home and no row.
"""

from __future__ import annotations

from ..schema.pipeline import NONE_AFTER, NONE_BEFORE, TZ

CASE_FOLD = f"""
SELECT
    case_code,
    tupleElement(home, 1) AS unit,
    toYYYYMM(tupleElement(home, 2)) AS month,
    tupleElement(home, 2) AS day,
    tupleElement(r, 'procedure') AS procedure,
    tupleElement(r, 'field') AS field,
    tupleElement(r, 'channel') AS channel,
    tupleElement(r, 'time') AS received_at,
    if(tupleElement(rs, 'time') > {NONE_BEFORE}, tupleElement(rs, 'due'), tupleElement(r, 'due')) AS due_at,
    toUInt8(tupleElement(rv, 'time') < {NONE_AFTER}) AS ended,
    tupleElement(rv, 'time') AS ended_at,
    tupleElement(rv, 'outcome') AS outcome,
    tupleElement(r, 'fee') AS fee,
    tupleElement(r, 'result_document') AS result_document,
    tupleElement(r, 'reused_data') AS reused_data,
    tupleElement(r, 'personal_storage') AS personal_storage,
    tupleElement(r, 'citizen_data') AS citizen_data,
    dossier_digitized, result_digitized, e_result, synced, unsatisfied, has_feedback,
    toUInt8(notEmpty(online_payments)) AS online_paid,
    length(payments) AS payment_count,
    length(portal_payments) AS portal_payment_count,
    {{version:UInt64}} AS version,
    toUInt8(home != (tupleElement(r, 'unit'), toDate(tupleElement(r, 'time'), {TZ}))) AS deleted
FROM
(
    SELECT
        case_code,
        max(received) AS r,
        groupUniqArrayArray(homes) AS hs,
        max(rescheduled) AS rs,
        min(resolved) AS rv,
        max(dossier_digitized) AS dossier_digitized,
        max(result_digitized) AS result_digitized,
        max(e_result) AS e_result,
        max(synced) AS synced,
        max(unsatisfied) AS unsatisfied,
        max(has_feedback) AS has_feedback,
        groupUniqArrayArray(payments) AS payments,
        groupUniqArrayArray(portal_payments) AS portal_payments,
        groupUniqArrayArray(online_payments) AS online_payments
    FROM case_facts
    WHERE {{where}}
    GROUP BY case_code
)
ARRAY JOIN hs AS home
"""

FEEDBACK_FOLD = f"""
SELECT
    feedback_code,
    tupleElement(home, 1) AS unit,
    toYYYYMM(tupleElement(home, 2)) AS month,
    tupleElement(home, 2) AS day,
    tupleElement(r, 'time') AS received_at,
    tupleElement(r, 'due') AS due_at,
    tupleElement(r, 'case_code') AS case_code,
    toUInt8(resolved_at < {NONE_AFTER}) AS resolved,
    resolved_at,
    tupleElement(rated, 'unsatisfied') AS unsatisfied,
    {{version:UInt64}} AS version,
    toUInt8(home != (tupleElement(r, 'unit'), toDate(tupleElement(r, 'time'), {TZ}))) AS deleted
FROM
(
    SELECT
        feedback_code,
        max(received) AS r,
        groupUniqArrayArray(homes) AS hs,
        min(resolved_at) AS resolved_at,
        max(rated) AS rated
    FROM feedback_facts
    WHERE {{where}}
    GROUP BY feedback_code
)
ARRAY JOIN hs AS home
"""

_HOMES = (
    "SELECT tupleElement(h, 1), tupleElement(h, 2), length(hs) > 1 FROM "
    "(SELECT groupUniqArrayArray(homes) AS hs FROM {table} WHERE {code} IN {{codes:Array(String)}} "
    "GROUP BY {code}) ARRAY JOIN hs AS h"
)
CASE_HOMES = _HOMES.format(table="case_facts", code="case_code")
FEEDBACK_HOMES = _HOMES.format(table="feedback_facts", code="feedback_code")
"""Every (unit, day) the items were ever counted at: the cells to recompute; and whether the\nitem has more than one (a correction moved it: the cells it left may now be empty)."""


def fold(template: str, where: str) -> str:
    return template.replace("{where}", where)
