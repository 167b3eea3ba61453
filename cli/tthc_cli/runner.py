"""``tthc run <service>``: one service in the foreground, in this process."""

from __future__ import annotations

import importlib
import importlib.util
import sys

import uvloop
from pydantic import ValidationError

from tthc_contract.logs import configure_logging, get_logger
from tthc_contract.plan import PlanError
from tthc_contract.settings import Settings

ENTRY_POINTS = {
    "ingest": "tthc_ingest.app",
    "metrics": "tthc_metrics.app",
    "alerts": "tthc_alerts.app",
}


def available_services() -> list[str]:
    return [name for name, module in ENTRY_POINTS.items() if importlib.util.find_spec(module)]


def run_service(name: str) -> int:
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"tthc run {name}: bad configuration:\n{exc}", file=sys.stderr)
        return 2
    configure_logging(name, settings.log_level, settings.log_format)
    module = importlib.import_module(ENTRY_POINTS[name])
    try:
        outcome = module.run(settings)
        if outcome is not None:  # an async service; ingest manages its own worker processes
            uvloop.run(outcome)
    except PlanError as exc:
        print(f"tthc run {name}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    get_logger("tthc").info("service.stopped", name=name)
    return 0
