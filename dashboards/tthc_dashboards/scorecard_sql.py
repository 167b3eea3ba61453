"""SQL of «Ước tính điểm 766»: the QĐ 766 estimate computed in ClickHouse (pure), SPEC section 10.

The estimate of every unit and period is written, item by item, into ``scorecard_points`` by
``points_rows`` (the metrics service runs it for the units and periods that changed:
``tthc_metrics.grafana_rows``); the panels read those rows, so a panel costs the rows it
shows, not the planning of the estimate (about 50 ms a statement in the embedded engine). In
``points_rows``, the counts are the metrics' sums of the month cells of the period (``read_sums``), judged at
A = min(now, end of the period); the catalogue of a unit is the plan's ``procedures`` whose
``units`` is empty or names a unit of its subtree; the items and the plan's published values
are the rows of ``scorecard_items``. How an item turns its counts into points (its rule, its
threshold, its value with a zero denominator) is generated here from the contract's
``qd766.ITEMS``, so the definitions stay one. Points are exact decimals (``Decimal256`` with
30 places; a rate is ``n × max × q / (d × p)`` for a threshold p/q, exact where the result has
a finite expansion, as every tie of the rounding has), summed per group and in total, then
rounded once by ``round()``, half away from zero on decimals: the API's exact half-up rounding.
An unknown item scores NULL, never 0: its maximum goes to the unknown maximum.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from tthc_contract.qd766 import GROUPS, ITEMS, TOTAL_MAX, Item
from tthc_metrics.rollups.cells_sql import CASES, FEEDBACK
from tthc_metrics.scorecard.compute import CATALOGUE_COUNTS

from .sql import NOW, PERIOD, UNIT, number_text, scored_units, subtree_sums

JUDGED_AT = f"least({NOW}, (SELECT end_utc FROM periods WHERE code = {PERIOD}))"
"""A: open items are judged at now, or at the end of a period that has ended."""
SCALE = 30
EVALUATE_EVERY_BRANCH = "SETTINGS short_circuit_function_evaluation = 'disable'"
"""The points' formula branches (an empty denominator, linear or threshold) in 256-bit
decimals. ClickHouse by default evaluates each branch on the rows that take it, which costs
more here than evaluating every branch on every row: ranking 150 communes took 84 ms against
71 ms (embedded engine; 567 against 88 ms when each item had a branch of its own). No branch
can fail on a row it does not apply to (denominators are ``greatest(…, 1)``). Grafana's
read-only user may set it (``store.reader_statements``)."""
LISTED = "code IN {units:Array(String)}"
"""Which units ``points_rows`` scores: those of its query parameter ``units``."""

CATALOGUE_LISTS = {
    "catalogue_all": "groupArray(p.code)",
    "catalogue_online": "groupArrayIf(p.code, p.online IN ('partial', 'full'))",
    "catalogue_fee": "groupArrayIf(p.code, p.fee)",
    "catalogue_integrated": "groupArrayIf(p.code, p.fee AND p.portal_payment)",
    "catalogue_citizen": "groupArrayIf(p.code, p.citizen)",
}
"""A unit's catalogue procedures, and those offered online, with a fee, with a fee and the
portal's payment, carried out by citizens."""
CATALOGUE = {
    "procedures": "length(k.catalogue_all)",
    "online_procedures": "length(k.catalogue_online)",
    "online_procedures_used": "length(arrayIntersect(k.catalogue_online, c.procedures_online))",
    "fee_procedures": "length(k.catalogue_fee)",
    "fee_procedures_paid": "length(arrayIntersect(k.catalogue_fee, c.procedures_fee_paid))",
    "fee_procedures_integrated": "length(k.catalogue_integrated)",
    "citizen_procedures": "length(k.catalogue_citizen)",
    "citizen_procedures_used": "length(arrayIntersect(k.catalogue_citizen, c.procedures_citizen))",
}
"""The catalogue counts of ``tthc_metrics.scorecard.compute.catalogue_counts``, in SQL."""
CATALOGUE_SETS = {name: tuple(re.findall(r"\bc\.(\w+)", sql)) for name, sql in CATALOGUE.items()}
"""The case cells' sets of procedures each catalogue count reads (its ``c.…``)."""
assert set(CATALOGUE) == set(CATALOGUE_COUNTS), "every catalogue count the scorecard uses"
KNOWN_MAX = "toUInt32(sumIf(max, known))"
"""The maximum of the known items (of the rows of ``items``)."""
BASIS_VI = {
    "events": "Dữ liệu hồ sơ, phản ánh",
    "catalogue": "Danh mục TTHC của kế hoạch",
    "published": "Số liệu Cổng DVCQG đã công bố",
}


def quoted(texts: Iterable[str]) -> str:
    return ", ".join(f"'{t}'" for t in texts)


def decimal(value: str) -> str:
    return f"toDecimal256({value}, {SCALE})"


def _by_code(code: str, values: Iterable[int], default: int) -> str:
    """A value of each item, picked by its code (an SQL expression)."""
    return f"transform({code}, [{quoted(i.code for i in ITEMS)}], [{', '.join(map(str, values))}], {default})"


def points_of(code: str, maximum: str, full_when_empty: str) -> str:
    """The exact points of the item ``code`` from ``n`` and ``d``, one formula for every item
    (SQL expressions all): linear max × n/d, or for a threshold p/q min(max, max × n/d ÷ p/q)
    (p = 0: none); a zero denominator scores max (``full_when_empty``) or 0. The thresholds
    are the contract's fractions, by code. One formula, not a branch per item: the embedded
    engine plans a statement in about 1 ms per expression, and 21 branches of 256-bit
    decimals were most of the scorecard's statements."""
    p = _by_code(code, (i.threshold.numerator if i.threshold else 0 for i in ITEMS), 0)
    q = _by_code(code, (i.threshold.denominator if i.threshold else 1 for i in ITEMS), 1)
    linear = f"{decimal(f'n * {maximum}')} / greatest(d, 1)"
    threshold = f"least({decimal(maximum)}, {decimal(f'n * {maximum} * {q}')} / greatest(d * {p}, 1))"
    empty = f"if({full_when_empty}, {decimal(maximum)}, {decimal('0')})"
    return f"if(d = 0, {empty}, if({p} = 0, {linear}, {threshold}))"


def item_points(item: Item) -> str:
    """``points_of`` one item, its values written out."""
    return points_of(f"'{item.code}'", str(item.max_points), "1" if item.full_when_empty else "0")


def _catalogue(which: str) -> str:
    """Each scored unit's catalogue: the procedures of every unit, or of a unit of its subtree."""
    lists = ", ".join(f"{sql} AS {name}" for name, sql in CATALOGUE_LISTS.items())
    return (
        f"SELECT t.scored AS scored, {lists} FROM (SELECT ancestor AS scored, groupArray(unit) AS subtree "
        f"FROM unit_ancestors WHERE ancestor IN {scored_units(which)} GROUP BY ancestor) AS t "
        "CROSS JOIN procedures AS p WHERE empty(p.units) OR hasAny(p.units, t.subtree) GROUP BY t.scored"
    )


def _count_sql(name: str) -> str:
    if name in CATALOGUE:
        return CATALOGUE[name]
    return f"{'f' if _is_feedback(name) else 'c'}.{name}"


def _is_feedback(name: str) -> bool:
    return name in FEEDBACK.sums or name in FEEDBACK.timed


def _names() -> list[str]:
    """The counts the items read: their numerators and denominators, ``cases`` (the cases'
    cells are always joined) and ``procedures`` (whether a catalogue item is known)."""
    names = {n for i in ITEMS if i.basis != "published" for n in (i.numerator, i.denominator)}
    return sorted(names | {"cases", "procedures"})


def _counts(which: str, names: Sequence[str]) -> str:
    """One row per scored unit: its name and the counts ``names``, as a map by name, with only
    the sums and joins those counts need."""
    catalogue = [n for n in names if n in CATALOGUE]
    sets = {s for n in catalogue for s in CATALOGUE_SETS[n]}
    case_names = tuple(n for n in names if n not in CATALOGUE and not _is_feedback(n)) + tuple(sorted(sets))
    feedback_names = tuple(n for n in names if _is_feedback(n))
    counts = ", ".join(f"'{n}', {_count_sql(n)}" for n in names)
    joins = f"LEFT JOIN ({subtree_sums(CASES, which, case_names, 'judged_at')}) AS c ON c.scored = u.code "
    if feedback_names:
        joins += f"LEFT JOIN ({subtree_sums(FEEDBACK, which, feedback_names, 'judged_at')}) AS f ON f.scored = u.code "
    if catalogue:
        joins += f"LEFT JOIN ({_catalogue(which)}) AS k ON k.scored = u.code "
    return f"SELECT u.code AS scored, u.name AS scored_name, map({counts}) AS counts FROM units AS u {joins}WHERE u.{which}"


PUBLISHED = "i.basis = 'published'"
KNOWN = (
    f"multiIf({PUBLISHED}, i.published_points IS NOT NULL OR i.published_denominator IS NOT NULL, "
    "i.basis = 'catalogue', s.counts['procedures'] > 0, 1)"
)
"""Whether an item can be known: published by the portal, or of a unit with a catalogue."""


def items(which: str) -> str:
    """One row per scored unit and item: ``n``, ``d``, ``known`` and the exact points
    (``exact``, NULL when unknown), with the item's rows of ``scorecard_items``."""
    return (
        "SELECT s.scored AS scored, s.scored_name AS scored_name, i.position AS position, i.code AS code, "
        "i.group_code AS group_code, i.name AS name, i.max AS max, i.basis AS basis, i.inferred AS inferred, "
        f"if({PUBLISHED}, i.published_numerator, s.counts[i.numerator]) AS n, "
        f"if({PUBLISHED}, i.published_denominator, s.counts[i.denominator]) AS d, {KNOWN} AS known, "
        f"if(NOT known, NULL, if(i.published_points IS NOT NULL, {decimal('toString(i.published_points)')}, "
        f"{points_of('i.code', 'i.max', 'i.full_when_empty')})) AS exact "
        f"FROM ({_counts(which, _names())}) AS s CROSS JOIN scorecard_items AS i"
    )


def with_judged_at(select: str) -> str:
    """A whole statement: ``judged_at`` defined, and the items' points computed without
    short-circuit evaluation (``EVALUATE_EVERY_BRANCH``)."""
    return f"WITH {JUDGED_AT} AS judged_at {select} {EVALUATE_EVERY_BRANCH}"


def points(exact: str) -> str:
    """Exact points as shown: rounded once, half away from zero, to two decimals, and made a
    two-place decimal before a float, so that the float is the one nearest the rounded value
    (the API's ``float(Decimal)``), not a conversion's neighbour (6 → 5.999999999999999)."""
    return f"toFloat64(toDecimal128(round({exact}, 2), 2))"


def known_max_note(known: str, maximum: str) -> str:
    """«Tối đa 18 điểm», or where items are unknown «Tối đa 6 điểm đã xác định (12/18 điểm
    chưa xác định)»: the gauge then runs to the known maximum."""
    return (
        f"if({known} = {maximum}, concat('Tối đa ', toString({maximum}), ' điểm'), "
        f"concat('Tối đa ', toString({known}), ' điểm đã xác định (', toString({maximum} - {known}), '/', "
        f"toString({maximum}), ' điểm chưa xác định)'))"
    )


POINTS_COLUMNS = (
    "period", "unit", "parent", "unit_name", "position", "code", "group_code", "name", "max",
    "basis", "inferred", "n", "d", "known", "exact", "computed_at",
)  # fmt: skip
"""The columns of ``scorecard_points``, in the order ``points_rows`` writes them."""


def points_rows(which: str) -> str:
    """The statement that writes, for the period chosen, every item of the units ``which``
    selects (a condition on ``units``) into ``scorecard_points``, judged at A, with the
    instant of the computation (the rows' version: the newest wins)."""
    return f"INSERT INTO scorecard_points ({', '.join(POINTS_COLUMNS)}) " + with_judged_at(
        f"SELECT {PERIOD}, r.scored, p.parent, r.scored_name, r.position, r.code, r.group_code, r.name, "
        f"r.max, r.basis, r.inferred, r.n, r.d, r.known, r.exact, {NOW} "
        f"FROM ({items(which)}) AS r LEFT JOIN units AS p ON p.code = r.scored"
    )


def _rows(unit: str, group: str | None = None) -> str:
    """The rows of the chosen period in ``scorecard_points``: of the chosen unit (``unit`` =
    ``UNIT``) or of the units directly below it (``parent``), of ``group`` or every group."""
    of_group = f" AND group_code = {quoted([group])}" if group else ""
    return f"FROM scorecard_points FINAL WHERE period = {PERIOD} AND {unit} = {UNIT}{of_group}"


def gauge(group: str | None = None) -> str:
    """One row: the unit's estimated points (in total, or of ``group``) and the note the
    gauge's title shows: the maximum, or the known maximum and what is unknown."""
    maximum = next(g.max_points for g in GROUPS if g.code == group) if group else TOTAL_MAX
    return (
        f'SELECT {points("ifNull(sum(exact), 0)")} AS "Điểm ước tính", '
        f"{known_max_note(KNOWN_MAX, str(maximum))} AS note {_rows('unit', group)}"
    )


def gauge_scale(group: str | None = None) -> str:
    """One row: the known maximum, the end of the gauge's arc (a frame of its own, so that the
    gauge's title stays the note of the points' row)."""
    return f'SELECT {KNOWN_MAX} AS "Tối đa đã xác định" {_rows("unit", group)}'


def costliest() -> str:
    """The unit's known items that lose points, most first (then in the catalogue's order)."""
    lost = "round(max - exact, 2)"
    basis = f"transform(basis, [{quoted(BASIS_VI)}], [{quoted(BASIS_VI.values())}], basis)"
    shown = f"concat({number_text('assumeNotNull(n)')}, ' / ', {number_text('assumeNotNull(d)')})"
    return (
        f'SELECT name AS "Tiêu chí", {points("exact")} AS "Điểm ước tính", max AS "Điểm tối đa", '
        f'{points("max - exact")} AS "Điểm bị mất", if(d IS NULL, \'—\', {shown}) AS "Đạt / tổng", '
        f"{basis} AS \"Nguồn số liệu\", if(inferred, 'Có', 'Không') AS \"Quy tắc suy luận\", "
        f"'Ước tính' AS \"Tính chất\" {_rows('unit')} AND known AND {lost} > 0 "
        f"ORDER BY {lost} DESC, position"
    )


def group_column(code: str) -> str:
    group = next(g for g in GROUPS if g.code == code)
    return f"{group.name_vi} ({group.max_points})"


def ranking() -> str:
    """The units directly below the chosen one, by exact total (descending), then by code;
    each unit's code and the period (hidden) for the links."""
    groups = ", ".join(
        f'{points(f"ifNull(sumIf(exact, group_code = {quoted([g.code])}), 0)")} AS "{group_column(g.code)}"'
        for g in GROUPS
    )
    total = "ifNull(sum(exact), 0)"
    return (
        f'SELECT row_number() OVER (ORDER BY {total} DESC, unit) AS "Hạng", unit_name AS "Đơn vị", '
        f'unit AS code, {PERIOD} AS period_code, {points(total)} AS "Tổng điểm ước tính", '
        f'{KNOWN_MAX} AS "Tối đa đã xác định", {groups} '
        f'{_rows("parent")} GROUP BY unit, unit_name ORDER BY "Hạng"'
    )
