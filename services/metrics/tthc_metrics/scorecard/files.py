"""``/v1/scorecard.{xlsx,html}`` and ``/v1/scorecard/ranking.{xlsx,html}``: the files of the
estimate and of the ranking, rendered as the monthly report's part «Ước tính điểm Bộ chỉ số
766» renders them (``reports/parts/scorecard.py``). Small files: the routes render them in a
thread."""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import partial
from typing import Any

import xlsxwriter

from tthc_contract.periods import parse_period
from tthc_contract.plan import Plan
from tthc_contract.qd766 import GROUPS
from tthc_contract.scorecard_bodies import Ranking, Scorecard

from ..reports import html
from ..reports.parts import scorecard as part
from ..reports.render import HTML, XLSX
from ..reports.xlsx_kit import Styles

Renderer = Callable[[Any], tuple[bytes, str]]


def renderers(plan: Plan) -> dict[str, dict[str, Renderer]]:
    """What ``scorecard.routes.install`` takes: the files of each body, by format."""
    org = plan.names[plan.root]
    return {
        "scorecard": {"xlsx": partial(scorecard_xlsx, org), "html": partial(scorecard_html, org)},
        "ranking": {"xlsx": partial(ranking_xlsx, org), "html": partial(ranking_html, org)},
    }


def lines(org: str, body: Scorecard | Ranking) -> list[str]:
    return [org.upper(), f"{body.name} — {parse_period(body.period).label_vi}"]


def workbook(fill: Callable[[Any, Styles], None]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    fill(book, Styles(book))
    book.close()
    return out.getvalue()


def scorecard_xlsx(org: str, body: Scorecard) -> tuple[bytes, str]:
    return workbook(lambda book, styles: part.scorecard_sheet(book, styles, lines(org, body), body)), XLSX


def ranking_xlsx(org: str, body: Ranking) -> tuple[bytes, str]:
    return workbook(lambda book, styles: part.ranking_sheet(book, styles, lines(org, body), body)), XLSX


def scorecard_html(org: str, body: Scorecard) -> tuple[bytes, str]:
    page = html.page(
        "scorecard_page.html.j2", body=body, x=part, org_name=org, title=part.TITLE, ranking=False
    )
    return page, HTML


def ranking_html(org: str, body: Ranking) -> tuple[bytes, str]:
    groups = [{"code": g.code, "name": g.name_vi} for g in GROUPS]
    page = html.page(
        "scorecard_page.html.j2",
        body=body,
        x=part,
        org_name=org,
        title=part.RANKING_TITLE,
        ranking=True,
        groups=groups,
    )
    return page, HTML
