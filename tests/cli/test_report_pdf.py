"""``tthc report --pdf``: printing with the real headless LibreOffice."""

from __future__ import annotations

import subprocess
from pathlib import Path

import docx
import pytest

from tthc_cli.report_command import print_to_pdf, to_pdf

from ..servers import installed


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user's home of its own, to see what LibreOffice leaves in it."""
    installed("soffice", "libreoffice", package="libreoffice-writer")
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


def test_prints_with_a_profile_of_its_own(home: Path, tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Ủy ban nhân dân xã Đồng Phú")
    source = tmp_path / "monthly.docx"
    document.save(str(source))
    pdf = to_pdf(source)
    text = subprocess.run(
        [installed("pdftotext", package="poppler-utils"), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Ủy ban nhân dân xã Đồng Phú" in text
    # A LibreOffice the user has open works in this profile: a conversion there would be
    # taken over by it, or wait on its lock.
    assert not (home / ".config" / "libreoffice").exists()


def test_a_document_libreoffice_cannot_load_is_an_error(home: Path, tmp_path: Path) -> None:
    # LibreOffice says "source file could not be loaded" and exits 0.
    with pytest.raises(SystemExit, match=r"LibreOffice could not print gone\.docx"):
        to_pdf(tmp_path / "gone.docx")


def test_one_run_prints_several_and_names_what_it_could_not(home: Path, tmp_path: Path) -> None:
    source = tmp_path / "plan.docx"
    docx.Document().save(str(source))
    with pytest.raises(SystemExit, match=r"could not print gone\.docx:") as failed:
        print_to_pdf([source, tmp_path / "gone.docx"])
    assert "plan.docx" not in str(failed.value) and source.with_suffix(".pdf").is_file()
    with pytest.raises(ValueError, match="the same PDF"):
        print_to_pdf([source, source.with_suffix(".xlsx")])
