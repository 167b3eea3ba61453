"""Alertmanager's configuration, rendered from the plan file (pure).

One route per plan route, matching its units (``*``: all), grouped by unit so that a
unit gets one message with all its alerts, repeated every ``alerts.repeat``; every
route is tried (``continue``), so a unit listed in several routes reaches all of them.
E-mail uses the SMTP settings of the environment; the templates are Vietnamese.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from tthc_contract.durations import format_duration
from tthc_contract.plan import ALL, Plan

TEMPLATE = Path(__file__).with_name("templates") / "tthc.tmpl"
OPS = "ops"
"""The ``kind`` label of the pipeline's alerts (deploy/prometheus/rules.yml)."""


@dataclass(frozen=True)
class Delivery:
    """What the plan does not say: SMTP, timings, an extra webhook (the demo's sink)."""

    smtp_smarthost: str | None = None
    smtp_from: str = "tthc-alerts@localhost"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_require_tls: bool = True
    group_wait: timedelta = timedelta(seconds=30)
    group_interval: timedelta = timedelta(minutes=5)
    extra_webhook: str | None = None


def _receiver(name: str, emails: list[str], webhooks: list[str]) -> dict[str, Any]:
    receiver: dict[str, Any] = {"name": name}
    if emails:
        receiver["email_configs"] = [
            {
                "to": address,
                "send_resolved": True,
                "headers": {"Subject": '{{ template "tthc.subject" . }}'},
                "html": '{{ template "tthc.html" . }}',
                "text": '{{ template "tthc.text" . }}',
            }
            for address in emails
        ]
    if webhooks:
        receiver["webhook_configs"] = [{"url": url, "send_resolved": True} for url in webhooks]
    return receiver


def _name(index: int, given: str | None, units: list[str]) -> str:
    label = _ascii(given or ("all" if ALL in units else "-".join(units)))
    return f"route-{index}-" + re.sub(r"[^a-z0-9_-]+", "-", label.lower()).strip("-")[:40]


def _ascii(text: str) -> str:
    """«Vận hành» → «Van hanh»: receiver names readable in Alertmanager's UI and logs."""
    decomposed = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def render(plan: Plan, delivery: Delivery) -> dict[str, Any]:
    routes, receivers = [], [{"name": "tthc-none"}]
    for index, route in enumerate(plan.spec.routes, 1):
        name = _name(index, route.name, ["ops"] if route.ops else route.units)
        receivers.append(_receiver(name, route.emails, route.webhooks))
        entry: dict[str, Any] = {"receiver": name, "continue": True}
        if route.ops:  # the pipeline's own alerts (Prometheus rules), one message per alert name
            entry |= {"matchers": [f'kind="{OPS}"'], "group_by": ["alertname"]}
        else:
            entry["matchers"] = [f'kind!="{OPS}"']
            if ALL not in route.units:
                entry["matchers"].append('unit=~"^(' + "|".join(re.escape(u) for u in route.units) + ')$"')
        routes.append(entry)
    if delivery.extra_webhook:
        receivers.append(_receiver("extra-webhook", [], [delivery.extra_webhook]))
        routes.append({"receiver": "extra-webhook", "continue": True})
    global_: dict[str, Any] = {"resolve_timeout": "5m"}
    if any(r.emails for r in plan.spec.routes):
        if not delivery.smtp_smarthost:
            raise ValueError(
                "the plan's routes send e-mail: set TTHC_SMTP_SMARTHOST (host:port) and TTHC_SMTP_FROM"
            )
        global_ |= {
            "smtp_smarthost": delivery.smtp_smarthost,
            "smtp_from": delivery.smtp_from,
            "smtp_require_tls": delivery.smtp_require_tls,
        }
        if delivery.smtp_username:
            global_ |= {
                "smtp_auth_username": delivery.smtp_username,
                "smtp_auth_password": delivery.smtp_password or "",
            }
    return {
        "global": global_,
        "templates": ["templates/*.tmpl"],
        "route": {
            "receiver": "tthc-none",
            "group_by": ["unit"],
            "group_wait": format_duration(delivery.group_wait),
            "group_interval": format_duration(delivery.group_interval),
            "repeat_interval": format_duration(plan.alerts.repeat),
            "routes": routes,
        },
        "receivers": receivers,
    }


def write(plan: Plan, delivery: Delivery, directory: Path) -> Path:
    """``alertmanager.yml`` and ``templates/tthc.tmpl`` in ``directory``; returns the config path."""
    (directory / "templates").mkdir(parents=True, exist_ok=True)
    (directory / "templates" / TEMPLATE.name).write_text(
        TEMPLATE.read_text(encoding="utf-8"), encoding="utf-8"
    )
    config = directory / "alertmanager.yml"
    header = (
        f"# Rendered by `tthc alertmanager-config` from {Path(plan.source).name}: edit the plan, not this file.\n"
        "# Every peer of an Alertmanager cluster runs this same file: the peers dedupe by it.\n"
    )
    config.write_text(
        header + yaml.safe_dump(render(plan, delivery), sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    if delivery.smtp_password:
        config.chmod(0o600)
    return config
