"""``tthc notifications``: an Alertmanager webhook receiver that prints, in Vietnamese,
what each unit would receive. For the demo, and for trying routes before a real sink."""

from __future__ import annotations

from typing import Any

import uvicorn
from fastapi import FastAPI, Request

from tthc_contract.logs import get_logger

log = get_logger("tthc.notifications")


def render(payload: dict[str, Any]) -> str:
    alerts = payload.get("alerts", [])
    unit = payload.get("commonLabels", {}).get("unit") or "?"
    name = next((a["annotations"].get("unit_name") for a in alerts if a.get("annotations")), unit)
    lines = [
        f"━━ Thông báo cho {name} ({unit}): {len(alerts)} cảnh báo, trạng thái {payload.get('status')} ━━"
    ]
    for alert in alerts:
        mark = "🔴" if alert.get("status") == "firing" else "✅"
        lines.append(f"{mark} {alert['annotations'].get('summary', '')}")
        if alert["annotations"].get("description"):
            lines.extend("   " + line for line in alert["annotations"]["description"].splitlines())
    return "\n".join(lines)


def create_sink() -> FastAPI:
    app = FastAPI(title="TTHC notification sink")
    app.state.received = []

    @app.post("/")
    async def receive(request: Request) -> dict[str, str]:
        payload = await request.json()
        app.state.received.append(payload)
        print(render(payload), flush=True)
        return {"status": "ok"}

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "received": len(app.state.received)}

    return app


def run_sink(host: str, port: int) -> int:
    print(f"tthc notifications: listening on http://{host}:{port}/ (Alertmanager webhook)", flush=True)
    uvicorn.run(create_sink(), host=host, port=port, log_level="warning")
    return 0
