"""SQL of the panels, built from the contract's catalogue (pure).

Per-case flags are those of the views ``case_status(at)`` and ``feedback_status(at)``, their
sums ``CASE_COUNTS``/``FEEDBACK_COUNTS``: the definitions the metrics API uses, so Grafana
shows the API's numbers, and whether a target is met is decided here, against the unit's
own target, exactly (``numerator >= target × denominator``). Variables are quoted by Grafana
(``${unit:sqlstring}``); a unit is its subtree (``unit_ancestors``), a period its UTC bounds
(``periods``). The period ``current`` is the month, quarter or year of now, so that a
dashboard left open on a wall screen moves to the new month by itself.
"""

from __future__ import annotations

from tthc_contract.indicators import CASE_COUNTS, FEEDBACK_COUNTS, INDICATORS, Indicator

NOW = "now64(6)"
TZ = "'Asia/Ho_Chi_Minh'"
UNIT = "${unit:sqlstring}"
KIND = "${period_kind:sqlstring}"
CURRENT = (
    f"multiIf({KIND} = 'month', formatDateTime({NOW}, '%Y-%m', {TZ}), "
    f"{KIND} = 'quarter', concat(formatDateTime({NOW}, '%Y', {TZ}), '-Q', toString(toQuarter({NOW}, {TZ}))), "
    f"formatDateTime({NOW}, '%Y', {TZ}))"
)
PERIOD = f"if(${{period:sqlstring}} = 'current', {CURRENT}, ${{period:sqlstring}})"
"""The period chosen, ``current`` resolved to the period of now."""
SUBTREE = f"unit IN (SELECT unit FROM unit_ancestors WHERE ancestor = {UNIT})"
IN_PERIOD = (
    f"received_at >= (SELECT start_utc FROM periods WHERE code = {PERIOD}) "
    f"AND received_at < (SELECT end_utc FROM periods WHERE code = {PERIOD})"
)
MONTH = f"toDateTime(toStartOfMonth(received_at, {TZ}), {TZ})"
WHOLE_MONTHS = (
    f"received_at >= toDateTime64(toStartOfMonth($__fromTime, {TZ}), 6, {TZ}) "
    f"AND received_at < toDateTime64(addMonths(toStartOfMonth($__toTime, {TZ}), 1), 6, {TZ})"
)
"""The months the time range touches, whole: the first and last months are the API's months."""


def source(ind: Indicator) -> tuple[str, dict[str, str]]:
    """The view an indicator counts over, and its count expressions."""
    if ind.denominator in FEEDBACK_COUNTS:
        return f"feedback_status(at = {NOW})", FEEDBACK_COUNTS
    return f"case_status(at = {NOW})", CASE_COUNTS


def ratio_parts(ind: Indicator) -> tuple[str, str, str]:
    """The view to read and the SQL of the indicator's numerator and denominator."""
    view, counts = source(ind)
    return view, counts[ind.numerator], counts[ind.denominator]


def target_of(ind: Indicator, unit: str = UNIT) -> str:
    return f"(SELECT any(target) FROM unit_targets WHERE unit = {unit} AND indicator = '{ind.code}')"


def percent_text(ratio: str) -> str:
    """0.797 → «79,7%», 0.9 → «90%» (one decimal, a comma): as Vietnamese readers write it."""
    return f"concat(replaceOne(toString(round({ratio} * 100, 1)), '.', ','), '%')"


def number_text(count: str) -> str:
    """1234 → «1.234»."""
    digits = f"reverse(toString({count}))"
    return f"reverse(arrayStringConcat(arrayMap(i -> substring({digits}, i, 3), range(1, length({digits}) + 1, 3)), '.'))"


def mark(num: str, den: str, target: str) -> str:
    """« ✓» met, « ✗» missed, against the unit's own target, exactly; '' with no target."""
    return f"if({target} IS NULL, '', if({num} >= toDecimal64({target}, 6) * {den}, ' ✓', ' ✗'))"


def stat(ind: Indicator) -> str:
    """One row: «79,7% ✗» (NULL with no cases), «98 / 123», the unit's target «90%»."""
    view, num, den = ratio_parts(ind)
    target = target_of(ind)
    return (
        f'SELECT if({den} = 0, NULL, concat({percent_text(f"{num} / {den}")}, {mark(num, den, target)})) AS "Kết quả", '
        f"concat({number_text(num)}, ' / ', {number_text(den)}) AS \"Đạt / tổng\", "
        f"if({target} IS NULL, 'Không giao', {percent_text(target)}) AS \"Chỉ tiêu\" "
        f"FROM {view} WHERE {SUBTREE} AND {IN_PERIOD}"
    )


def monthly(ind: Indicator) -> str:
    """Month by month over the dashboard's time range (whole local months), the target a line."""
    view, num, den = ratio_parts(ind)
    return (
        f'SELECT {MONTH} AS time, {num} / nullIf({den}, 0) AS "Giá trị", any({target_of(ind)}) AS "Chỉ tiêu" '
        f"FROM {view} WHERE {SUBTREE} AND {WHOLE_MONTHS} GROUP BY time ORDER BY time"
    )


def received_per_day() -> str:
    """Cases of the unit received each day of the time range (a time axis for annotations)."""
    day = f"toDateTime(toStartOfDay(received_at, {TZ}), {TZ})"
    return (
        f'SELECT {day} AS time, countIf(is_online) AS "Trực tuyến", countIf(NOT is_online) AS "Trực tiếp, bưu chính" '
        f"FROM case_status(at = {NOW}) WHERE {SUBTREE} AND $__timeFilter(received_at) GROUP BY time ORDER BY time"
    )


def _cell(ind: Indicator) -> str:
    """«79,7% ✓» when the unit meets its own target (exactly, as the API), «✗» when not."""
    num, den, target = f"c_{ind.numerator}", f"c_{ind.denominator}", f"t_{ind.code}"
    return f"if({den} = 0, '—', concat({percent_text(f'{num} / {den}')}, {mark(num, den, target)})) AS \"{ind.name_vi}\""


def _rollup(view: str, counts: dict[str, str]) -> str:
    sums = ", ".join(f"{sql} AS c_{name}" for name, sql in counts.items())
    return (
        f"SELECT a.ancestor AS unit, {sums} FROM {view} AS s INNER JOIN unit_ancestors AS a ON a.unit = s.unit "
        f"WHERE s.{IN_PERIOD} GROUP BY a.ancestor"
    )


def unit_table() -> str:
    """Units × indicators for the period, each cell marked against that unit's target; the
    unit's code (hidden) for the links to its detail and its report."""
    pivot = ", ".join(f"anyIf(target, indicator = '{i.code}') AS t_{i.code}" for i in INDICATORS)
    cells = ", ".join(_cell(i) for i in INDICATORS)
    cases = _rollup(f"case_status(at = {NOW})", CASE_COUNTS)
    feedback = _rollup(f"feedback_status(at = {NOW})", FEEDBACK_COUNTS)
    return (
        f'SELECT u.name AS "Đơn vị", u.code AS code, {PERIOD} AS period_code, {cells} FROM units AS u '
        f"LEFT JOIN ({cases}) AS c ON c.unit = u.code LEFT JOIN ({feedback}) AS f ON f.unit = u.code "
        f"LEFT JOIN (SELECT unit, {pivot} FROM unit_targets GROUP BY unit) AS t ON t.unit = u.code "
        "ORDER BY u.position"
    )


def indicator_name(column: str) -> str:
    """The Vietnamese name of the indicator code in ``column`` (early warnings included)."""
    codes = ", ".join(f"'{i.code}'" for i in INDICATORS)
    names = ", ".join(f"'{i.name_vi}'" for i in INDICATORS)
    return f"transform({column}, [{codes}, 'due_soon'], [{names}, 'Sắp đến hạn xử lý'], {column})"


def alert_annotations(subtree: bool) -> str:
    """Each alert change, in words: «Cảnh báo: Phòng Kinh tế · Tỷ lệ hồ sơ trực tuyến · 2026-03»."""
    unit_filter = (
        f"AND c.unit IN (SELECT unit FROM unit_ancestors WHERE ancestor = {UNIT}) " if subtree else ""
    )
    return (
        "SELECT c.changed_at AS time, concat(if(c.status = 'firing', 'Cảnh báo: ', 'Đã khắc phục: '), "
        f"u.name, ' · ', {indicator_name('c.indicator')}, ' · ', c.period) AS text, "
        "[c.unit, c.indicator, c.status] AS tags "
        "FROM alert_changes AS c LEFT JOIN units AS u ON u.code = c.unit "
        f"WHERE $__timeFilter(c.changed_at) {unit_filter}ORDER BY c.changed_at"
    )
