"""Each case and feedback item as it stands, placed where it is counted, and what makes it count.

``case_state`` and ``feedback_state`` hold one row per item at its *home*: the unit and local
day of its latest ``received`` (SPEC section 2), ordered by (unit, day, code) in monthly
partitions, so that a unit's subtree and a period are a few ranges of the key. The writer refreshes the rows of the
items each batch touched (``rollups.refresh``), from the facts, with a version that only grows
(``ReplacingMergeTree(version, deleted)``); a correction that moved an item leaves a deleted
row where it was, so ``FINAL`` counts it in one place only.

The views ``case_status(at)`` and ``feedback_status(at)`` define, once, what makes an item
count (SPEC section 4): per-item 0/1 flags, ``late`` and ``is_on_time`` judged at ``at``.
The API, the rollups, the reports, the scorecard and Grafana all read these definitions.
"""

from __future__ import annotations

from .objects import Table, View
from .pipeline import T64
from .table_engines import FOLD_WHEN_QUIET, replacing

CASE_STATE = Table(
    "case_state",
    (
        "case_code String",
        "unit String",
        "month UInt32",
        "day Date",
        "procedure String",
        "field String",
        "channel LowCardinality(String)",
        f"received_at {T64}",
        f"due_at {T64}",
        "ended UInt8",
        f"ended_at {T64}",
        "outcome LowCardinality(String)",
        *(
            f"{flag} UInt8"
            for flag in (
                "fee",
                "result_document",
                "reused_data",
                "personal_storage",
                "citizen_data",
                "dossier_digitized",
                "result_digitized",
                "e_result",
                "synced",
                "unsatisfied",
                "has_feedback",
                "online_paid",
            )
        ),
        "payment_count UInt32",
        "portal_payment_count UInt32",
        "version UInt64",
        "deleted UInt8",
    ),
    replacing(
        "(unit, day, case_code)",
        "version",
        "deleted",
        partition_by="month",
        settings=FOLD_WHEN_QUIET,
        indexes=(
            "INDEX ended_idx ended_at TYPE minmax GRANULARITY 1",
            "INDEX due_idx due_at TYPE minmax GRANULARITY 1",
        ),
    ),
    placement="sharded",
    sharding_key="cityHash64(case_code)",
)

FEEDBACK_STATE = Table(
    "feedback_state",
    (
        "feedback_code String",
        "unit String",
        "month UInt32",
        "day Date",
        f"received_at {T64}",
        f"due_at {T64}",
        "case_code String",
        "resolved UInt8",
        f"resolved_at {T64}",
        "unsatisfied UInt8",
        "version UInt64",
        "deleted UInt8",
    ),
    replacing(
        "(unit, day, feedback_code)",
        "version",
        "deleted",
        partition_by="month",
        settings=FOLD_WHEN_QUIET,
        indexes=("INDEX due_idx due_at TYPE minmax GRANULARITY 1",),
    ),
    placement="sharded",
    sharding_key="cityHash64(feedback_code)",
)

AT = "{at:DateTime64(6, 'UTC')}"

_CASE_FLAGS = """
    case_code, unit, month, day, procedure, field, channel, received_at, due_at, ended,
    if(ended, ended_at, NULL) AS ended_at, outcome, fee, result_document, reused_data, personal_storage,
    citizen_data, dossier_digitized, result_digitized, e_result, synced, unsatisfied, has_feedback, online_paid,
    payment_count, portal_payment_count,
    if(ended, ended_at > due_at, {at} > due_at) AS late,
    ended AND outcome = 'approved' AND result_document AS needs_result,
    toUInt8(channel IN ('online_full', 'online_partial')) AS is_online,
    toUInt8(dossier_digitized AND (NOT needs_result OR result_digitized OR e_result)) AS is_digitized,
    toUInt8(synced) AS is_synced,
    toUInt8(needs_result) AS is_result_case,
    toUInt8(needs_result AND e_result) AS has_e_result,
    toUInt8(reused_data) AS is_reused,
    toUInt8(NOT late) AS is_on_time,
    toUInt8(NOT unsatisfied AND NOT has_feedback) AS is_content,
    toUInt8(is_on_time AND is_content) AS is_satisfied,
    toUInt8(fee) AS is_fee,
    toUInt8(fee AND online_paid) AS is_fee_paid_online,
    toUInt8(e_result) AS has_e_result_any,
    toUInt8(personal_storage) AS is_personal_storage,
    toUInt8(citizen_data) AS is_citizen_data"""
"""``is_content``: no rating said unsatisfied and no feedback about the case; a case is
satisfied (SPEC section 4) when it is on time and content."""

_FEEDBACK_FLAGS = """
    feedback_code, unit, month, day, received_at, due_at, case_code, resolved,
    if(resolved, resolved_at, NULL) AS resolved_time, unsatisfied,
    toUInt8(if(resolved, resolved_at <= due_at, {at} <= due_at)) AS is_on_time,
    toUInt8(NOT unsatisfied) AS is_content,
    toUInt8(is_on_time AND is_content) AS is_satisfied"""

FLAGS = {"case_state": _CASE_FLAGS, "feedback_state": _FEEDBACK_FLAGS}


def status_select(state: str, at: str = AT, where: str = "") -> str:
    """The items of ``state`` with their flags judged at ``at``: the body of the status views,
    and, with a ``where`` on the table's own columns, what the cells are built from (inline:
    planning a query through the view costs the refresh as much again)."""
    filtered = f"\nWHERE {where}" if where else ""
    return f"SELECT{FLAGS[state].replace('{at}', at)}\nFROM {state} FINAL{filtered}"


CASE_STATUS = View("case_status", status_select("case_state"))
FEEDBACK_STATUS = View("feedback_status", status_select("feedback_state"))
