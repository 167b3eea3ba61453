"""A record as the evaluator keeps it in Redis: dumped and loaded back, it is the same record,
and the dump holds what ``dataclasses.asdict`` would (it is read field by field, shallowly)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime

import orjson
from hypothesis import given
from hypothesis import strategies as st

from tthc_alerts.evaluator import Alert
from tthc_alerts.records import DueSoonWarning, dump, load

times = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC))
codes = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
alerts = st.builds(
    Alert,
    unit=codes,
    indicator=st.sampled_from(["online_rate", "on_time_rate", "sync_rate"]),
    period=st.sampled_from(["2026-12", "2026-Q4", "2026"]),
    status=st.sampled_from(["inactive", "pending", "firing", "resolved"]),
    numerator=st.integers(0, 10_000),
    denominator=st.integers(0, 10_000),
    target=st.one_of(st.none(), st.floats(0, 1, allow_nan=False)),
    pending_since=st.one_of(st.none(), times),
    started_at=st.one_of(st.none(), times),
    resolved_at=st.one_of(st.none(), times),
)
warnings = st.builds(
    DueSoonWarning,
    unit=codes,
    period=st.just("2026-12"),
    items=st.lists(st.dictionaries(codes, codes, max_size=3), max_size=4).map(tuple),
    within_s=st.floats(0, 1e6, allow_nan=False),
    started_at=times,
    ends_at=times,
    status=st.sampled_from(["firing", "resolved"]),
    resolved_at=st.one_of(st.none(), times),
    key=codes,
)


def _as_before(record: Alert | DueSoonWarning) -> dict[str, object]:
    """The dump as it was written with ``asdict``."""
    data = asdict(record)
    data["kind"] = "warning" if isinstance(record, DueSoonWarning) else "alert"
    for name in ("pending_since", "started_at", "resolved_at", "ends_at"):
        if name in data and data[name] is not None:
            data[name] = data[name].isoformat()
    if isinstance(record, DueSoonWarning):
        data["items"] = list(record.items)
    return data


@given(st.one_of(alerts, warnings))
def test_a_dumped_record_loads_back_the_same(record: Alert | DueSoonWarning) -> None:
    data = dump(record)
    assert data == _as_before(record)
    assert load(orjson.loads(orjson.dumps(data))) == record
