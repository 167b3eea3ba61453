"""``tthc dashboards push``: the dashboards into a folder of a running Grafana, by its HTTP API
(grafana-client). Idempotent: each dashboard is written by its uid, overwriting itself."""

from __future__ import annotations

import copy
from typing import Any

from grafana_client.api import GrafanaApi
from grafana_client.client import GrafanaClientError

from tthc_contract.plan import Plan

from .build import build_all
from .panels import CLICKHOUSE, PROMETHEUS

FOLDER_UID = "tthc"
FOLDER_TITLE = "Chỉ tiêu TTHC"


def with_datasources(dashboard: dict[str, Any], uids: dict[str, str]) -> dict[str, Any]:
    """The dashboard with every reference to our data sources pointing at the uids that
    Grafana gives them: ``uids`` maps a data source type to its uid there."""
    ours = {source["type"]: source["uid"] for source in (CLICKHOUSE, PROMETHEUS)}

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            kind = node.get("type")
            if kind in uids and node.get("uid") == ours.get(kind):
                return {**node, "uid": uids[kind]}
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(copy.deepcopy(dashboard))  # type: ignore[no-any-return]


def ensure_folder(api: Any) -> None:
    try:
        api.folder.get_folder(FOLDER_UID)
    except GrafanaClientError as exc:
        if exc.status_code != 404:
            raise
        api.folder.create_folder(FOLDER_TITLE, uid=FOLDER_UID)


def push(
    url: str,
    token: str | None,
    plan: Plan,
    datasource_uids: dict[str, str] | None = None,
    metrics_url: str | None = None,
) -> list[str]:
    """Push every dashboard; returns their uids. ``datasource_uids``: see ``with_datasources``."""
    api = GrafanaApi.from_url(url, credential=token)
    ensure_folder(api)
    pushed = []
    for built in build_all(plan, metrics_url).values():
        dashboard = with_datasources(built, datasource_uids or {})
        api.dashboard.update_dashboard(
            {
                "dashboard": {**dashboard, "id": None},
                "folderUid": FOLDER_UID,
                "overwrite": True,
                "message": "tthc dashboards push",
            }
        )
        pushed.append(dashboard["uid"])
    return pushed
