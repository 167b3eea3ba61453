"""The parts of the monthly report, in its order: the registry.

A part is one module (``parts/<name>.py``) that declares a ``PART``: its name and route
stem, its Vietnamese title, how its body is built from the store, and how it renders into
each format (a docx function, an xlsx function adding its sheets, an html fragment under
``templates/parts/``). The document, the routes and the renderers only iterate ``PARTS``:
a new part is a new module and its templates, listed here.
"""

from __future__ import annotations

from typing import Any

from . import bieu06, evaluation, plan, scorecard
from .base import Annex, Context, Facts, Part

PARTS: tuple[Part[Any], ...] = (plan.PART, bieu06.PART, evaluation.PART, scorecard.PART)
"""Read as ``parts.PARTS`` wherever it is used, so that this is the one list."""


def named(name: str) -> Part[Any]:
    return next(p for p in PARTS if p.name == name)


__all__ = ["PARTS", "Annex", "Context", "Facts", "Part", "named"]
