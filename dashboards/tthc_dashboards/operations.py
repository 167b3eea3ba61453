"""«Vận hành»: is the pipeline healthy? Events per minute, stream lag, dead letters,
ingest's answers (pure)."""

from __future__ import annotations

from typing import Any

from tthc_contract.plan import Plan

from .panels import Layout, dashboard, stat, timeseries


def per_minute(column: str) -> str:
    return (
        f'SELECT $__timeInterval(stored_at) AS time, {column}, count() AS "Sự kiện" FROM events '
        f"WHERE $__timeFilter(stored_at) GROUP BY time, {column} ORDER BY time"
    )


def samples(condition: str) -> str:
    return (
        "SELECT time, metric, value FROM ops_samples "
        f"WHERE ({condition}) AND $__timeFilter(time) ORDER BY time"
    )


LAST_DEAD = "SELECT argMax(value, time) AS value FROM ops_samples WHERE metric = 'dead_letters'"


def build(plan: Plan) -> dict[str, Any]:
    layout = Layout()
    dead = stat(layout, "Bản ghi lỗi (tthc:dead)", LAST_DEAD, None, "Sự kiện không lưu được, kèm lý do.", w=6)
    dead["fieldConfig"]["defaults"] |= {"unit": "none", "decimals": 0}
    dead["options"]["reduceOptions"]["fields"] = "/^value$/"
    panels = [
        dead,
        timeseries(layout, "Sự kiện theo loại (mỗi khoảng)", per_minute("type"), w=9),
        timeseries(layout, "Sự kiện theo nguồn (mỗi khoảng)", per_minute("source"), w=9),
        timeseries(
            layout,
            "Hàng đợi tthc:events: độ dài, chưa đọc, chưa xác nhận",
            samples("metric IN ('stream_length', 'stream_lag', 'stream_pending')"),
            w=12,
        ),
        timeseries(layout, "Phản hồi của ingest theo mã (tích lũy)", samples("metric LIKE 'ingest_%'"), w=12),
    ]
    return dashboard("tthc-van-hanh", "Vận hành", panels, [], time_from="now-6h")
