"""``tthc bench ingest|pipeline|province|all`` (``all``: ingest and pipeline)."""

from __future__ import annotations

import argparse

from tthc_contract.logs import configure_logging
from tthc_contract.plan import load_plan
from tthc_contract.settings import Settings

from .report import Report


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("which", choices=["ingest", "pipeline", "province", "all"], nargs="?", default="all")
    p.add_argument("--api-key", default="demo-igate-key", help="a key of the plan's igate source")
    p.add_argument("--events", type=int, default=1_000_000, help="events for the pipeline benchmark")
    from .province import add_arguments as province_arguments

    province_arguments(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # The figures are the output: the bench's own steps (a baseline's migration) log only
    # what goes wrong; the services it starts log to their own files.
    configure_logging("bench", "WARNING")
    plan = load_plan(Settings().plan)
    failed: list[str] = []
    if args.which in ("ingest", "all"):
        from .ingest import bench_ingest

        report = Report("tthc bench ingest")
        bench_ingest(plan, args.api_key, report)
        failed += report.failed
    if args.which in ("pipeline", "all"):
        from .pipeline import bench_pipeline

        report = Report("tthc bench pipeline")
        bench_pipeline(plan, report, args.events)
        failed += report.failed
    if args.which == "province":
        from pathlib import Path

        from .province import bench_province

        report = Report("tthc bench province")
        bench_province(report, Path(Settings().plan), args)
        failed += report.failed
    if failed:
        print(f"\ntargets missed: {', '.join(failed)}")
    return 0
