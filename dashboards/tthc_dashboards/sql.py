"""SQL of the panels, built from the contract's catalogue and the metrics' rollup cells (pure).

Counts come from the rollup *cells* the metrics service keeps (``case_cells_month``,
``case_cells_day``, ``feedback_cells_*``): a cell holds the sums of a unit's own items for a
month or a local day, so a panel reads as many rows as units times months it asks about, never
the history. A unit is its subtree (``unit_ancestors``), a period its months (``periods``, whose
UTC bounds are local midnights). The sums are the metrics' own (``read_sums``): what depends on
the instant (an open case late yet?) is judged when read, at now, as the API judges it, so
Grafana shows the API's numbers, and whether a target is met is decided here, against the
unit's own target, exactly (``numerator >= target × denominator``). Variables are quoted by
Grafana (``${unit:sqlstring}``). The period ``current`` is the month, quarter or year of now,
so that a dashboard left open on a wall screen moves to the new month by itself.
"""

from __future__ import annotations

from tthc_contract.indicators import INDICATORS, Indicator
from tthc_metrics.rollups.cells_sql import CASES, FEEDBACK, CellKind, read_sums

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
FIRST_MONTH = f"(SELECT toYYYYMM(start_utc, {TZ}) FROM periods WHERE code = {PERIOD})"
END_MONTH = f"(SELECT toYYYYMM(end_utc, {TZ}) FROM periods WHERE code = {PERIOD})"
PERIOD_MONTHS = f"month >= {FIRST_MONTH} AND month < {END_MONTH}"
"""The local months (yyyymm) of the period: a calendar period is whole months."""
PERIOD_DAYS = (
    f"day >= (SELECT toDate(start_utc, {TZ}) FROM periods WHERE code = {PERIOD}) "
    f"AND day < (SELECT toDate(end_utc, {TZ}) FROM periods WHERE code = {PERIOD})"
)
"""The period's local days: the state tables' sorting key, so a read skips other months' rows
even where FINAL keeps ClickHouse from pruning partitions by ``month``."""
RANGE_MONTHS = f"month >= toYYYYMM($__fromTime, {TZ}) AND month <= toYYYYMM($__toTime, {TZ})"
"""The months the time range touches, whole: the first and last months are the API's months."""
RANGE_DAYS = f"day >= toDate($__fromTime, {TZ}) AND day <= toDate($__toTime, {TZ})"
"""The local days the time range touches, whole."""


def kind_of(count: str) -> CellKind:
    """The cells (cases or feedback) that hold a count."""
    return FEEDBACK if count in FEEDBACK.sums or count in FEEDBACK.timed else CASES


def sums(kind: CellKind, names: tuple[str, ...] | None = None, at: str = NOW) -> str:
    """The metrics' sums of the cells read (``read_sums``), each named after its count, those
    that depend on the instant judged at ``at``; only ``names`` when given."""
    parts = read_sums(kind, at)
    return ", ".join(p for p in parts if names is None or p.rsplit(" AS ", 1)[1] in names)


def cells(kind: CellKind, where: str, names: tuple[str, ...] | None = None, group: str = "") -> str:
    """The sums of the month cells of ``kind`` that match ``where`` (grouped by ``group``)."""
    keys = f"{group}, " if group else ""
    grouping = f" GROUP BY {group}" if group else ""
    return f"SELECT {keys}{sums(kind, names)} FROM {kind.month_table} FINAL WHERE {where}{grouping}"


def scored_units(which: str) -> str:
    """The units a writer scores (``which``: a condition on ``units``), as the right side of ``IN``."""
    return f"(SELECT code FROM units WHERE {which})"


def subtree_sums(kind: CellKind, which: str, names: tuple[str, ...], at: str) -> str:
    """Each scored unit's sums ``names`` of the period's month cells of its subtree, judged at
    ``at``, one row per unit (``scored``) that has cells."""
    return (
        f"SELECT a.ancestor AS scored, {sums(kind, names, at=at)} FROM (SELECT * FROM {kind.month_table} FINAL "
        f"WHERE {PERIOD_MONTHS} AND unit IN (SELECT unit FROM unit_ancestors WHERE ancestor IN {scored_units(which)})) AS s "
        f"INNER JOIN unit_ancestors AS a ON a.unit = s.unit WHERE a.ancestor IN {scored_units(which)} GROUP BY a.ancestor"
    )


def ratio_parts(ind: Indicator) -> tuple[CellKind, str, str]:
    """The cells an indicator counts over, and the names of its numerator and denominator."""
    return kind_of(ind.denominator), ind.numerator, ind.denominator


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
    kind, num, den = ratio_parts(ind)
    target = target_of(ind)
    return (
        f'SELECT if({den} = 0, NULL, concat({percent_text(f"{num} / {den}")}, {mark(num, den, target)})) AS "Kết quả", '
        f"concat({number_text(num)}, ' / ', {number_text(den)}) AS \"Đạt / tổng\", "
        f"if({target} IS NULL, 'Không giao', {percent_text(target)}) AS \"Chỉ tiêu\" "
        f"FROM ({cells(kind, f'{SUBTREE} AND {PERIOD_MONTHS}', (num, den))})"
    )


def month_time(month: str = "month") -> str:
    """A month (yyyymm) as the local midnight of its first day."""
    return f"toDateTime(makeDate(intDiv({month}, 100), {month} % 100, 1), {TZ})"


def monthly(ind: Indicator) -> str:
    """Month by month over the dashboard's time range (whole local months), the target a line."""
    kind, num, den = ratio_parts(ind)
    return (
        f'SELECT {month_time()} AS time, {num} / nullIf({den}, 0) AS "Giá trị", {target_of(ind)} AS "Chỉ tiêu" '
        f"FROM ({cells(kind, f'{SUBTREE} AND {RANGE_MONTHS}', (num, den), 'month')}) ORDER BY time"
    )


def received_per_day() -> str:
    """Cases of the unit received each local day of the time range (a time axis for
    annotations), from the day cells."""
    return (
        f'SELECT toDateTime(day, {TZ}) AS time, sum(online) AS "Trực tuyến", '
        f'sum(cases) - sum(online) AS "Trực tiếp, bưu chính" FROM {CASES.day_table} FINAL '
        f"WHERE {SUBTREE} AND {RANGE_MONTHS} AND {RANGE_DAYS} GROUP BY time ORDER BY time"
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
