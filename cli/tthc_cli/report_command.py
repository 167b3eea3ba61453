"""``tthc report``: the monthly report of a unit and period, as files in a folder.

The files come from the metrics API (in the embedded mode only metrics opens the store):
``monthly.docx`` (to sign), ``monthly.xlsx`` (Biểu 06 and the tables), ``monthly.html``.
``--pdf`` also prints the .docx to PDF with LibreOffice; ``--png`` renders its first page
(pdftoppm), the picture docs/reports.md shows.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import httpx
from tqdm import tqdm

from tthc_contract.settings import Settings

FORMATS = ("docx", "xlsx", "html")


def add_arguments(p: argparse.ArgumentParser) -> None:
    s = Settings()
    p.add_argument("--url", default=f"http://{s.metrics_host}:{s.metrics_port}", help="metrics base URL")
    p.add_argument("--unit", help="unit code (default: the plan's root)")
    p.add_argument("--period", help="2026-03, 2026-Q1, 2026 or 2026-03/ky (default: the current month)")
    p.add_argument("--from", dest="first", help="first day YYYY-MM-DD (with --to, instead of --period)")
    p.add_argument("--to", dest="last", help="last day YYYY-MM-DD")
    p.add_argument("--out", default="reports", help="folder to write the files into")
    p.add_argument("--pdf", action="store_true", help="also the .docx as PDF (LibreOffice)")
    p.add_argument("--png", action="store_true", help="also the first page as PNG (implies --pdf)")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    params = {
        k: v
        for k, v in {"unit": args.unit, "period": args.period, "from": args.first, "to": args.last}.items()
        if v
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with (
        httpx.Client(base_url=args.url.rstrip("/"), timeout=120) as client,
        tqdm(total=len(FORMATS), desc="tthc report", unit="file", disable=args.no_progress) as bar,
    ):
        for ext in FORMATS:
            try:
                response = client.get(f"/v1/reports/monthly.{ext}", params=params)
            except httpx.HTTPError as exc:
                print(
                    f"tthc report: metrics at {args.url} does not answer ({exc}); start it (tthc up)",
                    file=sys.stderr,
                )
                return 1
            if response.status_code != 200:
                print(
                    f"tthc report: metrics answered {response.status_code}: {response.text[:500]}",
                    file=sys.stderr,
                )
                return 1
            path = out / _filename(response, ext)
            path.write_bytes(response.content)
            written.append(path)
            bar.set_postfix_str(path.name)
            bar.update()
    if args.pdf or args.png:
        pdf = to_pdf(written[0])
        written.append(pdf)
        if args.png:
            written.append(first_page_png(pdf))
    for path in written:
        print(path)
    return 0


def _filename(response: httpx.Response, ext: str) -> str:
    disposition = response.headers.get("content-disposition", "")
    _, _, name = disposition.partition("filename*=UTF-8''")
    return httpx.URL("/" + name).path.lstrip("/") if name else f"monthly.{ext}"


def to_pdf(document: Path) -> Path:
    """Print ``document`` to a PDF beside it with headless LibreOffice."""
    return print_to_pdf([document])[0]


def print_to_pdf(documents: Sequence[Path]) -> list[Path]:
    """Print documents of one folder to PDFs beside them, in one run of headless LibreOffice.

    Each run has a profile of its own: with the user's profile, a LibreOffice already open
    (a desktop session, another conversion) takes the job over or holds the profile's lock,
    and the conversion waits or ends without a file.
    """
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("tthc report --pdf needs LibreOffice (Debian: apt install libreoffice-writer)")
    [folder] = {document.parent for document in documents}
    pdfs = [document.with_suffix(".pdf") for document in documents]
    if len(set(pdfs)) < len(pdfs):
        raise ValueError(f"documents that would print to the same PDF: {sorted(map(str, documents))}")
    for pdf in pdfs:
        pdf.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="tthc-lo-") as profile:
        result = subprocess.run(
            [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
             "--convert-to", "pdf", "--outdir", str(folder), *map(str, documents)],
            check=False, capture_output=True, text=True, timeout=120 + 60 * len(documents),
        )  # fmt: skip
    # LibreOffice exits 0 when it cannot load a document: only the files tell.
    if missing := [d.name for d, pdf in zip(documents, pdfs, strict=True) if not pdf.is_file()]:
        raise SystemExit(
            f"tthc report: LibreOffice could not print {', '.join(missing)}: {result.stderr.strip()[:500]}"
        )
    return pdfs


def first_page_png(pdf: Path) -> Path:
    if shutil.which("pdftoppm") is None:
        raise SystemExit("tthc report --png needs pdftoppm (Debian: apt install poppler-utils)")
    stem = pdf.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(stem)],
        check=True,
        timeout=120,
    )
    return stem.with_suffix(".png")
