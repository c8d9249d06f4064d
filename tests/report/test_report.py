"""The delivery report and the demo: joining rules, the golden Markdown, the HTML's structure,
escaping of every text field, and the demo end to end."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from example_system import DOCUMENTS, EXAMPLE, REPO, poison

from stocktake.api import Engine
from stocktake.render import render_report

GOLDEN = Path(__file__).parents[1] / "golden" / "northshire-report.md"


@pytest.fixture
def example(tmp_path, monkeypatch) -> Path:
    """A copy of the bundled example, as the working directory (paths in reports are relative)."""
    root = tmp_path / "northshire"
    shutil.copytree(EXAMPLE, root)
    monkeypatch.chdir(root)
    return root


class Page(HTMLParser):
    """The elements of an HTML page, for structural checks."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data):
        self.text.append(data)

    def count(self, tag: str, cls: str | None = None) -> int:
        return sum(1 for t, a in self.tags if t == tag and (cls is None or cls in a.get("class", "").split()))


# -- joining -----------------------------------------------------------------------------------------


def test_the_example_joins_into_one_report(example):
    report = Engine().report(DOCUMENTS)
    assert report.title == "Northshire education priorities: delivery report 2026-H2"
    assert str(report.date) == "2026-10-31"
    rows = {p.id: p for p in report.summary.priorities}
    assert [p.id for p in report.summary.priorities] == ["reading", "graduation", "attendance"]
    assert (rows["attendance"].rating, rows["attendance"].previous, rows["attendance"].movement) == ("R", "AR", "down")
    assert rows["attendance"].chain == "attendance-chain" and rows["attendance"].chain_rating == "R"
    assert rows["graduation"].agreed
    # The 2024 review is the 2026 review's baseline; only the latest is reported.
    (review,) = report.reviews
    assert str(review.date) == "2026-10-15" and str(review.baseline.date) == "2024-10-20"
    assert report.summary.reviews[0].declined == ["Sustain and continually build momentum",
                                                  "Communicate the delivery message"]
    # The chain's judgment is cited as evidence for the priority's delivery-chain criterion.
    attendance = next(p for p in report.assessment.priorities if p.id == "attendance")
    capacity = next(i for i in attendance.judgment.inputs if i.name == "capacity")
    assert "chain-attendance-chain" in capacity.evidence
    assert [c.result.chain["priority"] for c in report.chains] == ["reading", "attendance", "graduation"]
    assert all(c.drawing is not None for c in report.chains)
    assert {Path(i.path).name for i in report.inputs} >= {"ratings-2026.csv", "ratings-2024.csv"}


def test_the_order_of_the_files_does_not_matter(example):
    engine = Engine()
    one = render_report(engine.report(DOCUMENTS), "json")
    other = render_report(engine.report(list(reversed(DOCUMENTS))), "json")
    assert one == other


def test_results_join_like_documents(example, run):
    for args in (["review", "capacity-review-2026.yaml", "--baseline", "capacity-review-2024.yaml", "-o", "review.json"],
                 ["judge", "assessment-2026-h2.yaml", "-o", "assessment.json"],
                 ["chain", "chains/reading.yaml", "-o", "reading.json"]):
        assert run(*args).exit_code == 0
    result = run("report", "assessment.json", "review.json", "reading.json", "--format", "md")
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "| 3 | Reduce chronic absence |" in text
    assert "since 2024-10-20: improved 8, unchanged 5, declined 2" in text
    html = run("report", "assessment.json", "review.json", "reading.json").stdout
    assert "No diagram: the report was given this chain's result, not the chain itself." in html


def test_a_finished_report_renders_again_the_same(example, run):
    assert run("report", *DOCUMENTS, "-o", "report.json").exit_code == 0
    assert run("report", *DOCUMENTS, "-o", "report.md").exit_code == 0
    again = run("report", "report.json", "--format", "md")
    assert again.exit_code == 0 and again.stdout == Path("report.md").read_text(encoding="utf-8")


def test_a_chain_for_another_priority_is_reported_on_its_own(example, run):
    text = yaml.safe_load(Path("chains/graduation.yaml").read_text())
    text["priority"] = "numeracy"
    Path("chains/graduation.yaml").write_text(yaml.safe_dump(text))
    result = run("report", *DOCUMENTS, "--format", "md")
    assert result.exit_code == 0, result.stderr
    assert "## Other delivery chains" in result.stdout
    assert "Chains of priorities not in this report: graduation-chain." in result.stdout


def test_a_report_of_chains_only_has_no_date(example, run):
    result = run("report", "chains/reading.yaml", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["date"] is None and data["title"] == "Delivery chains: Grade 3 reading"


@pytest.mark.parametrize("args, message", [
    (["capacity-review-2026.yaml", "capacity-review-2026.yaml"], "'capacity-review-2026.yaml' is given twice"),
    (["capacity-review-2026.yaml", "copy.yaml"], "two capacity reviews of 'Northshire Department of Education' "
                                                 "are dated 2026-10-15: 'capacity-review-2026.yaml' and 'copy.yaml'"),
    (["chains/reading.yaml", "reading-again.yaml"], "two chains have the id 'reading-chain'"),
    (["report.json", "chains/reading.yaml"], "'report.json' is a finished report: give it alone"),
    (["assessment.json", "--rules", "likelihood-default"], "--rules applies to assessments"),
])
def test_inputs_that_cannot_be_joined_are_usage_errors(example, run, args, message):
    shutil.copy("capacity-review-2026.yaml", "copy.yaml")
    shutil.copy("chains/reading.yaml", "reading-again.yaml")
    run("report", "chains/graduation.yaml", "-o", "report.json")
    run("judge", "assessment-2026-h2.yaml", "-o", "assessment.json")
    before = sorted(os.listdir())
    result = run("report", *args, "-o", "out.html")
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert sorted(os.listdir()) == before           # nothing written


def test_a_document_of_another_kind_is_a_located_error(example, run):
    result = run("report", str(REPO / "rubrics" / "likelihood-of-delivery.yaml"))
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert re.search(r"likelihood-of-delivery\.yaml:\d+:\d+: \$\.kind: expected one of the kinds CapacityReview, "
                     r"CapacityReviewResult, DeliveryAssessment.*found 'Rubric'$", line), line


def test_a_broken_document_is_a_located_error_and_nothing_is_written(example, run):
    Path("chains/reading.yaml").write_text(Path("chains/reading.yaml").read_text().replace("strength: AR", "strength: Amber"))
    result = run("report", *DOCUMENTS, "-o", "report.html")
    assert result.exit_code == 2 and not Path("report.html").exists()
    assert re.match(r"error: chains/reading\.yaml:\d+:\d+: \$\.links\[\d+\]\.strength: expected", result.stderr)


def test_no_paths_is_a_usage_error(run):
    result = run("report")
    assert result.exit_code == 2 and "Missing argument" in result.stderr


# -- Markdown: a golden file ---------------------------------------------------------------------


def _normalised(text: str) -> str:
    return re.sub(r"_Stocktake [^._]+(\.[^._]+)*\._", "_Stocktake VERSION._", text)


def test_markdown_matches_the_golden_file(example, run):
    result = run("report", *DOCUMENTS, "--format", "md")
    assert result.exit_code == 0, result.stderr
    text = _normalised(result.stdout)
    if os.environ.get("STOCKTAKE_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8"), (
        "the report's Markdown changed; if intended, rerun with STOCKTAKE_UPDATE_GOLDEN=1 and review the diff")


# -- HTML: structure ---------------------------------------------------------------------------------


def test_html_has_the_summary_charts_heatmap_diagrams_and_trails(example, run):
    result = run("report", *DOCUMENTS, "-o", "report.html")
    assert result.exit_code == 0, result.stderr
    html = Path("report.html").read_text(encoding="utf-8")
    page = Page(html)
    ids = [a.get("id") for _, a in page.tags if a.get("id")]
    assert ids.index("summary") < ids.index("priorities") < ids.index("review-1") < ids.index("inputs")
    assert len(ids) == len(set(ids)), "element ids are unique"
    assert page.count("svg", "trajectory") == 3
    assert page.count("svg", "chain") == 3
    assert page.count("table", "heatmap") == 1
    assert page.count("details") == 3 + 3 + 3 + 20      # priorities, their severity, chains, review judgments
    # Colour is never the only signal: every level badge prints its code.
    badges = re.findall(r'<span class="level lv-(\w+)">([^<]*)</span>', html)
    assert badges and all(cls == text for cls, text in badges)
    # Self-contained: no script, no stylesheet or image to fetch, no external link.
    assert page.count("script") == 0 and page.count("link") == 0 and page.count("img") == 0
    refs = [a[k] for _, a in page.tags for k in ("href", "src") if k in a]
    assert refs and all(r.startswith("#") for r in refs)
    assert "url(" not in html.replace("url(#arrow-", "") and "@import" not in html
    # Links inside the page resolve.
    assert {r[1:] for r in refs} <= set(ids)


def test_html_summary_table_lists_each_priority_with_its_chain(example, run):
    html = run("report", *DOCUMENTS).stdout
    summary = html[html.index('<table class="summary league">'):]
    summary = summary[:summary.index("</table>")]
    rows = summary.split("<tr>")[2:]
    assert len(rows) == 3
    assert "Reduce chronic absence" in rows[2] and "below plan" in rows[2] and 'href="#chain-attendance-chain"' in rows[2]


# -- escaping ----------------------------------------------------------------------------------------

PAYLOADS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(2)>', "'><svg onload=alert(3)>",
            "```\n<b>fence</b>", "a|b"]
FREE_TEXT = {"system", "title", "name", "rationale", "reason", "source", "summary", "text", "owner", "note",
             "organisation", "unit", "period"}


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_text_field_is_shown_as_text(example, run, payload):
    for name in DOCUMENTS:
        data = yaml.safe_load(Path(name).read_text())
        Path(name).write_text(yaml.safe_dump(poison(data, payload, FREE_TEXT), allow_unicode=True))
    for table in ("ratings-2026.csv", "ratings-2024.csv"):
        import csv
        with Path(table).open(newline="") as handle:
            rows = list(csv.reader(handle))
        with Path(table).open("w", newline="") as handle:
            csv.writer(handle).writerows([rows[0], *([*r[:3], f"{payload} {r[3]}", r[4]] for r in rows[1:])])
    html = run("report", *DOCUMENTS)
    assert html.exit_code == 0, html.stderr
    page = Page(html.stdout)
    assert page.count("script") == 0 and page.count("img") == 0 and page.count("b") == 0
    assert page.count("svg") == 6                     # only our charts and diagrams
    assert not [a for _, attrs in page.tags for a in attrs if a.startswith("on")]
    visible = "".join(page.text)
    assert visible.count(payload.split("\n")[0]) >= 20  # the payload is there, as text
    md = run("report", *DOCUMENTS, "--format", "md")
    assert md.exit_code == 0
    assert "<script" not in md.stdout and "<img" not in md.stdout and "<svg" not in md.stdout and "<b>" not in md.stdout
    # Code fences (the Mermaid diagrams) open and close in pairs; no payload closes one early.
    fences = [line for line in md.stdout.splitlines() if line.startswith("```")]
    assert fences.count("```mermaid") == 3 and len(fences) == 6


# -- the demo ----------------------------------------------------------------------------------------


def test_demo_writes_the_report_and_results(tmp_path, run):
    out = tmp_path / "demo"
    result = run("demo", "--output", str(out))
    assert result.exit_code == 0, result.stderr
    assert f"wrote {out / 'report.html'}" in result.stdout
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert names == sorted([
        ".stocktake-demo.json", "ledger.sqlite", "report.html", "report.md", "report.json", "results/assessment.json",
        "results/capacity-review.json",
        "results/chain-attendance-chain.json", "results/chain-graduation-chain.json", "results/chain-reading-chain.json",
        "example/README.md", "example/ratings-2024.csv", "example/ratings-2026.csv",
        *(f"example/{d}" for d in DOCUMENTS)])
    engine = Engine()
    kinds = {"report.json": "DeliveryReport", "results/assessment.json": "DeliveryAssessmentResult",
             "results/capacity-review.json": "CapacityReviewResult",
             "results/chain-reading-chain.json": "DeliveryChainResult"}
    for name, kind in kinds.items():
        assert engine.load(out / name).kind == kind
    first = {n: (out / n).read_bytes() for n in names}
    assert run("demo", "--output", str(out)).exit_code == 0
    assert {n: (out / n).read_bytes() for n in names} == first     # byte-identical on a rerun


@pytest.mark.parametrize("edited", ["example/chains/reading.yaml", "report.md"])
def test_demo_never_replaces_a_file_the_user_edited(tmp_path, run, edited):
    out = tmp_path / "demo"
    assert run("demo", "--output", str(out)).exit_code == 0
    (out / edited).write_text("mine")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    result = run("demo", "--output", str(out))
    assert result.exit_code == 2
    assert edited in result.stderr and "nothing was written" in result.stderr and "--output" in result.stderr
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_demo_never_replaces_files_it_did_not_write(tmp_path, run):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "report.html").write_text("<p>my own report</p>")
    (out / "notes.txt").write_text("kept")
    result = run("demo", "--output", str(out))
    assert result.exit_code == 2 and "report.html" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "report.html"]
    assert (out / "report.html").read_text() == "<p>my own report</p>"


def test_demo_refuses_a_file_as_its_directory(tmp_path, run):
    target = tmp_path / "taken"
    target.write_text("mine")
    result = run("demo", "--output", str(target))
    assert result.exit_code == 2 and target.read_text() == "mine"


def test_an_earlier_assessment_supplies_previous_judgments(example, run):
    data = yaml.safe_load(Path("assessment-2026-h2.yaml").read_text())
    for p in data["priorities"]:
        p.pop("previous", None)
    Path("assessment-2026-h2.yaml").write_text(yaml.safe_dump(data))
    earlier = yaml.safe_load(Path("assessment-2026-h2.yaml").read_text())
    earlier["period"], earlier["date"] = "2026-H1", "2026-04-30"
    earlier["priorities"][1]["agreed"] = {"level": "G", "reason": "Strong start.", "agreed_by": ["Board"]}
    Path("assessment-2026-h1.yaml").write_text(yaml.safe_dump(earlier))
    report = Engine().report(["assessment-2026-h1.yaml", "assessment-2026-h2.yaml"])
    assert report.assessment.period == "2026-H2"
    rows = {p.id: p for p in report.summary.priorities}
    assert rows["attendance"].previous == "G" and rows["attendance"].movement == "down"
    assert {p.id: p.previous for p in report.assessment.priorities}["reading"] == "AG"


def test_reviews_of_two_systems_are_reported_side_by_side(example, run):
    other = yaml.safe_load(Path("capacity-review-2026.yaml").read_text())
    other["system"] = "Eastvale Department of Education"
    Path("eastvale.yaml").write_text(yaml.safe_dump(other))
    report = Engine().report(["capacity-review-2026.yaml", "capacity-review-2024.yaml", "eastvale.yaml"])
    assert [(r.system, r.baseline is not None) for r in report.reviews] == [
        ("Eastvale Department of Education", False), ("Northshire Department of Education", True)]
    html = render_report(report, "html")
    assert Page(html).count("table", "heatmap") == 2
    ids = [a.get("id") for _, a in Page(html).tags if a.get("id")]
    assert len(ids) == len(set(ids)), "two reviews on one page keep their element ids apart"


def test_a_result_keeps_its_own_baseline_and_the_title_can_be_given(example, run):
    assert run("review", "capacity-review-2026.yaml", "--baseline", "capacity-review-2024.yaml",
               "-o", "review.json").exit_code == 0
    earlier = yaml.safe_load(Path("capacity-review-2024.yaml").read_text())
    earlier["date"] = "2025-06-01"
    Path("review-2025.yaml").write_text(yaml.safe_dump(earlier))
    result = run("report", "review.json", "review-2025.yaml", "--title", "Board pack <June>", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["title"] == "Board pack <June>"
    assert data["reviews"][0]["baseline"]["date"] == "2024-10-20"     # the result's own, not the file beside it
    html = run("report", "review.json", "--title", "Board pack <June>").stdout
    assert "<title>Board pack &lt;June&gt;</title>" in html


# -- the "so what": what needs the leader's attention, severity, actions (issue 14, items 15-16) -------


def _slug(heading: str) -> str:
    """The anchor a Markdown renderer (GitHub's rule) gives a heading."""
    return re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", heading.strip().lower()))


def test_priority_sections_follow_the_league_table_worst_first(example, run):
    md = run("report", *DOCUMENTS, "--format", "md").stdout
    sections = re.findall(r"^### (.+): \S+$", md.split("## Priorities", 1)[1].split("## Capacity", 1)[0], re.M)
    assert sections == ["Reduce chronic absence", "On-time graduation", "Grade 3 reading proficiency"]
    html = run("report", *DOCUMENTS, "--format", "html").stdout
    ids = [a["id"] for _, a in Page(html).tags if a.get("id", "").startswith("priority-")]
    assert ids == ["priority-attendance", "priority-graduation", "priority-reading"]


def test_markdown_opens_with_what_needs_attention_each_linked_to_its_section(example, run):
    md = run("report", *DOCUMENTS, "--format", "md").stdout
    assert md.index("## Needs your attention") < md.index("## Summary")
    attention = md.split("## Needs your attention", 1)[1].split("## Summary", 1)[0]
    # The worst, falling and most severe priority, with why.
    line = next(x for x in attention.splitlines() if "Reduce chronic absence" in x)
    assert "R" in line and "down" in line and "crisis" in line
    # Overdue actions: owner, due date, days overdue.
    overdue = next(x for x in attention.splitlines() if "Name an owner for the district strand" in x)
    assert "Director of Student Services" in overdue and "2026-09-30" in overdue and "31 days overdue" in overdue
    assert "Agree the tutoring budget for 2027" in attention and "16 days overdue" in attention
    assert "Redraw the plan" not in attention                       # not due yet
    # The weakest capacity components (the review's lowest level present), with their level.
    assert "Communicate the delivery message: R" in attention
    # Every link leads to a heading of the report.
    headings = {_slug(h) for h in re.findall(r"^#+ (.+)$", md, re.M)}
    links = re.findall(r"\]\(#([^)]+)\)", attention)
    assert links and set(links) <= headings, set(links) - headings


def test_attention_lists_the_most_severe_first_and_a_computed_red_under_an_agreed_level(example, run):
    """An agreed level does not hide what the evidence shows: a priority computed at R but agreed
    at G is on the list, saying both; the crisis comes before the intervention."""
    path = example / "assessment-2026-h2.yaml"
    doc = yaml.safe_load(path.read_text())
    reading = next(p for p in doc["priorities"] if p["id"] == "reading")
    reading["ratings"]["planning"] = {"level": "R"}
    reading["ratings"]["capacity"] = {"level": "R"}
    reading["agreed"] = {"level": "G", "reason": "The minister is confident.", "agreed_by": ["Delivery unit"]}
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    md = run("report", *DOCUMENTS, "--format", "md").stdout
    attention = md.split("## Needs your attention", 1)[1].split("Overdue actions", 1)[0]
    lines = [x for x in attention.splitlines() if x.startswith("- ")]
    assert "Reduce chronic absence" in lines[0] and "crisis" in lines[0], lines
    assert any("Grade 3 reading" in x and "computed R, agreed G" in x for x in lines), lines


def test_two_priorities_with_one_title_and_level_link_to_their_own_sections(example, run):
    """Markdown renderers suffix a repeated heading's anchor (-1, -2, ...) in document order; the
    attention list links each priority to its own section, not both to the first."""
    path = example / "assessment-2026-h2.yaml"
    doc = yaml.safe_load(path.read_text())
    twin = copy.deepcopy(next(p for p in doc["priorities"] if p["id"] == "attendance"))
    twin["id"] = "attendance-twin"
    doc["priorities"].append(twin)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    md = run("report", *DOCUMENTS, "--format", "md").stdout
    attention = md.split("## Needs your attention", 1)[1].split("Overdue actions", 1)[0]
    links = re.findall(r"\[Reduce chronic absence\]\(#([^)]+)\)", attention)
    assert sorted(links) == ["reduce-chronic-absence-r", "reduce-chronic-absence-r-1"], links


def test_html_opens_with_what_needs_attention_each_linked_to_its_section(example, run):
    html = run("report", *DOCUMENTS, "--format", "html").stdout
    page = Page(html)
    ids = [a.get("id") for _, a in page.tags if a.get("id")]
    assert ids.index("attention") < ids.index("summary")
    attention = html.split('<section id="attention">', 1)[1].split("</section>", 1)[0]
    targets = re.findall(r'href="#([^"]+)"', attention)
    assert "priority-attendance" in targets
    assert any(t.startswith("review-1-component-") for t in targets)
    assert set(targets) <= set(ids), set(targets) - set(ids)
    assert "31 days overdue" in attention and "Director of Student Services" in attention
    assert "crisis" in attention


def test_the_report_shows_severity_commentary_and_actions(example, run):
    md = run("report", *DOCUMENTS, "--format", "md").stdout
    summary = md.split("## Summary", 1)[1].split("## Priorities", 1)[0]
    assert "| Severity |" in summary and "**crisis**" in summary
    assert "We recommend crisis routines" in md
    assert "Severity: **crisis**" in md
    assert "**overdue** by 31 days" in md and "**missed**" in md
    html = run("report", *DOCUMENTS, "--format", "html").stdout
    assert '<th scope="col">Severity</th>' in html
    assert html.count('class="overdue"') >= 2 and "We recommend crisis routines" in html


def test_demo_shows_severity_and_the_attention_section(tmp_path, run):
    out = tmp_path / "demo"
    assert run("demo", "--output", str(out)).exit_code == 0
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "## Needs your attention" in md and "Severity: **crisis**" in md
    result = json.loads((out / "results" / "assessment.json").read_text(encoding="utf-8"))
    assert {p["id"]: p["severity"]["judgment"]["rating"] for p in result["priorities"]}["attendance"] == "crisis"


# -- the demo's history ledger (issue 16, "done when") -----------------------------------------------


@pytest.fixture(scope="module")
def demo_ledger(tmp_path_factory) -> Path:
    from click.testing import CliRunner

    from stocktake.cli import cli

    out = tmp_path_factory.mktemp("demo-ledger")
    result = CliRunner().invoke(cli, ["demo", "--output", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_demo_records_both_reviews_both_periods_and_the_chains(demo_ledger):
    from stocktake.ledger import open_ledger

    with open_ledger(str(demo_ledger / "ledger.sqlite"), create=False) as ledger:
        runs = [(r.command, r.date if r.command != "chain" else None, r.period) for r in ledger.runs()]
    assert runs == [("review", "2024-10-20", None), ("judge", "2026-04-30", "2026-H1"),
                    ("review", "2026-10-15", None), ("judge", "2026-10-31", "2026-H2"),
                    ("chain", None, None), ("chain", None, None), ("chain", None, None)]


def test_demo_report_shows_the_trends_from_its_ledger(demo_ledger):
    text = (demo_ledger / "report.md").read_text()
    assert "| Reduce chronic absence | 2026-H1 AR -> 2026-H2 R |" in text
    assert "| Grade 3 reading proficiency | 2026-H1 AG -> 2026-H2 AG |" in text
    assert "| Component | 2024-10-20 | 2026-10-15 |" in text
    html = (demo_ledger / "report.html").read_text()
    assert html.count('<svg class="trend"') == 3 and '<a href="#trends">Trends</a>' in html
    report = Engine().load(demo_ledger / "report.json").model
    assert [t.subject for t in report.trends][:3] == [f"priority:{p.id}" for p in report.summary.priorities]
    assert all(len(t.points) == 2 for t in report.trends)


def test_demo_ledger_verifies_and_replays_and_a_tampered_copy_fails(demo_ledger, tmp_path, run):
    import sqlite3
    import zlib

    ledger = str(demo_ledger / "ledger.sqlite")
    assert run("--ledger", ledger, "ledger", "verify").exit_code == 0
    from stocktake.ledger import open_ledger

    with open_ledger(ledger, create=False) as opened:
        runs = opened.runs()
    for r in runs:
        replayed = run("--ledger", ledger, "ledger", "replay", r.run_id)
        assert replayed.exit_code == 0 and "bytes identical" in replayed.stdout, replayed.stderr

    edited = tmp_path / "edited.sqlite"
    shutil.copy(ledger, edited)
    with sqlite3.connect(edited) as db:
        db.execute("UPDATE entries SET level = 'G' WHERE subject = 'priority:attendance' AND aspect = 'likelihood'")
    result = run("--ledger", str(edited), "ledger", "verify")
    assert result.exit_code == 2 and "priority:attendance" in result.stderr

    swapped = tmp_path / "swapped.sqlite"
    shutil.copy(ledger, swapped)
    judged = next(r for r in runs if r.period == "2026-H2")
    with sqlite3.connect(swapped) as db:
        (data,) = db.execute("SELECT data FROM blobs WHERE sha256 = ?", (judged.result_sha256,)).fetchone()
        forged = zlib.decompress(data).replace(b'"rating": "R"', b'"rating": "AR"', 1)
        db.execute("UPDATE blobs SET data = ? WHERE sha256 = ?", (zlib.compress(forged), judged.result_sha256))
    assert run("--ledger", str(swapped), "ledger", "verify").exit_code == 2
    assert run("--ledger", str(swapped), "ledger", "replay", judged.run_id).exit_code == 2


def test_demo_never_records_into_a_ledger_it_did_not_create(tmp_path, run):
    out = tmp_path / "demo"
    out.mkdir()
    (out / "ledger.sqlite").write_bytes(b"someone else's database")
    result = run("demo", "--output", str(out))
    assert result.exit_code == 2 and "ledger.sqlite" in result.stderr and "nothing was written" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["ledger.sqlite"]


def test_demo_interrupted_while_writing_its_outputs_runs_again(tmp_path, run, monkeypatch):
    """The manifest vouches for each output before it is written, so a run stopped half-way (here:
    after it rewrote report.html) does not make the next run refuse the files it wrote."""
    from stocktake import demo
    from stocktake.core import output

    out = tmp_path / "demo"
    assert run("demo", "--output", str(out)).exit_code == 0
    older = b"<p>the report an older demo wrote</p>\n"
    (out / "report.html").write_bytes(older)
    manifest = json.loads((out / ".stocktake-demo.json").read_text())
    manifest["report.html"] = hashlib.sha256(older).hexdigest()
    (out / ".stocktake-demo.json").write_text(json.dumps(manifest))
    real = output.write_output

    def stop_after_the_html(content, target):
        real(content, target)
        if str(target).endswith("report.html"):
            raise KeyboardInterrupt
    monkeypatch.setattr(output, "write_output", stop_after_the_html)
    with pytest.raises(KeyboardInterrupt):
        demo.run_demo(Engine(), out)
    monkeypatch.setattr(output, "write_output", real)
    assert (out / "report.html").read_bytes() != older  # rewritten before the interruption
    again = run("demo", "--output", str(out))
    assert again.exit_code == 0, again.stderr
