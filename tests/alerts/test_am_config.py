"""The rendered Alertmanager configuration: valid for amtool, one route per plan route."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from tthc_alerts.am_config import Delivery, render, write

from .conftest import plan_with

REPO = Path(__file__).resolve().parents[2]


def amtool_check(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["amtool", "check-config", str(config)], capture_output=True, text=True, check=False
    )


def test_a_plan_with_email_and_webhooks_renders_a_valid_config(tmp_path: Path) -> None:
    plan = plan_with(
        routes=[
            {"name": "Lãnh đạo", "units": ["*"], "email": ["chutich@dongphu.gov.vn"]},
            {
                "units": ["kt", "vpdkdd"],
                "webhook": "http://zalo-bridge:8080/kt",
                "email": "kt@dongphu.gov.vn",
            },
            {"name": "Vận hành", "ops": True, "email": "it@dongphu.gov.vn"},
        ],
        alerts={"repeat": "12h"},
    )
    config = write(
        plan,
        Delivery(smtp_smarthost="smtp.dongnai.gov.vn:587", smtp_username="u", smtp_password="p"),
        tmp_path,
    )
    result = amtool_check(config)
    assert result.returncode == 0, result.stdout + result.stderr
    rendered = yaml.safe_load(config.read_text(encoding="utf-8"))
    route = rendered["route"]
    assert route["group_by"] == ["unit"] and route["repeat_interval"] == "12h"
    assert [r.get("matchers") for r in route["routes"]] == [
        ['kind!="ops"'],
        ['kind!="ops"', 'unit=~"^(kt|vpdkdd)$"'],
        ['kind="ops"'],
    ], "units' routes never get the pipeline's alerts; the ops route gets only those"
    assert (
        route["routes"][2]["group_by"] == ["alertname"]
        and rendered["receivers"][3]["name"] == "route-3-van-hanh"
    )
    assert all(r["continue"] for r in route["routes"])
    second = rendered["receivers"][2]
    assert second["webhook_configs"][0] == {"url": "http://zalo-bridge:8080/kt", "send_resolved": True}
    assert (
        second["email_configs"][0]["to"] == "kt@dongphu.gov.vn"
        and second["email_configs"][0]["send_resolved"]
    )
    assert rendered["global"]["smtp_smarthost"] == "smtp.dongnai.gov.vn:587"
    assert (tmp_path / "templates" / "tthc.tmpl").exists()
    assert config.stat().st_mode & 0o077 == 0, "a file holding the SMTP password is private"


def test_email_routes_need_smtp_settings() -> None:
    plan = plan_with(routes=[{"units": ["*"], "email": "a@b.vn"}])
    with pytest.raises(ValueError, match="TTHC_SMTP_SMARTHOST"):
        render(plan, Delivery())


def test_the_shipped_rendered_config_is_current_and_valid(tmp_path: Path) -> None:
    from tthc_contract.plan import load_plan

    shipped = REPO / "deploy" / "alertmanager" / "alertmanager.yml"
    write(load_plan(REPO / "deploy" / "plans" / "dong-phu-2026.yaml"), Delivery(), tmp_path)
    assert shipped.read_text(encoding="utf-8") == (tmp_path / "alertmanager.yml").read_text(
        encoding="utf-8"
    ), "run: tthc alertmanager-config"
    assert amtool_check(shipped).returncode == 0
