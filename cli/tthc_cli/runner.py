"""``tthc run <service>``: one service in the foreground, in this process.

A service that cannot start with its configuration (a bad ``TTHC_*`` variable, a plan that
fails validation, a malformed ``TTHC_API_KEYS``) says why on stderr and exits with
``EX_CONFIG`` (78, as in sysexits.h): ``tthc up`` then stops instead of restarting it.
"""

from __future__ import annotations

import faulthandler
import importlib
import importlib.util
import sys

import uvloop
from pydantic import ValidationError

from tthc_contract.logs import configure_logging, get_logger
from tthc_contract.plan import PlanError, load_plan
from tthc_contract.settings import Settings

from .exit_codes import EX_CONFIG

ENTRY_POINTS = {
    "ingest": "tthc_ingest.app",
    "metrics": "tthc_metrics.app",
    "alerts": "tthc_alerts.app",
}


def available_services() -> list[str]:
    return [name for name, module in ENTRY_POINTS.items() if importlib.util.find_spec(module)]


def configuration_problem(settings: Settings) -> str | None:
    """What stops the services from starting with this configuration, or None: the plan
    (``TTHC_PLAN``) must be valid and ``TTHC_API_KEYS`` well formed."""
    try:
        load_plan(settings.plan)
        settings.extra_keys()
    except ValueError as exc:  # PlanError is one
        return str(exc)
    return None


def run_service(name: str) -> int:
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"tthc run {name}: bad configuration:\n{exc}", file=sys.stderr)
        return EX_CONFIG
    configure_logging(name, settings.log_level, settings.log_format)
    faulthandler.enable()  # a crash or SIGABRT prints every thread's Python stack on stderr
    problem = configuration_problem(settings)
    if problem:
        print(f"tthc run {name}: {problem}", file=sys.stderr)
        return EX_CONFIG
    module = importlib.import_module(ENTRY_POINTS[name])
    try:
        outcome = module.run(settings)
        if outcome is not None:  # an async service; ingest manages its own worker processes
            uvloop.run(outcome)
    except PlanError as exc:  # the plan changed since it was checked
        print(f"tthc run {name}: {exc}", file=sys.stderr)
        return EX_CONFIG
    except KeyboardInterrupt:
        pass
    get_logger("tthc").info("service.stopped", name=name)
    return 0
