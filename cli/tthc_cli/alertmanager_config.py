"""``tthc alertmanager-config``: alertmanager.yml for the plan, SMTP from the environment."""

from __future__ import annotations

import argparse
import sys

from tthc_alerts.am_config import Delivery, write
from tthc_contract.durations import parse_duration
from tthc_contract.plan import PlanError, load_plan
from tthc_contract.settings import Settings


def render_config(args: argparse.Namespace) -> int:
    from pathlib import Path

    settings = Settings()
    try:
        plan = load_plan(args.plan or settings.plan)
    except PlanError as exc:
        print(exc, file=sys.stderr)
        return 2
    delivery = Delivery(
        smtp_smarthost=settings.smtp_smarthost,
        smtp_from=settings.smtp_from,
        smtp_username=settings.smtp_username,
        smtp_password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        smtp_require_tls=settings.smtp_require_tls,
        group_wait=parse_duration(args.group_wait),
        group_interval=parse_duration(args.group_interval),
        extra_webhook=args.extra_webhook,
    )
    try:
        path = write(plan, delivery, Path(args.output_dir))
    except ValueError as exc:
        print(f"tthc alertmanager-config: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {path}")
    return 0
