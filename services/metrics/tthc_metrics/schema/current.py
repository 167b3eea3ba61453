"""The current schema, whole: what every topology creates, in order (``SCHEMA``).

Primary tables hold what exists nowhere else (``events``, ``alert_changes``); everything
else is derived from them and from the plan, and is rebuilt when its definition changes
(``migrate``). The plan's tables (units, ancestors, targets, periods) are rewritten from the
plan file at every start, so that SQL (the API's and Grafana's) can take a unit's subtree.
"""

from __future__ import annotations

from .cells import CELLS
from .objects import Schema, Table
from .pipeline import EVENTS_FEED, PIPELINE
from .state import CASE_STATE, CASE_STATUS, FEEDBACK_STATE, FEEDBACK_STATUS
from .table_engines import merge_tree, replacing

UNITS = Table(
    "units",
    ("code String", "name String", "parent String", "depth UInt8", "position UInt16"),
    merge_tree("code"),
)
UNIT_ANCESTORS = Table("unit_ancestors", ("unit String", "ancestor String"), merge_tree("(ancestor, unit)"))
"""(unit, ancestor) for every unit and each unit above it, itself included."""
UNIT_TARGETS = Table(
    "unit_targets",
    ("unit String", "indicator String", "target Nullable(Float64)"),
    merge_tree("(unit, indicator)"),
)
PERIODS = Table(
    "periods",
    (
        "code String",
        "kind LowCardinality(String)",
        "label String",
        "start_utc DateTime64(6, 'UTC')",
        "end_utc DateTime64(6, 'UTC')",
    ),
    merge_tree("code"),
)
"""Every month, quarter and year with its bounds in UTC, so Grafana selects a period by code."""

ALERT_CHANGES = Table(
    "alert_changes",
    (
        "stream_id String",
        "changed_at DateTime64(3, 'UTC')",
        "id String",
        "unit LowCardinality(String)",
        "indicator LowCardinality(String)",
        "period String",
        "status LowCardinality(String)",
        "value Nullable(Float64)",
        "target Nullable(Float64)",
        "numerator UInt64",
        "denominator UInt64",
        "started_at Nullable(DateTime64(3, 'UTC'))",
        "resolved_at Nullable(DateTime64(3, 'UTC'))",
    ),
    replacing("(stream_id)"),
    primary=True,
)
"""Every entry of ``tthc:alerts``: the history of each alert (unit, indicator, period)."""

PROCEDURES = Table(
    "procedures",
    (
        "code String",
        "name String",
        "fee UInt8",
        "online LowCardinality(String)",
        "portal_payment UInt8",
        "citizen UInt8",
        "processing_days Nullable(UInt16)",
        "units Array(String)",
    ),
    merge_tree("code"),
)
"""The plan's procedure catalogue (SPEC section 10); ``units`` empty: every unit."""
SCORECARD_ITEMS = Table(
    "scorecard_items",
    (
        "position UInt8",
        "code String",
        "group_code String",
        "group_name String",
        "group_max UInt8",
        "name String",
        "max UInt8",
        "rule String",
        "threshold Nullable(Float64)",
        "full_when_empty UInt8",
        "basis LowCardinality(String)",
        "inferred UInt8",
        "numerator String",
        "denominator String",
        "published_numerator Nullable(UInt64)",
        "published_denominator Nullable(UInt64)",
        "published_points Nullable(Float64)",
    ),
    merge_tree("position"),
)
"""The items of the QĐ 766 scorecard as the contract defines them (``qd766.ITEMS``) with the plan's
published values: Grafana's panels compute the estimate from the same definitions."""

SCORECARD_POINTS = Table(
    "scorecard_points",
    (
        "period String",
        "unit String",
        "parent String",
        "unit_name String",
        "position UInt8",
        "code String",
        "group_code String",
        "name String",
        "max UInt8",
        "basis LowCardinality(String)",
        "inferred UInt8",
        "n Nullable(UInt64)",
        "d Nullable(UInt64)",
        "known UInt8",
        "exact Nullable(Decimal256(30))",
        "computed_at DateTime64(6, 'UTC')",
    ),
    replacing("(period, unit, code)", "computed_at"),
)
"""The QĐ 766 estimate of every unit and period, item by item, as the scorecard's SQL computed
it at ``computed_at`` (``grafana_rows``): Grafana's 766 dashboard reads these rows. The
newest computation of a row wins; ``parent`` lets the ranking read the units below one."""

UNIT_INDICATORS = Table(
    "unit_indicators",
    (
        "period String",
        "unit String",
        "indicator LowCardinality(String)",
        "numerator UInt64",
        "denominator UInt64",
        "target Nullable(Float64)",
        "shown String",
        "computed_at DateTime64(6, 'UTC')",
    ),
    replacing("(period, unit, indicator)", "computed_at"),
)
"""Every unit's indicators for every period, numerator and denominator over its subtree, as
``/v1/indicators`` counts them at ``computed_at`` (``grafana_rows``), the unit's own target and
the text the overview's table of units shows («79,7% ✓»), which reads these rows. The newest
computation of a row wins."""

PLAN_TABLES = (UNITS, UNIT_ANCESTORS, UNIT_TARGETS, PERIODS, PROCEDURES, SCORECARD_ITEMS)

SCHEMA = Schema(
    (
        *PIPELINE,
        CASE_STATE,
        FEEDBACK_STATE,
        *CELLS,
        *PLAN_TABLES,
        ALERT_CHANGES,
        SCORECARD_POINTS,
        UNIT_INDICATORS,
        CASE_STATUS,
        FEEDBACK_STATUS,
        EVENTS_FEED,
    ),
    version="2026.12-cells",
)
"""Bump ``version`` to force a rebuild of the derived objects without a change of their DDL
(for instance when what the refresh writes into them changes)."""

FACT_TABLES = ("case_facts", "feedback_facts")
STATE_TABLES = ("case_state", "feedback_state")
