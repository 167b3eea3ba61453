"""``tthc dashboards push`` and the alerts' Grafana annotations, against Grafana's HTTP API.

No Grafana server can run on our machines, so a local HTTP server plays Grafana's
documented API (folders, dashboards/db, annotations) and records every request; the
tests check method, path, body and the Authorization header of what our code sends.
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tthc_alerts.evaluator import Alert
from tthc_alerts.grafana_annotations import GrafanaAnnotations
from tthc_contract.plan import Plan

from ..servers import tthc_command, tthc_env

TOKEN = "glsa_test-token"


class FakeGrafana:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.folders: set[str] = set()
        grafana = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _record(self) -> dict[str, Any]:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                request = {
                    "method": self.command,
                    "path": self.path,
                    "auth": self.headers.get("Authorization"),
                    "body": body,
                }
                grafana.requests.append(request)
                return request

            def do_GET(self) -> None:
                self._record()
                uid = self.path.removeprefix("/api/folders/")
                if self.path.startswith("/api/folders/") and uid in grafana.folders:
                    self._answer(200, {"uid": uid, "title": "Chỉ tiêu TTHC"})
                else:
                    self._answer(404, {"message": "folder not found"})

            def do_POST(self) -> None:
                request = self._record()
                if self.path == "/api/folders":
                    grafana.folders.add(request["body"]["uid"])
                    self._answer(200, {"uid": request["body"]["uid"], "title": request["body"]["title"]})
                elif self.path == "/api/dashboards/db":
                    self._answer(200, {"status": "success", "uid": request["body"]["dashboard"]["uid"]})
                elif self.path == "/api/annotations":
                    self._answer(200, {"id": len(grafana.requests), "message": "Annotation added"})
                else:
                    self._answer(404, {"message": "not found"})

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def posted(self, path: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["method"] == "POST" and r["path"] == path]


@pytest.fixture
def grafana() -> Iterator[FakeGrafana]:
    fake = FakeGrafana()
    yield fake
    fake.server.shutdown()


def push(tmp_path: Path, grafana: FakeGrafana, *extra: str) -> subprocess.CompletedProcess[str]:
    env = tthc_env(tmp_path, "redis://127.0.0.1:1/0", TTHC_GRAFANA_URL=grafana.url, TTHC_GRAFANA_TOKEN=TOKEN)
    return subprocess.run(
        [*tthc_command(), "dashboards", "push", *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_push_creates_the_folder_once_and_writes_each_dashboard_by_uid(
    tmp_path: Path, grafana: FakeGrafana
) -> None:
    for _ in range(2):
        result = push(tmp_path, grafana)
        assert result.returncode == 0, result.stderr
    assert all(r["auth"] == f"Bearer {TOKEN}" for r in grafana.requests)
    [folder] = grafana.posted("/api/folders")
    assert folder["body"] == {"title": "Chỉ tiêu TTHC", "uid": "tthc"}
    dashboards = grafana.posted("/api/dashboards/db")
    uids = [d["body"]["dashboard"]["uid"] for d in dashboards]
    every = [
        "tthc-tong-quan",
        "tthc-chi-tiet-don-vi",
        "tthc-uoc-tinh-diem-766",
        "tthc-canh-bao",
        "tthc-van-hanh",
    ]
    assert uids == every * 2
    for request in dashboards:
        assert request["body"]["overwrite"] is True and request["body"]["folderUid"] == "tthc"
        assert request["body"]["dashboard"]["id"] is None


def test_push_can_point_the_dashboards_at_other_data_sources(tmp_path: Path, grafana: FakeGrafana) -> None:
    assert (
        push(tmp_path, grafana, "--datasource-uid", "ch-prod", "--prometheus-uid", "prom-it").returncode == 0
    )
    bodies = {
        d["body"]["dashboard"]["uid"]: json.dumps(d["body"]) for d in grafana.posted("/api/dashboards/db")
    }
    assert (
        '"uid": "ch-prod"' in bodies["tthc-tong-quan"] and "tthc-clickhouse" not in bodies["tthc-tong-quan"]
    )
    operations = bodies["tthc-van-hanh"]
    assert '"uid": "prom-it"' in operations and '"uid": "ch-prod"' in operations
    assert "tthc-prometheus" not in operations and "tthc-clickhouse" not in operations


def test_push_without_a_url_says_what_to_set(tmp_path: Path) -> None:
    env = tthc_env(tmp_path, "redis://127.0.0.1:1/0")
    result = subprocess.run(
        [*tthc_command(), "dashboards", "push"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and "TTHC_GRAFANA_URL" in result.stderr


@pytest.mark.asyncio
async def test_alert_changes_become_annotations(grafana: FakeGrafana, plan: Plan) -> None:
    started = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)
    firing = Alert("kt", "online_rate", "2026-03", "firing", 8, 10, 0.9, started_at=started)
    resolved = Alert(
        "kt",
        "online_rate",
        "2026-03",
        "resolved",
        9,
        10,
        0.9,
        started_at=started,
        resolved_at=started + timedelta(hours=3),
    )
    await GrafanaAnnotations(grafana.url, TOKEN, plan)([firing, resolved])
    first, second = grafana.posted("/api/annotations")
    assert first["auth"] == f"Bearer {TOKEN}"
    assert first["body"]["time"] == int(started.timestamp() * 1000)
    assert first["body"]["tags"] == ["tthc", "kt", "online_rate", "firing"]
    assert first["body"]["text"].startswith("Phòng Kinh tế: Tỷ lệ hồ sơ trực tuyến tháng 03/2026 đạt 80%")
    assert second["body"]["time"] == int((started + timedelta(hours=3)).timestamp() * 1000)
    assert "resolved" in second["body"]["tags"] and "đã đạt 90%" in second["body"]["text"]
