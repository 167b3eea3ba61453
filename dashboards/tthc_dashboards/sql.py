"""SQL of the panels, built from the contract's catalogue (pure).

Per-case flags are those of the views ``case_status(at)`` and ``feedback_status(at)``,
their sums ``CASE_COUNTS``/``FEEDBACK_COUNTS``: the same definitions the metrics API
uses, so Grafana shows the API's numbers. ``${unit}`` and ``${period}`` are dashboard
variables; a unit is its subtree (``unit_ancestors``), a period its UTC bounds (``periods``).
"""

from __future__ import annotations

from tthc_contract.indicators import CASE_COUNTS, FEEDBACK_COUNTS, INDICATORS, Indicator

NOW = "now64(6)"
SUBTREE = "unit IN (SELECT unit FROM unit_ancestors WHERE ancestor = '${unit}')"
IN_PERIOD = (
    "received_at >= (SELECT start_utc FROM periods WHERE code = '${period}') "
    "AND received_at < (SELECT end_utc FROM periods WHERE code = '${period}')"
)
MONTH = "toDateTime(toStartOfMonth(received_at, 'Asia/Ho_Chi_Minh'), 'Asia/Ho_Chi_Minh')"


def source(ind: Indicator) -> tuple[str, dict[str, str]]:
    """The view an indicator counts over, and its count expressions."""
    if ind.denominator in FEEDBACK_COUNTS:
        return f"feedback_status(at = {NOW})", FEEDBACK_COUNTS
    return f"case_status(at = {NOW})", CASE_COUNTS


def ratio_parts(ind: Indicator) -> tuple[str, str, str]:
    """The view to read and the SQL of the indicator's numerator and denominator."""
    view, counts = source(ind)
    return view, counts[ind.numerator], counts[ind.denominator]


def target_of(ind: Indicator, unit: str = "'${unit}'") -> str:
    return f"(SELECT any(target) FROM unit_targets WHERE unit = {unit} AND indicator = '{ind.code}')"


def stat(ind: Indicator) -> str:
    """One row: the value, its numerator and denominator, and the unit's target."""
    view, num, den = ratio_parts(ind)
    return (
        f"SELECT {num} / nullIf({den}, 0) AS value, {num} AS numerator, {den} AS denominator, "
        f"{target_of(ind)} AS target, concat(toString({num}), '/', toString({den})) AS so_lieu "
        f"FROM {view} WHERE {SUBTREE} AND {IN_PERIOD}"
    )


def monthly(ind: Indicator) -> str:
    """Month by month over the dashboard's time range, with the target as a line."""
    view, num, den = ratio_parts(ind)
    return (
        f'SELECT {MONTH} AS time, {num} / nullIf({den}, 0) AS "Giá trị", any({target_of(ind)}) AS "Chỉ tiêu" '
        f"FROM {view} WHERE {SUBTREE} AND $__timeFilter(received_at) GROUP BY time ORDER BY time"
    )


def _cell(ind: Indicator) -> str:
    """«79,7% ✓» when the unit meets its own target (exactly, as the API), «✗» when not."""
    num, den, target = f"c_{ind.numerator}", f"c_{ind.denominator}", f"t_{ind.code}"
    value = f"replaceOne(toString(round({num} / {den} * 100, 1)), '.', ',')"
    mark = f"if({target} IS NULL, '', if({num} >= toDecimal64({target}, 6) * {den}, ' ✓', ' ✗'))"
    return f"if({den} = 0, '—', concat({value}, '%', {mark})) AS \"{ind.name_vi}\""


def _rollup(view: str, counts: dict[str, str]) -> str:
    sums = ", ".join(f"{sql} AS c_{name}" for name, sql in counts.items())
    return (
        f"SELECT a.ancestor AS unit, {sums} FROM {view} AS s INNER JOIN unit_ancestors AS a ON a.unit = s.unit "
        f"WHERE s.{IN_PERIOD} GROUP BY a.ancestor"
    )


def unit_table() -> str:
    """Units × indicators for the period, each cell marked against that unit's target."""
    pivot = ", ".join(f"anyIf(target, indicator = '{i.code}') AS t_{i.code}" for i in INDICATORS)
    cells = ", ".join(_cell(i) for i in INDICATORS)
    cases = _rollup(f"case_status(at = {NOW})", CASE_COUNTS)
    feedback = _rollup(f"feedback_status(at = {NOW})", FEEDBACK_COUNTS)
    return (
        f'SELECT u.name AS "Đơn vị", {cells} FROM units AS u '
        f"LEFT JOIN ({cases}) AS c ON c.unit = u.code LEFT JOIN ({feedback}) AS f ON f.unit = u.code "
        f"LEFT JOIN (SELECT unit, {pivot} FROM unit_targets GROUP BY unit) AS t ON t.unit = u.code "
        "ORDER BY u.position"
    )


def indicator_name(column: str) -> str:
    """The Vietnamese name of the indicator code in ``column`` (early warnings included)."""
    codes = ", ".join(f"'{i.code}'" for i in INDICATORS)
    names = ", ".join(f"'{i.name_vi}'" for i in INDICATORS)
    return f"transform({column}, [{codes}, 'due_soon'], [{names}, 'Sắp đến hạn xử lý'], {column})"
