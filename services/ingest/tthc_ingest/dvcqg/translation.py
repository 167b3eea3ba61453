"""The records of one request as events, each event traced back to its record (pure).

Refusals of the events (SPEC sections 2 and 7: invalid, or outside the source's units) are
turned back into refusals of the records that made them, named by ``MaHoSo``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .fields import RecordError
from .mapping import Context, translate
from .portal import RefusedRecord

SCOPE_VI = {
    "is not known yet": "hồ sơ chưa được tiếp nhận từ nguồn này (gửi bản ghi tiếp nhận trước)",
    "may not send for": "hồ sơ thuộc đơn vị mà nguồn gửi không được gửi thay",
}


@dataclass
class Translation:
    events: list[dict[str, Any]] = field(default_factory=list)
    owners: list[int] = field(default_factory=list)
    """The record index of each event."""
    refused: list[RefusedRecord] = field(default_factory=list)
    records: list[Any] = field(default_factory=list)

    def code(self, index: int) -> Any:
        record = self.records[index]
        return record.get("MaHoSo") if isinstance(record, dict) else None

    def refusing(self, refused: list[RefusedRecord]) -> Translation:
        """The records ``refused`` refused as well, their events left out."""
        gone = {r.index for r in refused}
        kept = [(e, o) for e, o in zip(self.events, self.owners, strict=True) if o not in gone]
        return Translation(
            [e for e, _ in kept], [o for _, o in kept], [*self.refused, *refused], self.records
        )


def translate_all(records: list[Any], ctx: Context, indexes: list[int] | None = None) -> Translation:
    """The events of the dossiers at ``indexes`` of ``records`` (all when ``None``)."""
    out = Translation(records=records)
    for index in range(len(records)) if indexes is None else indexes:
        try:
            events = translate(records[index], ctx)
        except RecordError as exc:
            problem = exc.problem
            out.refused.append(
                RefusedRecord(index, out.code(index), problem.field, problem.vi, problem.en, problem.reason)
            )
            continue
        out.events += events
        out.owners += [index] * len(events)
    return out


def refused_by_events(
    translation: Translation, status: int, detail: list[dict[str, Any]]
) -> list[RefusedRecord]:
    """The records whose events ingest refused (a 422 or 403 ``detail`` listing events)."""
    by_record: dict[int, list[str]] = {}
    for item in detail:
        owner = translation.owners[item["index"]]
        by_record.setdefault(owner, []).extend(item["errors"])
    out = []
    for index, problems in sorted(by_record.items()):
        en = "; ".join(problems)
        vi = _scope_vi(en) if status == 403 else f"sự kiện sinh từ hồ sơ không hợp lệ: {en}"
        reason = "out_of_scope" if status == 403 else "invalid_event"
        out.append(RefusedRecord(index, translation.code(index), "(hồ sơ)", vi, en, reason))
    return out


def _scope_vi(en: str) -> str:
    for fragment, vi in SCOPE_VI.items():
        if fragment in en:
            return vi
    return "hồ sơ ngoài phạm vi của nguồn gửi"
