"""A report document as a file: what a render process runs (``pool.py``), and the formats."""

from __future__ import annotations

from collections.abc import Callable

from tthc_contract.report_bodies import ReportDocument

from . import docx, html, xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HTML = "text/html; charset=utf-8"
MEDIA = {"xlsx": XLSX, "docx": DOCX, "html": HTML}
"""The formats, with their media types."""
_RENDERERS: dict[str, Callable[[ReportDocument, str], bytes]] = {
    "xlsx": xlsx.render,
    "docx": docx.render,
    "html": html.render,
}


def render_file(document: ReportDocument, ext: str, place: str) -> bytes:
    """``document`` as an ``ext`` file (``xlsx``, ``docx``, ``html``), signed at ``place``."""
    return _RENDERERS[ext](document, place)
