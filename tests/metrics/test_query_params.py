"""Query parameters formatted once (``query_params.formatted``): bound as the same values as the
Python ones they were made from, by the real engine, and kept within their bound."""

from __future__ import annotations

from datetime import date
from typing import Any

from clickhouse_connect.driver.binding import format_bind_value
from hypothesis import given, settings
from hypothesis import strategies as st

from tthc_metrics import query_params
from tthc_metrics.query_params import FORMATTED_KEPT, Formatted, formatted
from tthc_metrics.store import Store

codes = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@given(units=st.lists(codes, max_size=20), nested=st.lists(st.lists(codes, max_size=3), max_size=10))
@settings(max_examples=40, deadline=None)
def test_a_formatted_value_binds_as_the_value_it_was_made_from(
    session_store: Store, units: list[str], nested: list[list[str]]
) -> None:
    """Codes with quotes, backslashes, tabs or Vietnamese letters included."""
    sql = "SELECT {units:Array(String)}, {nested:Array(Array(String))}"

    def read(params: dict[str, Any]) -> Any:
        return session_store.call("read", lambda c: c.query(sql, parameters=params).first_row)

    as_is = read({"units": units, "nested": nested})
    assert as_is == (units, nested)
    assert read({"units": Formatted(units), "nested": Formatted(nested)}) == as_is


def test_values_are_kept_by_key_and_no_more_than_the_bound() -> None:
    built: list[int] = []

    def build(n: int) -> list[str]:
        built.append(n)
        return [str(n)]

    first = formatted(("test", 0), lambda: build(0))
    assert formatted(("test", 0), lambda: build(0)) is first
    assert built == [0], "formatted once"
    for n in range(1, FORMATTED_KEPT + 1):
        formatted(("test", n), lambda n=n: build(n))
    assert len(query_params._formatted) <= FORMATTED_KEPT
    assert ("test", 0) not in query_params._formatted, "the least recently used went first"


plain = st.from_regex(r"[A-Za-z0-9 ._:/+-]{0,12}", fullmatch=True)
values = st.one_of(plain, codes, st.dates(), st.integers(-(2**40), 2**40), st.booleans())


@given(
    value=st.one_of(
        st.lists(values, max_size=8),
        st.lists(st.tuples(values, values), max_size=8),
        st.lists(st.lists(values, max_size=3), max_size=5),
    )
)
@settings(max_examples=200, deadline=None)
def test_the_quick_path_writes_what_clickhouse_connect_writes(value: list[Any]) -> None:
    """Lists of plain codes, dates and numbers are written without clickhouse-connect's
    formatting; the text is the same as its own (anything else is left to it)."""
    assert Formatted(value).text == format_bind_value(value)


def test_a_refresh_chunk_of_cells_binds_to_the_engine(session_store: Store) -> None:
    cells = [("X01", date(2026, 1, 31)), ("X'02", date(2026, 12, 1))]
    sql = "SELECT {cells:Array(Tuple(String, Date))}"
    row = session_store.call("read", lambda c: c.query(sql, parameters={"cells": Formatted(cells)}).first_row)
    assert row == (cells,)
