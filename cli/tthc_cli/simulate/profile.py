"""How each simulated unit behaves: shares per indicator, volume weight (pure).

Shares use indicator codes so that ``--set kt.online_rate=0.8`` reads as what it
does: 80% of Phòng Kinh tế's cases are filed online.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

KNOBS = {
    "online_rate": "share of cases filed online",
    "online_payment_rate": "share of payments made on the National Public Service Portal",
    "digitization_rate": "share of cases whose dossier and result are digitized",
    "sync_rate": "share of cases synced to the National Public Service Portal",
    "e_result_rate": "share of approved results issued electronically",
    "data_reuse_rate": "share of cases reusing digitized data",
    "feedback_on_time_rate": "share of feedback items handled by their deadline",
    "satisfaction_rate": "share of ratings that are satisfied",
    "on_time_rate": "share of cases resolved by their due time",
    "feedback_per_case": "feedback items per case",
    "personal_storage_rate": "share of cases with a component taken from the citizen's store on the portal",
    "citizen_data_rate": "share of cases using the national population data (VNeID, the population database)",
    "feedback_satisfaction_rate": "share of feedback ratings that are satisfied",
    "weight": "relative volume of cases of the unit",
}

# Comfortably above the plan's targets, so that a demo alerts only on what one sets.
DEFAULTS = {
    "online_rate": 0.96,
    "online_payment_rate": 0.9,
    "digitization_rate": 1.0,
    "sync_rate": 1.0,
    "e_result_rate": 1.0,
    "data_reuse_rate": 0.95,
    "feedback_on_time_rate": 1.0,
    "satisfaction_rate": 0.98,
    "on_time_rate": 1.0,
    "feedback_per_case": 0.02,
    # QĐ 766 (SPEC section 10): few dossiers reuse the citizen's store yet; most use VNeID data.
    "personal_storage_rate": 0.05,
    "citizen_data_rate": 0.7,
    "feedback_satisfaction_rate": 0.9,
    "weight": 1.0,
}

UNIT_WEIGHTS = {"hcc": 3.0, "vpdkdd": 4.0, "kt": 2.0, "vhxh": 2.0, "vp": 1.0, "dvth": 1.0, "thue10": 1.5}


def weight_of(unit: str) -> float:
    """A unit's relative volume: by its code, else by its department suffix (``x001-kt``)."""
    return UNIT_WEIGHTS.get(unit) or UNIT_WEIGHTS.get(unit.rsplit("-", 1)[-1], 1.0)


@dataclass(frozen=True)
class UnitProfile:
    shares: dict[str, float] = field(default_factory=lambda: dict(DEFAULTS))

    def __getitem__(self, knob: str) -> float:
        return self.shares[knob]


def parse_setting(text: str) -> tuple[str, str, float]:
    """``kt.online_rate=0.8`` → (unit, knob, value); ``*.sync_rate=0.9`` for every unit."""
    target, sep, value = text.partition("=")
    unit, dot, knob = target.partition(".")
    if not sep or not dot or knob not in KNOBS:
        raise ValueError(
            f"--set {text!r}: write UNIT.KNOB=VALUE, e.g. kt.online_rate=0.8; knobs: " + ", ".join(KNOBS)
        )
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"--set {text!r}: {value!r} is not a number") from None
    if number < 0 or (knob not in ("weight", "feedback_per_case") and number > 1):
        raise ValueError(f"--set {text!r}: a share must be between 0 and 1")
    return unit, knob, number


def build_profiles(units: list[str], settings: list[str]) -> dict[str, UnitProfile]:
    profiles = {u: UnitProfile({**DEFAULTS, "weight": weight_of(u)}) for u in units}
    for text in settings:
        unit, knob, value = parse_setting(text)
        targets = units if unit == "*" else [unit]
        for code in targets:
            if code not in profiles:
                raise ValueError(f"--set {text!r}: unknown unit {code!r} (units: {', '.join(units)})")
            profiles[code] = replace(profiles[code], shares={**profiles[code].shares, knob: value})
    return profiles
