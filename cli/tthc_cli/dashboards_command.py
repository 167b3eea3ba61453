"""``tthc dashboards build`` (write the JSON of dashboards/) and ``tthc dashboards push``."""

from __future__ import annotations

import argparse
import sys

from grafana_client.client import GrafanaException

from tthc_contract.plan import load_plan
from tthc_contract.settings import Settings


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["build", "push"])
    p.add_argument(
        "--datasource-uid", help="uid of the ClickHouse data source in that Grafana (default tthc-clickhouse)"
    )
    p.add_argument(
        "--prometheus-uid", help="uid of the Prometheus data source in that Grafana (default tthc-prometheus)"
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = Settings()
    plan = load_plan(settings.plan)
    if args.action == "build":
        from tthc_dashboards.build import write_all

        for path in write_all(plan, metrics_url=settings.metrics_public_url):
            print(f"wrote {path}")
        return 0
    from tthc_dashboards.panels import CLICKHOUSE, PROMETHEUS
    from tthc_dashboards.push import push

    if not settings.grafana_url:
        print(
            "tthc dashboards push: set TTHC_GRAFANA_URL (and TTHC_GRAFANA_TOKEN, a service account token)",
            file=sys.stderr,
        )
        return 2
    token = settings.grafana_token.get_secret_value() if settings.grafana_token else None
    try:
        sources = {CLICKHOUSE["type"]: args.datasource_uid, PROMETHEUS["type"]: args.prometheus_uid}
        given = {kind: uid for kind, uid in sources.items() if uid}
        uids = push(settings.grafana_url, token, plan, given, settings.metrics_public_url)
    except GrafanaException as exc:
        print(f"tthc dashboards push: Grafana refused: {exc}", file=sys.stderr)
        return 1
    print(f"pushed {len(uids)} dashboards to {settings.grafana_url}: {', '.join(uids)}")
    return 0
