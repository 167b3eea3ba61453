"""The reports as one ``.html`` page a leader opens in a browser and prints (Jinja2, autoescaped).

The same content and order as the ``.docx``: ``templates/report.html.j2`` is the frame, each
part (``parts/``) its fragment under ``templates/parts/``; A4 print rules, the wide tables on
landscape pages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from tthc_contract.periods import LOCAL_TZ
from tthc_contract.report_bodies import ReportDocument
from tthc_contract.vietnamese import number, percent

from . import labels
from . import parts as registry
from .parts import Context

ENV = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html", "j2"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.globals.update(labels=labels, number=number, percent=percent)
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


def render(document: ReportDocument, place: str) -> bytes:
    present = [(part, body) for part in registry.PARTS if (body := part.body_of(document)) is not None]
    sections = [(part, body, Context(document, place, ROMAN[n])) for n, (part, body) in enumerate(present)]
    annexes = [(part, body, c) for part, body, c in sections if part.annex and part.annex.present(body)]
    page = ENV.get_template("report.html.j2").render(
        d=document,
        sections=sections,
        annexes=annexes,
        narrative_numeral=ROMAN[len(sections)],
        place=place,
        when=document.generated_at.astimezone(LOCAL_TZ),
        opening=labels.opening(document.org_name, document.unit_name, document.report.label_vi),
    )
    return page.encode("utf-8")


def page(template: str, **values: Any) -> bytes:
    """A page of its own (the scorecard's files) from ``template``."""
    return ENV.get_template(template).render(**values).encode("utf-8")
