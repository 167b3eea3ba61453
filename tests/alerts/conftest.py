from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import redis.asyncio as aredis
import yaml

from tthc_alerts.am_config import Delivery, write
from tthc_alerts.engine import AlertEngine
from tthc_alerts.state_store import AlertStore
from tthc_contract.plan import Plan, parse_plan

from ..conftest import PLAN_PATH
from ..servers import AlertmanagerServer


def plan_with(**changes: Any) -> Plan:
    data = yaml.safe_load(PLAN_PATH.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return parse_plan(data)


async def new_engine(plan: Plan, redis: aredis.Redis) -> AlertEngine:
    engine = AlertEngine(plan, AlertStore(redis))
    await engine.start()
    return engine


def alertmanager_for(tmp: Path, plan: Plan, mailbox_port: int | None = None) -> AlertmanagerServer:
    delivery = Delivery(
        smtp_smarthost=f"127.0.0.1:{mailbox_port}" if mailbox_port else None,
        smtp_from="tthc@dongphu.local",
        smtp_require_tls=False,
        group_wait=timedelta(seconds=1),
        group_interval=timedelta(seconds=1),
    )
    config = write(plan, delivery, tmp / "am-config")
    server = AlertmanagerServer(tmp / "am")
    server.start(config)
    return server
