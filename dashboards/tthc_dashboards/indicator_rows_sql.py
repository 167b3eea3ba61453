"""SQL of the rows behind the overview's table of units (pure): every unit's indicators for a
period, its numerator and denominator, in ``unit_indicators``.

The table shows every unit of the province at once; computed in the panel, each of its
statements folded the period's cells over the whole tree (about 60–120 ms in the embedded
engine, most of it planning). ``indicator_rows`` writes them instead, for the units the metrics
service lists (``tthc_metrics.grafana_rows``), with the metrics' own sums of the month cells
(``read_sums``) judged at the instant of the computation, exactly as ``/v1/indicators`` judges
at the instant it answers, with the unit's own target and the cell's text as the table shows it
(«79,7% ✓»: met exactly, ``numerator >= target × denominator``, as the API decides). The text
is written, not formatted in the panel: the embedded engine plans a statement in about 1 ms per
expression, and formatting and marking 9 indicators cost the table 25–35 ms of planning.
``unit_table`` reads the texts (a row of each unit, its cells side by side).
"""

from __future__ import annotations

from tthc_contract.indicators import INDICATORS
from tthc_metrics.rollups.cells_sql import CASES, FEEDBACK, CellKind

from .sql import NOW, PERIOD, kind_of, mark, percent_text, subtree_sums

ROWS_COLUMNS = ("period", "unit", "indicator", "numerator", "denominator", "target", "shown", "computed_at")
"""The columns of ``unit_indicators``, in the order ``indicator_rows`` writes them."""


def _names(kind: CellKind) -> tuple[str, ...]:
    """The counts the indicators read from the cells of ``kind``."""
    found = {n for i in INDICATORS for n in (i.numerator, i.denominator) if kind_of(i.denominator) is kind}
    return tuple(sorted(found))


def _count(name: str) -> str:
    return f"toUInt64({'f' if kind_of(name) is FEEDBACK else 'c'}.{name})"


def shown(num: str, den: str, target: str) -> str:
    """«79,7% ✓» when the unit meets its own target (exactly, as the API), «✗» when not, no mark
    without a target; «—» without cases."""
    return f"if({den} = 0, '—', concat({percent_text(f'{num} / {den}')}, {mark(num, den, target)}))"


def indicator_rows(which: str) -> str:
    """The statement that writes, for the period chosen, every indicator of the units ``which``
    selects (a condition on ``units``) into ``unit_indicators``, judged at now (the instant
    given to ``expand``), which is also the rows' version: the newest wins."""
    counts = ", ".join(f"('{i.code}', {_count(i.numerator)}, {_count(i.denominator)})" for i in INDICATORS)
    joins = "".join(
        f"LEFT JOIN ({subtree_sums(kind, which, _names(kind), NOW)}) AS {alias} ON {alias}.scored = u.code "
        for kind, alias in ((CASES, "c"), (FEEDBACK, "f"))
    )
    each = (
        "SELECT u.code AS unit, r.1 AS indicator, r.2 AS numerator, r.3 AS denominator "
        f"FROM units AS u {joins}ARRAY JOIN [{counts}] AS r WHERE u.{which}"
    )
    return (
        f"INSERT INTO unit_indicators ({', '.join(ROWS_COLUMNS)}) "
        f"SELECT {PERIOD}, x.unit, x.indicator, x.numerator, x.denominator, t.target, "
        f"{shown('x.numerator', 'x.denominator', 't.target')}, {NOW} "
        f"FROM ({each}) AS x LEFT JOIN unit_targets AS t ON t.unit = x.unit AND t.indicator = x.indicator"
    )


def unit_table() -> str:
    """Units × indicators for the period, the texts of the rows (a unit without rows yet shows
    «—»); the unit's code (hidden) for the links to its detail and its report."""
    pivot = ", ".join(f"anyIf(shown, indicator = '{i.code}') AS s_{i.code}" for i in INDICATORS)
    columns = ", ".join(f"if(r.s_{i.code} = '', '—', r.s_{i.code}) AS \"{i.name_vi}\"" for i in INDICATORS)
    return (
        f'SELECT u.name AS "Đơn vị", u.code AS code, {PERIOD} AS period_code, {columns} FROM units AS u '
        f"LEFT JOIN (SELECT unit, {pivot} FROM unit_indicators FINAL WHERE period = {PERIOD} GROUP BY unit) AS r "
        "ON r.unit = u.code ORDER BY u.position"
    )
