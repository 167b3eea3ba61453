"""Subcommand registration: name, arguments, and the module that does the work."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

Sub = Any  # argparse's private _SubParsersAction

SERVICES = ("ingest", "metrics", "alerts")


def _run(sub: Sub) -> None:
    p = sub.add_parser("run", help="run one service in the foreground")
    p.add_argument("service", choices=SERVICES)

    def handler(args: argparse.Namespace) -> int:
        from .runner import run_service

        return run_service(args.service)

    p.set_defaults(handler=handler)


def _up(sub: Sub) -> None:
    p = sub.add_parser("up", help="run every service as a child process, restarting any that dies")
    p.add_argument("--only", nargs="+", choices=SERVICES, help="run only these services")

    def handler(args: argparse.Namespace) -> int:
        from .runner import available_services
        from .supervisor import up

        return up(args.only or available_services())

    p.set_defaults(handler=handler)


def _hash_key(sub: Sub) -> None:
    p = sub.add_parser("hash-key", help="print the sha256 of an API key, for the plan's sources")
    p.add_argument("key")

    def handler(args: argparse.Namespace) -> int:
        import hashlib

        print(hashlib.sha256(args.key.encode()).hexdigest())
        return 0

    p.set_defaults(handler=handler)


def _check_plan(sub: Sub) -> None:
    p = sub.add_parser("check-plan", help="validate a plan file and print its units and targets")
    p.add_argument("path", nargs="?", help="plan file (default: TTHC_PLAN)")

    def handler(args: argparse.Namespace) -> int:
        from .plan_report import check_plan

        return check_plan(args.path)

    p.set_defaults(handler=handler)


def _simulate(sub: Sub) -> None:
    from .simulate.command import add_arguments

    p = sub.add_parser("simulate", help="send realistic events for the plan's units to ingest")
    add_arguments(p)


def _bench(sub: Sub) -> None:
    from .bench.command import add_arguments

    p = sub.add_parser("bench", help="measure throughput against a same-run baseline")
    add_arguments(p)


def _export_schema(sub: Sub) -> None:
    p = sub.add_parser("export-schema", help="write the JSON Schema of the events to docs/")
    p.add_argument("--output", default="docs/events.schema.json")

    def handler(args: argparse.Namespace) -> int:
        from pathlib import Path

        from tthc_contract.events import events_json_schema_text

        Path(args.output).write_text(events_json_schema_text(), encoding="utf-8")
        print(f"wrote {args.output}")
        return 0

    p.set_defaults(handler=handler)


def _alertmanager_config(sub: Sub) -> None:
    p = sub.add_parser("alertmanager-config", help="render alertmanager.yml (and templates) from the plan")
    p.add_argument("--output-dir", default="deploy/alertmanager", help="where to write alertmanager.yml")
    p.add_argument("--plan", help="plan file (default: TTHC_PLAN)")
    p.add_argument("--group-wait", default="30s")
    p.add_argument("--group-interval", default="5m")
    p.add_argument("--extra-webhook", help="also send every notification to this URL (e.g. the demo's sink)")

    def handler(args: argparse.Namespace) -> int:
        from .alertmanager_config import render_config

        return render_config(args)

    p.set_defaults(handler=handler)


def _notifications(sub: Sub) -> None:
    p = sub.add_parser("notifications", help="a webhook sink printing what each unit would receive")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=9095)

    def handler(args: argparse.Namespace) -> int:
        from .notifications import run_sink

        return run_sink(args.host, args.port)

    p.set_defaults(handler=handler)


def _dashboards(sub: Sub) -> None:
    from .dashboards_command import add_arguments

    p = sub.add_parser("dashboards", help="build the Grafana dashboards, or push them to a Grafana")
    add_arguments(p)


def _report(sub: Sub) -> None:
    from .report_command import add_arguments

    p = sub.add_parser(
        "report", help="write the monthly report of a unit and period (docx, xlsx, html) into a folder"
    )
    add_arguments(p)


def _dead(sub: Sub) -> None:
    from .dead_command import add_arguments

    p = sub.add_parser(
        "dead",
        help="list what tthc:dead keeps by reason; 'replay' translates the bridge's kept records again",
    )
    add_arguments(p)


def _store(sub: Sub) -> None:
    from .store_command import add_arguments

    p = sub.add_parser(
        "store",
        help="the ClickHouse store: schema status, its SQL (cluster too), export and import of the events, "
        "the state and cells rebuilt from them",
    )
    add_arguments(p)


REGISTRY: list[Callable[[Sub], None]] = [
    _run,
    _up,
    _simulate,
    _bench,
    _hash_key,
    _check_plan,
    _export_schema,
    _alertmanager_config,
    _notifications,
    _dashboards,
    _report,
    _dead,
    _store,
]
