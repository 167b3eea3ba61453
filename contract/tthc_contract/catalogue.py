"""The plan's ``scorecard`` section (SPEC section 10): the procedure catalogue and the
values the portal last published. One parser serves the scorecard and the DVCQG bridge
(which reads ``processing_days`` for a dossier sent without ``NgayHenTra``).

The catalogue is written inline (``procedures``) or in a CSV file next to the plan
(``procedures_csv``, columns ``code,fee,online,portal_payment,citizen,processing_days,units``
and optionally ``name``); both may be used, the inline entries then override the file's.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .periods import LOCAL_TZ
from .qd766 import BY_CODE, PUBLISHED_ITEMS

ProcedureCode = Annotated[str, Field(min_length=1, max_length=128)]
CSV_COLUMNS = ("code", "fee", "online", "portal_payment", "citizen", "processing_days", "units")
MAX_CSV_BYTES = 10 * 1024 * 1024
MAX_PROCESSING_DAYS = 3650


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Procedure(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    fee: bool = False
    """The procedure carries a fee or charge (nghĩa vụ tài chính)."""
    online: Literal["none", "partial", "full"] = "none"
    """The online service offered: none, một phần (partial), toàn trình (full)."""
    portal_payment: bool = False
    """Its payment is integrated on the National Public Service Portal."""
    citizen: bool = True
    """Citizens are among those who carry it out (đối tượng thực hiện là công dân)."""
    processing_days: Annotated[int, Field(ge=1, le=MAX_PROCESSING_DAYS)] | None = None
    """The legal time limit in working days."""
    units: Annotated[list[str], Field(min_length=1)] | None = None
    """The units that handle it (their subtrees); absent: every unit (an empty list is refused)."""

    @property
    def offered_online(self) -> bool:
        return self.online in ("partial", "full")


class Published(_Strict):
    numerator: Annotated[int, Field(ge=0)] | None = None
    denominator: Annotated[int, Field(ge=0)] | None = None
    points: Annotated[float, Field(ge=0)] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Published:
        counts = self.numerator is not None, self.denominator is not None
        if self.points is None and counts != (True, True):
            raise ValueError("give either numerator and denominator, or points")
        if self.points is not None and any(counts):
            raise ValueError("give either numerator and denominator, or points, not both")
        if self.numerator is not None and self.denominator is not None and self.numerator > self.denominator:
            raise ValueError(f"numerator {self.numerator} is larger than denominator {self.denominator}")
        return self


class Scorecard(_Strict):
    procedures: dict[ProcedureCode, Procedure] = {}
    procedures_csv: Annotated[str, Field(min_length=1)] | None = None
    published: dict[str, Published] = {}


class CatalogueError(ValueError):
    """The catalogue CSV cannot be read; ``problems`` name each row and column."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def published_problems(scorecard: Scorecard) -> list[str]:
    problems = []
    for code, value in scorecard.published.items():
        item = BY_CODE.get(code)
        if item is None or code not in PUBLISHED_ITEMS:
            problems.append(
                f"scorecard.published.{code}: not an item the portal publishes "
                f"(these are: {', '.join(PUBLISHED_ITEMS)})"
            )
        elif value.points is not None and value.points > item.max_points:
            problems.append(f"scorecard.published.{code}.points: at most {item.max_points}")
    return problems


def _csv_bool(value: str, where: str, default: bool) -> bool:
    text = value.strip().lower()
    if text == "":
        return default
    if text in ("1", "true", "yes", "x", "có"):
        return True
    if text in ("0", "false", "no", "không"):
        return False
    raise ValueError(f"{where}: {value!r} is not a yes/no value (write true or false, 1 or 0)")


def _csv_row(row: dict[str, str], where: str) -> tuple[str, dict[str, Any]]:
    code = (row.get("code") or "").strip()
    if not code:
        raise ValueError(f"{where}: code is empty")
    entry: dict[str, Any] = {
        "fee": _csv_bool(row.get("fee") or "", f"{where}.fee", False),
        "portal_payment": _csv_bool(row.get("portal_payment") or "", f"{where}.portal_payment", False),
        "citizen": _csv_bool(row.get("citizen") or "", f"{where}.citizen", True),
        "online": (row.get("online") or "").strip().lower() or "none",
    }
    if name := (row.get("name") or "").strip():
        entry["name"] = name
    days = (row.get("processing_days") or "").strip()
    if days:
        if not days.isdigit():
            raise ValueError(f"{where}.processing_days: {days!r} is not a whole number of working days")
        entry["processing_days"] = int(days)
    if units := (row.get("units") or "").split():
        entry["units"] = units
    return code, entry


def read_catalogue_csv(path: Path) -> dict[str, dict[str, Any]]:
    """Rows of the catalogue file as plain entries (validated with the inline ones)."""
    try:
        if path.stat().st_size > MAX_CSV_BYTES:
            raise CatalogueError([f"{path}: larger than {MAX_CSV_BYTES // 1024 // 1024} MiB"])
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CatalogueError([f"{path}: cannot read the file: {exc.strerror}"]) from None
    except UnicodeDecodeError:
        raise CatalogueError([f"{path}: not UTF-8 text (save the CSV as UTF-8)"]) from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("code",) if c not in (reader.fieldnames or [])]
    unknown = [c for c in reader.fieldnames or [] if c not in (*CSV_COLUMNS, "name")]
    if missing or unknown:
        raise CatalogueError(
            [
                f"{path}: the header must name the columns {', '.join(CSV_COLUMNS)} (and optionally name); "
                f"missing: {missing or 'none'}, unknown: {unknown or 'none'}"
            ]
        )
    entries: dict[str, dict[str, Any]] = {}
    problems = []
    for line, row in enumerate(reader, start=2):
        try:
            code, entry = _csv_row(row, f"{path.name} line {line}")
        except ValueError as exc:
            problems.append(str(exc))
            continue
        if code in entries:
            problems.append(f"{path.name} line {line}: procedure {code!r} is listed twice")
        entries[code] = entry
    if problems:
        raise CatalogueError(problems)
    return entries


def merged_procedures(scorecard: Scorecard, base: Path | None) -> dict[str, Procedure]:
    """The catalogue: the CSV's rows (path relative to the plan), then the inline entries."""
    if scorecard.procedures_csv is None:
        return dict(scorecard.procedures)
    path = Path(scorecard.procedures_csv)
    if not path.is_absolute():
        path = (base or Path.cwd()) / path
    rows = read_catalogue_csv(path)
    out: dict[str, Procedure] = {}
    problems = []
    for code, entry in rows.items():
        try:
            out[code] = Procedure.model_validate(entry)
        except ValidationError as exc:
            problems += [f"{path.name} procedure {code!r}: {e['loc'][0]}: {e['msg']}" for e in exc.errors()]
    if problems:
        raise CatalogueError(problems)
    return out | dict(scorecard.procedures)


def add_working_days(start: datetime, days: int) -> datetime:
    """``days`` working days (Monday to Friday) after ``start``, at the same time of day.

    A start on a Saturday or Sunday counts from the next Monday, 00:00 local. Public holidays
    are not known to the system (SPEC section 9.1).
    """
    local = start.astimezone(LOCAL_TZ)
    if local.weekday() >= 5:
        local = (local + timedelta(days=7 - local.weekday())).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
    weeks, rest = divmod(days, 5)
    moved = local + timedelta(weeks=weeks)
    while rest:
        moved += timedelta(days=1)
        if moved.weekday() < 5:
            rest -= 1
    return moved
