"""The reports as one ``.html`` page a leader opens in a browser and prints (Jinja2, autoescaped).

The same content and order as the ``.docx``; A4 print rules, Biểu 06 on a landscape page.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from tthc_contract.periods import LOCAL_TZ
from tthc_contract.vietnamese import number

from . import labels
from .figures import KEYS
from .service import ReportDocument

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html", "j2"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ROMAN = ("", "I", "II", "III", "IV", "V")


def render(document: ReportDocument, place: str) -> bytes:
    page = _ENV.get_template("report.html.j2").render(
        d=document,
        labels=labels,
        keys=KEYS,
        number=number,
        motto=labels.MOTTO,
        recipients=labels.RECIPIENTS,
        place=place,
        when=document.generated_at.astimezone(LOCAL_TZ),
        opening=labels.opening(document.org_name, document.unit_name, document.report.label_vi),
        roman=ROMAN,
    )
    return page.encode("utf-8")
