"""What a part of the monthly report is: one module declares its name, its title, how it is
built from the store and how it renders into each format (see ``parts/__init__.py``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from xlsxwriter.workbook import Workbook

from tthc_contract.plan import Plan
from tthc_contract.report_bodies import ReportBody, ReportDocument
from tthc_contract.report_periods import ReportPeriod

from ... import reads
from ...store import Store
from ..xlsx_kit import Styles

Body = TypeVar("Body", bound=ReportBody)
Counts = dict[str, dict[str, Any]]


class Facts:
    """What the parts are built from, for one document: the store, the plan, and the counts
    by unit of a period, read once and shared (the plan report and the evaluation use the
    same ones). Blocking calls: the API runs the building in a thread."""

    def __init__(self, store: Store, plan: Plan) -> None:
        self.store = store
        self.plan = plan
        self._counts: dict[tuple[str, str, datetime, bool], Counts] = {}

    def counts(
        self, unit: str, report: ReportPeriod, now: datetime, *, children_only: bool = False
    ) -> Counts:
        """The counts of ``unit`` and of every unit below it, each over its own subtree;
        ``children_only``: of ``unit`` and the units directly below it (what a ranking needs:
        a province's 150 communes, not its 1,200 units), unless all were read already."""
        every = (unit, report.code, now, False)
        key = every if every in self._counts else (unit, report.code, now, children_only)
        if key not in self._counts:
            wanted = [unit, *self.plan.children[unit]] if children_only else self.plan.descendants(unit)
            by_unit = reads.counts_by_unit(self.store, self.plan, [report], now, wanted)
            self._counts[key] = {code: counts for (code, _), counts in by_unit.items()}
        return self._counts[key]


@dataclass(frozen=True)
class Context:
    """What a renderer knows besides the part's body: the document and where it is signed,
    and the part's number in the document (``I``, ``II``, ...; empty when alone)."""

    document: ReportDocument
    place: str
    numeral: str = ""

    def heading(self, title: str) -> str:
        return f"{self.numeral}. {title.upper()}" if self.numeral else title.upper()

    @property
    def lines(self) -> list[str]:
        """The heading lines of a sheet or a page: issuing body, unit and period, dates."""
        document = self.document
        return [
            document.org_name.upper(),
            f"{document.unit_name} — {document.report.label_vi}",
            document.report.dates_vi,
        ]


DocxRenderer = Callable[[Any, Body, Context], None]
XlsxRenderer = Callable[[Workbook, Styles, Body, Context], None]


@dataclass(frozen=True)
class Annex(Generic[Body]):
    """What a part puts after the signature, when ``present``: the deeper units of a province."""

    title: str
    present: Callable[[Body], bool]
    docx: DocxRenderer[Body]
    template: str
    """An html fragment under ``templates/`` (it reads ``body`` and ``c``, the context)."""
    landscape: bool = True


@dataclass(frozen=True)
class Part(Generic[Body]):
    """One part of the monthly report, also a report of its own (``/v1/reports/<stem>``)."""

    name: str
    """The key of its body in the monthly report's JSON."""
    stem: str
    """Its route: ``/v1/reports/<stem>``, ``<stem>.docx``, ..."""
    title: str
    """Its title, in Vietnamese (headings write it in capitals)."""
    body: type[Body]
    build: Callable[[Facts, str, ReportPeriod, datetime], Body]
    """Its body for a unit and a report period at an instant, from the store."""
    docx: DocxRenderer[Body]
    xlsx: XlsxRenderer[Body]
    """Adds its sheet (or sheets) to the workbook."""
    template: str
    """Its html fragment under ``templates/`` (it reads ``body`` and ``c``, the context)."""
    annex: Annex[Body] | None = None
    helpers: Any = None
    """What its html fragment reads as ``x`` besides ``body`` and ``c``: its words and
    functions (the part's module)."""

    def body_of(self, document: ReportDocument) -> Body | None:
        body = document.parts.get(self.name)
        if body is None:
            return None
        assert isinstance(body, self.body), (self.name, type(body))
        return body
