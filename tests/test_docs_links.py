"""Every relative link of README.md and docs/*.md points at a file that exists, and at a
heading of it when it names one (``file.md#heading``, as GitHub makes anchors)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

REPO = Path(__file__).resolve().parent.parent
DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # https:, mailto:, ...


def prose(text: str) -> str:
    """The text without fenced code blocks and inline code, where brackets are not links."""
    text = re.sub(r"^(```|~~~).*?^\1[^\n]*$", "", text, flags=re.MULTILINE | re.DOTALL)
    return re.sub(r"`[^`\n]*`", "", text)


def anchors(path: Path) -> set[str]:
    """GitHub's anchors for the headings of a markdown file."""
    found: set[str] = set()
    for line in prose(path.read_text(encoding="utf-8")).splitlines():
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not heading:
            continue
        slug = re.sub(r"[^\w\- ]", "", heading.group(1).lower()).replace(" ", "-")
        candidate, n = slug, 0
        while candidate in found:
            n += 1
            candidate = f"{slug}-{n}"
        found.add(candidate)
    return found


def relative_links(path: Path) -> list[str]:
    return [t for t in LINK.findall(prose(path.read_text(encoding="utf-8"))) if not EXTERNAL.match(t)]


def broken(path: Path) -> list[str]:
    problems = []
    for target in relative_links(path):
        file_part, _, anchor = unquote(target).partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            problems.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            shown = linked.relative_to(REPO) if linked.is_relative_to(REPO) else linked.name
            problems.append(f"{target}: no heading #{anchor} in {shown}")
    return problems


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(REPO)))
def test_relative_links_resolve(document: Path) -> None:
    assert broken(document) == []


def test_the_readme_links_every_document_of_docs() -> None:
    linked = {(REPO / unquote(t).partition("#")[0]).resolve() for t in relative_links(REPO / "README.md")}
    unlinked = [p.name for p in DOCUMENTS[1:] if p.resolve() not in linked]
    assert unlinked == [], "the README is where a newcomer finds every document"


def test_the_checks_see_a_broken_link(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text(
        "# A heading, with Tiếng Việt\n\n## Twice\n\n## Twice\n", encoding="utf-8"
    )
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](other.md) [ok](other.md#a-heading-with-tiếng-việt) [ok](other.md#twice-1) [ok](#top)\n"
        "# Top\n[web](https://example.org) ![gone](gone.png) [bad](other.md#nowhere)\n"
        "`[code](not-a-link.md)`\n```\n[code](not-a-link.md)\n```\n",
        encoding="utf-8",
    )
    assert broken(page) == ["gone.png: no such file", "other.md#nowhere: no heading #nowhere in other.md"]
