"""The report's words (issue 15, item 8): differences of percentages in percentage points, a
projection past its target said so, an agreed level marked as replacing the computed one only when
it differs, no empty "moving toward green" headings, actors by name in findings, ``->`` as
written in Markdown, a space between sentences, URLs that can wrap."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from example_system import DOCUMENTS, EXAMPLE

from stocktake.core.markup import difference, distance, md, shortfall

FIXTURES = Path(__file__).parents[1] / "fixtures"


class _Text(HTMLParser):
    """A page's visible text by element (no style, no SVG)."""

    def __init__(self) -> None:
        super().__init__()
        self.skip = 0
        self.parts: list[str] = []

    BLOCKS = frozenset({"p", "li", "h1", "h2", "h3", "h4", "td", "th", "figcaption", "summary", "div", "section"})

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("style", "svg", "code")
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        self.skip -= tag in ("style", "svg", "code")
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def _text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "".join(parser.parts)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    from click.testing import CliRunner

    from stocktake.cli import cli

    out = tmp_path_factory.mktemp("demo")
    assert CliRunner().invoke(cli, ["demo", "--output", str(out)]).exit_code == 0
    return out


def test_a_difference_of_percentages_is_in_percentage_points():
    assert difference(9.4, "%") == "9.4 pp" and difference(9.4, "pupils") == "9.4 pupils"
    assert distance(9.4, "%") == "9.4 pp" and distance(-1.2, "%") == "1.2 pp beyond" and distance(None) == "-"


def test_a_projection_past_its_target_is_said_to_go_beyond_it():
    assert shortfall(-1.97, "%") == "projected to go beyond the target by 1.97 pp"
    assert shortfall(0.94, "%") == "projected to fall short of the target by 0.94 pp"
    assert shortfall(0.0001, "") == "projected to meet the target" and shortfall(None) == "no projection"


def test_markdown_keeps_arrows_and_ampersands_but_no_html():
    assert md("d-west->s-west") == "d-west->s-west" and md("R&D, A & B") == "R&D, A & B"
    assert md("<b>x</b>") == "&lt;b>x&lt;/b>"                 # no tag can open
    assert md("&lt;b&gt;") == "&amp;lt;b&amp;gt;"             # a character reference shows as written
    assert md("> not a quote") == "\\> not a quote"


def test_the_demo_reads_well(demo):
    html = (demo / "report.html").read_text()
    text = _text(html)
    assert not re.findall(r"[a-z)]\.[A-Z]", text), re.findall(r".{30}[a-z)]\.[A-Z].{10}", text)  # message.Weakest
    assert "9.4 pp" in text and "percentage points (pp)" in text and "9.4 %" not in text
    # Findings name actors; an id already beside its name stays; the trail keeps the ids.
    assert "Westmoor district → Westmoor elementary schools" in text and "d-west->s-west at AR" not in text
    assert "Westmoor district (d-west) has capacity AR" in text
    # The graduation priority's agreed AG is also its computed level: not marked as replacing it.
    assert "agreed over computed" not in text and "the level computed too" in text
    markdown = (demo / "report.md").read_text()
    assert "&gt;" not in markdown and "**AG*** |" not in markdown


def test_an_agreed_level_that_differs_is_marked_as_replacing_the_computed(run, tmp_path):
    # The fixture's graduation priority is computed G and agreed AG.
    html = run("report", str(FIXTURES / "assessment.yaml"), "--format", "html").stdout
    assert "agreed over computed G" in _text(html)
    assert "**AG*** |" in run("report", str(FIXTURES / "assessment.yaml"), "--format", "md").stdout
    assert "**AG*** |" in run("judge", str(FIXTURES / "assessment.yaml"), "--format", "md").stdout


def test_components_without_actions_toward_green_get_no_heading(demo, run, tmp_path):
    data = json.loads((demo / "results" / "capacity-review.json").read_text())
    emptied = data["toward_green"][0]
    emptied.update(rubric_near_term=[], rubric_longer_term=[], team=[])
    path = tmp_path / "review.json"
    path.write_text(json.dumps(data))
    for fmt in ("html", "md"):
        page = run("report", str(path), "--format", fmt)
        assert page.exit_code == 0, page.stderr
        assert emptied["title"] not in page.stdout.split("oving toward", 1)[1].split("indings", 1)[0]
    for entry in data["toward_green"]:
        entry.update(rubric_near_term=[], rubric_longer_term=[], team=[])
    path.write_text(json.dumps(data))
    assert "Moving toward" not in run("report", str(path), "--format", "html").stdout
    assert "Moving toward" not in run("report", str(path), "--format", "md").stdout


def test_a_url_can_wrap_and_is_still_text(tmp_path, run):
    root = tmp_path / "northshire"
    shutil.copytree(EXAMPLE, root)
    source = root / DOCUMENTS[0]
    url = "https://intranet.example.org/" + "a/" * 40 + "data.xlsx?<b>=1"
    source.write_text(source.read_text().replace("source: Interviews with district leads", f"source: '{url}'", 1))
    result = run("report", *(str(root / d) for d in DOCUMENTS), "--format", "html")
    assert result.exit_code == 0, result.stderr
    html = result.stdout
    assert '<span class="url">https://intranet.example.org/' in html and "<b>" not in html
