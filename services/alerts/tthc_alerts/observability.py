"""The alerts service's own Prometheus measures."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

FIRING = Gauge("tthc_alerts_firing", "Indicator alerts firing now")
POSTS = Counter(
    "tthc_alerts_alertmanager_posts_total",
    "Posts to Alertmanager's v2 API, by peer (its URL) and outcome",
    ["peer", "outcome"],
)
ALERTMANAGER_UP = Gauge(
    "tthc_alerts_alertmanager_up",
    "1 when the Alertmanager peer answered the last post or readiness probe",
    ["peer"],
)
EVALUATOR = Gauge(
    "tthc_alerts_evaluator", "1 on the alerts instance that holds the evaluator's lease, 0 on a standby"
)
