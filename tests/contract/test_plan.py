from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from tthc_contract.durations import format_duration, parse_duration
from tthc_contract.indicators import CODES
from tthc_contract.plan import PlanError, load_plan, parse_plan

from ..conftest import PLAN_PATH


def shipped() -> dict[str, Any]:
    return yaml.safe_load(PLAN_PATH.read_text(encoding="utf-8"))


def problems_of(data: Any) -> list[str]:
    with pytest.raises(PlanError) as info:
        parse_plan(data, "test.yaml")
    return info.value.problems


def test_shipped_plan_has_the_seven_units_and_eight_targets() -> None:
    plan = load_plan(PLAN_PATH)
    assert plan.root == "dong-phu"
    assert plan.children["dong-phu"] == ["hcc", "vp", "kt", "vhxh", "dvth", "vpdkdd", "thue10"]
    assert plan.names["kt"] == "Phòng Kinh tế"
    targets = plan.targets("kt")
    assert [targets[c] for c in CODES] == [0.90, 0.80, 0.95, 1.00, 1.00, 0.90, 1.00, 0.95, None]


def test_unit_targets_override_only_that_unit() -> None:
    data = shipped()
    data["unit_targets"] = {"vpdkdd": {"online_rate": 0.8}}
    plan = parse_plan(data)
    assert plan.targets("vpdkdd")["online_rate"] == 0.8
    assert plan.targets("kt")["online_rate"] == 0.9


def test_tree_of_any_depth() -> None:
    data = shipped()
    data["org"] = {
        "code": "dong-nai",
        "name": "Tỉnh Đồng Nai",
        "units": [
            {**data["org"]},
            {"code": "xa-b", "name": "Xã B", "units": [{"code": "b-kt", "name": "KT"}]},
        ],
    }
    plan = parse_plan(data)
    assert plan.ancestors("kt") == ["kt", "dong-phu", "dong-nai"]
    assert plan.descendants("xa-b") == ["xa-b", "b-kt"]
    assert [code for code, _ in plan.walk()][:3] == ["dong-nai", "dong-phu", "hcc"]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda d: d.update(unit_targets={"vpdkd": {"online_rate": 0.8}}),
            "unit_targets.vpdkd: unknown unit 'vpdkd'",
        ),
        (
            lambda d: d.update(routes=[{"units": ["ktt"], "webhook": "http://x"}]),
            "routes[0].units: unknown unit 'ktt'",
        ),
        (
            lambda d: d["org"]["units"].append({"code": "kt", "name": "again"}),
            "org: unit code 'kt' is used 2 times",
        ),
        (
            lambda d: d["targets"].update(online_rate=1.2),
            "targets.online_rate: Input should be less than or equal to 1",
        ),
        (
            lambda d: d["targets"].update(online_rate=-0.1),
            "targets.online_rate: Input should be greater than or equal to 0",
        ),
        (lambda d: d["alerts"].update(pending="5x"), "alerts.pending: '5x' is not a duration"),
        (lambda d: d["targets"].update(speed_rate=0.5), "targets.speed_rate: unknown indicator"),
        (lambda d: d.update(colour="blue"), "colour: unknown key"),
        (
            lambda d: d["sources"].append(copy.deepcopy(d["sources"][0])),
            "sources[1].id: source 'igate' is listed more than once",
        ),
        (
            lambda d: d["sources"][0].update(key_sha256="abc"),
            "sources[0].key_sha256: String should match pattern",
        ),
    ],
)
def test_each_mistake_is_named_with_its_path(edit: Any, expected: str) -> None:
    data = shipped()
    edit(data)
    problems = problems_of(data)
    assert any(p.startswith(expected) for p in problems), problems


def test_unreadable_and_not_yaml(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="cannot read the file"):
        load_plan(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("org: [unclosed\n", encoding="utf-8")
    with pytest.raises(PlanError, match="not valid YAML"):
        load_plan(bad)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("5m", 300), ("24h", 86400), ("2d", 172800), ("1h30m", 5400), ("250ms", 0.25)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text).total_seconds() == seconds
    assert parse_duration(format_duration(parse_duration(text))) == parse_duration(text)


@pytest.mark.parametrize("text", ["5x", "", "5", "m5", "5 m", "-5m"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("reports", "fragment"),
    [
        ({"period_end_day": 0}, "reports.period_end_day"),
        ({"period_end_day": 29}, "less than or equal to 28"),
        (
            {"ratings": [{"min_share": 0.5, "rating": "a"}, {"min_share": 0.9, "rating": "b"}]},
            "descending order",
        ),
        (
            {"ratings": [{"min_share": 1.0, "rating": "a"}, {"min_share": 0.5, "rating": "b"}]},
            "the last band must have min_share 0.0",
        ),
        ({"email": ["not an address"]}, "reports.email"),
    ],
)
def test_reports_keys_are_validated(reports: dict[str, object], fragment: str) -> None:
    data = yaml.safe_load(PLAN_PATH.read_text(encoding="utf-8"))
    data["reports"] = reports
    with pytest.raises(PlanError) as caught:
        parse_plan(data)
    assert fragment in str(caught.value)


def test_dvcqg_units_must_be_units_of_the_plan() -> None:
    data = yaml.safe_load(PLAN_PATH.read_text(encoding="utf-8"))
    data["dvcqg"] = {"units": {"000.00.31.H19": "hcc", "Sở X": "kx"}, "full_online_procedures": ["1.004227"]}
    with pytest.raises(PlanError) as caught:
        parse_plan(data)
    assert "dvcqg.units['Sở X']: unknown unit 'kx'" in str(caught.value)
    data["dvcqg"]["units"] = {"000.00.31.H19": "hcc"}
    plan = parse_plan(data)
    assert (
        plan.unit_of_dvcqg("000.00.31.H19") == "hcc"
        and plan.unit_of_dvcqg("kt") == "kt"
        and plan.unit_of_dvcqg("x") is None
    )


def test_the_catalogue_inline_and_from_a_csv_next_to_the_plan(tmp_path: Path) -> None:
    data = shipped()
    (tmp_path / "catalogue.csv").write_text(
        "code,name,fee,online,portal_payment,citizen,processing_days,units\n"
        "9.000001,Thủ tục A,true,full,1,,5,kt vp\n"
        '9.000002,"Thủ tục B, có dấu phẩy",,,,false,,\n'
        "1.001193,Ghi đè bởi kế hoạch,false,none,false,true,9,\n",
        encoding="utf-8",
    )
    data["scorecard"]["procedures_csv"] = "catalogue.csv"
    (tmp_path / "plan.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    plan = load_plan(tmp_path / "plan.yaml")
    a, b = plan.procedures["9.000001"], plan.procedures["9.000002"]
    assert (a.fee, a.online, a.portal_payment, a.citizen, a.processing_days, a.units) == (
        True, "full", True, True, 5, ["kt", "vp"]
    )  # fmt: skip
    assert (b.name, b.fee, b.online, b.citizen, b.units) == (
        "Thủ tục B, có dấu phẩy",
        False,
        "none",
        False,
        None,
    )
    assert plan.procedures["1.001193"].processing_days == 1, (
        "the plan's inline entry overrides the file's row"
    )


@pytest.mark.parametrize(
    ("csv", "fragment"),
    [
        ("code,fee\n9.1,maybe\n", "line 2.fee: 'maybe' is not a yes/no value"),
        ("code,processing_days\n9.1,three\n", "line 2.processing_days: 'three' is not a whole number"),
        ("code,colour\n9.1,red\n", "unknown: ['colour']"),
        ("code\n9.1\n9.1\n", "line 3: procedure '9.1' is listed twice"),
        ("code,units\n9.1,kx\n", "scorecard.procedures['9.1'].units: unknown unit 'kx'"),
        ("code,online\n9.1,sometimes\n", "procedure '9.1': online"),
    ],
)
def test_catalogue_csv_mistakes_name_their_line(tmp_path: Path, csv: str, fragment: str) -> None:
    data = shipped()
    (tmp_path / "c.csv").write_text(csv, encoding="utf-8")
    data["scorecard"]["procedures_csv"] = "c.csv"
    (tmp_path / "plan.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PlanError) as info:
        load_plan(tmp_path / "plan.yaml")
    assert any(fragment in p for p in info.value.problems), info.value.problems


@pytest.mark.parametrize(
    ("scorecard", "fragment"),
    [
        ({"published": {"ON_TIME": {"points": 5}}}, "not an item the portal publishes"),
        ({"published": {"PUBLIC_CONTENT_FULL": {"points": 3}}}, "points: at most 2"),
        ({"published": {"PUBLIC_CONTENT_FULL": {"numerator": 5}}}, "numerator and denominator, or points"),
        (
            {"published": {"PUBLIC_CONTENT_FULL": {"numerator": 5, "denominator": 4}}},
            "larger than denominator",
        ),
        ({"procedures": {"1.1": {"units": []}}}, "units"),
        ({"procedures": {"1.1": {"processing_days": 0}}}, "processing_days"),
        ({"procedures_csv": "missing.csv"}, "cannot read the file"),
    ],
)
def test_scorecard_mistakes_are_named(scorecard: dict[str, Any], fragment: str) -> None:
    data = shipped()
    data["scorecard"] = scorecard
    assert any(fragment in p for p in problems_of(data)), problems_of(data)


def test_units_are_found_by_code_mapped_key_or_name() -> None:
    data = shipped()
    data["org"]["units"].append({"code": "kt2", "name": "phòng  KINH tế"})
    data["dvcqg"]["units"] = {"000.00.31.H19": "hcc"}
    plan = parse_plan(data)
    assert plan.by_name.find("kt").unit == "kt" and plan.by_name.find(" 000.00.31.H19 ").unit == "hcc"
    assert plan.by_name.find("Văn phòng  hđnd – ubnd XÃ").unit == "vp"
    ambiguous = plan.by_name.find("Phòng Kinh tế")
    assert ambiguous.unit is None and ambiguous.candidates == ("kt", "kt2")
    assert plan.by_name.find("Sở Tài chính") == type(ambiguous)(None, ())
