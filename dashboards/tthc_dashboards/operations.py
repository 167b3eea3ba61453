"""«Vận hành»: is the pipeline healthy? For the IT officer (pure).

What the services measure comes from Prometheus (their ``/metrics``): answers by status,
the stream's length, lag and pending entries, dead letters, the store's state, the age of
the last snapshot, alerts firing and Alertmanager posts. The events stored per interval by
type and by source are data, read from ClickHouse (their labels would be too many for
Prometheus).
"""

from __future__ import annotations

from typing import Any

from tthc_contract.events import EVENT_TYPES
from tthc_contract.plan import Plan

from .panels import PROMETHEUS, Layout, count_config, dashboard, promql, query, stat, timeseries

TYPE_NAMES = {
    "tthc.case.received": "Tiếp nhận hồ sơ",
    "tthc.case.paid": "Thanh toán",
    "tthc.case.digitized": "Số hóa",
    "tthc.case.result_issued": "Trả kết quả",
    "tthc.case.synced": "Đồng bộ Cổng DVCQG",
    "tthc.case.rescheduled": "Gia hạn",
    "tthc.case.resolved": "Kết thúc hồ sơ",
    "tthc.case.rated": "Đánh giá hài lòng",
    "tthc.feedback.received": "Tiếp nhận phản ánh",
    "tthc.feedback.resolved": "Xử lý phản ánh",
    "tthc.feedback.rated": "Đánh giá xử lý phản ánh",
}
assert set(TYPE_NAMES) == set(EVENT_TYPES), "a Vietnamese name for every event type"


def per_interval(label: str, column: str) -> str:
    """Events stored per interval, one series per value of ``column``, named in Vietnamese."""
    return (
        f'SELECT $__timeInterval(stored_at) AS time, {column} AS "{label}", count() AS "Sự kiện" FROM events '
        f'WHERE $__timeFilter(stored_at) GROUP BY time, "{label}" ORDER BY time'
    )


def type_name(column: str) -> str:
    codes = ", ".join(f"'{k}'" for k in TYPE_NAMES)
    names = ", ".join(f"'{v}'" for v in TYPE_NAMES.values())
    return f"transform({column}, [{codes}], [{names}], {column})"


def series_named_by(label: str) -> list[dict[str, Any]]:
    """Each series named by its label's value alone («Tiếp nhận hồ sơ», not «Sự kiện …»)."""
    return [
        {
            "matcher": {"id": "byName", "options": "Sự kiện"},
            "properties": [{"id": "displayName", "value": f"${{__field.labels.{label}}}"}],
        }
    ]


def counter_stat(
    layout: Layout, title: str, expr: str, legend: str, description: str, *, bad_from: float = 1
) -> dict[str, Any]:
    return stat(
        layout,
        title,
        [promql(expr, legend, instant=True)],
        count_config(bad_from, "Không có số liệu (dịch vụ không trả lời?)"),
        description=description,
        w=6,
        h=4,
        datasource=PROMETHEUS,
    )


def build(plan: Plan, metrics_url: str) -> dict[str, Any]:
    layout = Layout()
    panels = [
        counter_stat(
            layout,
            "Bản ghi lỗi (tthc:dead)",
            "max(tthc_dead_letters)",
            "Bản ghi lỗi",
            "Sự kiện không lưu được, kèm lý do (redis-cli XRANGE tthc:dead - +).",
        ),
        counter_stat(
            layout,
            "Kho dữ liệu đang lỗi",
            "max(tthc_metrics_store_failing)",
            "Kho dữ liệu lỗi",
            "1 khi ClickHouse (hoặc Redis) không nhận được dữ liệu.",
        ),
        counter_stat(
            layout,
            "Dịch vụ không hoạt động",
            'count(up{job=~"tthc-.*"} == 0) or vector(0)',
            "Dịch vụ không hoạt động",
            "Số dịch vụ (ingest, metrics, alerts) Prometheus không gọi được.",
        ),
        counter_stat(
            layout,
            "Cảnh báo chỉ tiêu đang hoạt động",
            "max(tthc_alerts_firing)",
            "Cảnh báo",
            "Số cảnh báo chỉ tiêu đang ở trạng thái firing.",
            bad_from=1e12,
        ),
        timeseries(
            layout,
            "Sự kiện theo loại (mỗi khoảng)",
            [query(per_interval("loai", type_name("type")), "timeseries")],
            w=12,
            overrides=series_named_by("loai"),
        ),
        timeseries(
            layout,
            "Sự kiện theo nguồn (mỗi khoảng)",
            [query(per_interval("nguon", "source"), "timeseries")],
            w=12,
            overrides=series_named_by("nguon"),
        ),
        timeseries(
            layout,
            "Hàng đợi tthc:events",
            [
                promql("max(tthc_stream_length)", "Độ dài", "A"),
                promql("max(tthc_stream_lag)", "Chưa đọc", "B"),
                promql("max(tthc_stream_pending)", "Chưa xác nhận", "C"),
            ],
            w=12,
            datasource=PROMETHEUS,
        ),
        timeseries(
            layout,
            "Phản hồi của ingest theo mã (mỗi phút)",
            [
                promql(
                    'sum by (status) (rate(tthc_http_requests_total{service="ingest", route=~"/v1/(events|dvcqg)"}[5m])) * 60',
                    "{{status}}",
                )
            ],
            w=12,
            datasource=PROMETHEUS,
        ),
        timeseries(
            layout,
            "Thời gian ghi vào kho (giây, p95)",
            [
                promql(
                    "histogram_quantile(0.95, sum by (le) (rate(tthc_metrics_store_seconds_bucket[5m])))",
                    "p95",
                )
            ],
            unit="s",
            w=12,
            datasource=PROMETHEUS,
        ),
        timeseries(
            layout,
            "Tuổi của ảnh chụp chỉ tiêu gần nhất (giây)",
            [promql("max(tthc_metrics_snapshot_age_seconds)", "Tuổi ảnh chụp")],
            unit="s",
            w=12,
            datasource=PROMETHEUS,
        ),
    ]
    return dashboard("tthc-van-hanh", "Vận hành", panels, [], time_from="now-6h")
