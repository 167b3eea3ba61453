"""The alerts service's own Prometheus measures."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

FIRING = Gauge("tthc_alerts_firing", "Indicator alerts firing now")
POSTS = Counter(
    "tthc_alerts_alertmanager_posts_total", "Posts to Alertmanager's v2 API, by outcome", ["outcome"]
)
ALERTMANAGER_UP = Gauge(
    "tthc_alerts_alertmanager_up", "1 when Alertmanager answered the last post or readiness probe"
)
