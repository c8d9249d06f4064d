"""``stocktake report --format pdf`` (the ``pdf`` extra, WeasyPrint): the pages it prints, rendered
to images with pdftoppm and measured: paper size, a first page that is not mostly blank, nothing
past the right margin; the same bytes for the same report; a clear message without the extra."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pdf_pages
import pytest
from example_system import DOCUMENTS, EXAMPLE

FIXTURES = Path(__file__).parents[1] / "fixtures"
MISSING = pdf_pages.available() or (None if importlib.util.find_spec("weasyprint") else
                                    "WeasyPrint is not installed (pip install 'stocktake[pdf]'; make test installs it)")
needs_pdf = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")
MARGIN_MM = 12  # the print stylesheet's left and right page margins


@pytest.fixture(scope="module")
def demo_pdf(tmp_path_factory) -> bytes:
    """The example system's report as PDF, made as a user makes it (``-o report.pdf``)."""
    from click.testing import CliRunner

    from stocktake.cli import cli

    root = tmp_path_factory.mktemp("pdf") / "northshire"
    shutil.copytree(EXAMPLE, root)
    out = root / "report.pdf"
    result = CliRunner().invoke(cli, ["report", *(str(root / d) for d in DOCUMENTS), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    return out.read_bytes()


@needs_pdf
def test_the_demo_prints_on_a4_with_a_full_first_page_and_nothing_past_the_margin(demo_pdf):
    assert demo_pdf.startswith(b"%PDF")
    pages = pdf_pages.pages(demo_pdf, dpi=40)
    assert len(pages) > 5
    for n, page in enumerate(pages, 1):
        assert (round(page.mm(page.width)), round(page.mm(page.height))) == (210, 297), n
        # Nothing in the right margin (bar a hair for anti-aliasing): no table or diagram cut or overflowing.
        assert page.ink(x0=page.width - page.px(MARGIN_MM - 2)) == [], f"page {n} has ink in its right margin"
    content_bottom = [p.last_inked_row(above=p.height - p.px(16)) / p.height for p in pages]  # above the page number
    assert content_bottom[0] > 0.75, f"the first page is {1 - content_bottom[0]:.0%} blank"
    assert sorted(content_bottom)[len(pages) // 2] > 0.8, content_bottom  # most pages are full


def _small_pdf(run, tmp_path, *args: str) -> bytes:
    out = tmp_path / "small.pdf"
    result = run("report", str(FIXTURES / "assessment.yaml"), "-o", str(out), *args)
    assert result.exit_code == 0, result.stderr
    return out.read_bytes()


@needs_pdf
def test_letter_is_an_option_and_the_bytes_are_the_same_each_time(run, tmp_path):
    letter = pdf_pages.pages(_small_pdf(run, tmp_path, "--paper", "letter"), dpi=30, last=1)[0]
    assert (round(letter.mm(letter.width)), round(letter.mm(letter.height))) == (216, 279)
    first = _small_pdf(run, tmp_path, "--format", "pdf")
    assert first == _small_pdf(run, tmp_path, "--format", "pdf")
    assert b"/CreationDate" not in first and b"/ModDate" not in first


def test_without_the_extra_pdf_is_a_usage_error_naming_it(run, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import weasyprint now raises ImportError
    out = tmp_path / "report.pdf"
    result = run("report", str(FIXTURES / "assessment.yaml"), "-o", str(out))
    assert result.exit_code == 2
    assert "pip install 'stocktake[pdf]'" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


def test_the_html_prints_on_a4_unless_letter_is_asked_for(run, tmp_path):
    a4 = run("report", str(FIXTURES / "assessment.yaml"), "--format", "html")
    letter = run("report", str(FIXTURES / "assessment.yaml"), "--format", "html", "--paper", "letter")
    assert "size: A4" in a4.stdout and "size: letter" not in a4.stdout
    assert "size: letter" in letter.stdout
