"""``tthc dashboards push``: the dashboards into a folder of a running Grafana, by its HTTP API
(grafana-client). Idempotent: each dashboard is written by its uid, overwriting itself."""

from __future__ import annotations

import copy
from typing import Any

from grafana_client.api import GrafanaApi
from grafana_client.client import GrafanaClientError

from tthc_contract.plan import Plan

from .build import build_all
from .panels import DATASOURCE

FOLDER_UID = "tthc"
FOLDER_TITLE = "Chỉ tiêu TTHC"


def with_datasource(dashboard: dict[str, Any], uid: str) -> dict[str, Any]:
    """The dashboard with every reference to our data source pointing at ``uid``."""

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if node.get("type") == DATASOURCE["type"] and node.get("uid") == DATASOURCE["uid"]:
                return {**node, "uid": uid}
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


def push(url: str, token: str | None, plan: Plan, datasource_uid: str | None = None) -> list[str]:
    """Push every dashboard; returns their uids."""
    api = GrafanaApi.from_url(url, credential=token)
    ensure_folder(api)
    pushed = []
    for built in build_all(plan).values():
        dashboard = with_datasource(built, datasource_uid) if datasource_uid else built
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
