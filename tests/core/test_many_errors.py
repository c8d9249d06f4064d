"""Every mistake of a document at once (issue 15, item 4), and the messages around it that say
what to write instead (item 5) where a case file cannot hold them (the command line, workbooks,
JSON Lines)."""

from __future__ import annotations

import json
import pickle
import re

import pytest

from stocktake.core.errors import DocumentError, DocumentErrors
from stocktake.testing import make_engine

REVIEW = """\
kind: CapacityReview
schema_version: 1
rubric: {id: delivery-capacity-review, version: "1.0.0"}
system: Northshire
date: 2026-06-30
reviewers:
  - {id: du, name: Delivery unit, role: delivery-unit}
  - {id: peer, name: Peer, role: independent}
evidence:
  - {id: interviews, kind: interview, source: Interviews}
  - {id: survey, kind: survey, source: Survey}
ratings:
  - {component: 1A, reviewer: du, level: G, evidence: [interview]}
  - {component: 1Z, reviewer: du, level: G}
  - {component: 1B, reviewer: pere, level: G}
  - {component: 1C, reviewer: peer, level: G, evidence: [surveys]}
"""

WRONG_LINES = [13, 14, 15, 16]


def _lines(result) -> list[str]:
    return result.stderr.strip().splitlines()


def _line_numbers(lines: list[str]) -> list[int]:
    return [int(re.match(r"error: [^:]+:(\d+):", line).group(1)) for line in lines]


def test_four_reference_mistakes_of_a_review_are_four_located_lines_in_file_order(run, tmp_path):
    doc = tmp_path / "review.yaml"
    doc.write_text(REVIEW, encoding="utf-8")
    result = run("validate", str(doc))
    assert result.exit_code == 2
    lines = _lines(result)
    assert len(lines) == 4, lines
    assert _line_numbers(lines) == WRONG_LINES
    assert "found 'interview' (did you mean 'interviews'?)" in lines[0]
    assert "$.ratings[1].component" in lines[1]
    assert "found 'pere' (did you mean 'peer'?)" in lines[2]
    assert "found 'surveys' (did you mean 'survey'?)" in lines[3]


def test_mistakes_of_shape_are_reported_together_in_file_order(run, tmp_path):
    doc = tmp_path / "rubric.yaml"
    doc.write_text("kind: Rubric\nschema_version: 1\nid: bad id\nversion: 1.10\ncolour: red\n"
                   "title: [x]\nscale: delivery\n", encoding="utf-8")
    result = run("validate", str(doc))
    assert result.exit_code == 2
    lines = _lines(result)
    assert [line.split(": $")[0].rsplit(":", 2)[-2] for line in lines] == ["1", "3", "4", "5", "6"], lines
    assert "expected property 'sections'" in lines[0]
    assert "$.id:" in lines[1] and "$.version:" in lines[2] and "$.colour:" in lines[3] and "$.title:" in lines[4]


def test_past_the_limit_one_line_says_how_many_more(run, tmp_path):
    ratings = "".join(f"  - {{component: 1A, reviewer: nobody{i}, level: G}}\n" for i in range(25))
    doc = tmp_path / "review.yaml"
    doc.write_text(REVIEW.split("ratings:")[0] + "ratings:\n" + ratings, encoding="utf-8")
    lines = _lines(run("validate", str(doc)))
    assert len(lines) == 21
    assert _line_numbers(lines[:20]) == list(range(13, 33))
    assert lines[20] == f"error: {doc}: and 5 more errors (--max-errors to see more)"
    fewer = _lines(run("--max-errors", "3", "validate", str(doc)))
    assert len(fewer) == 4 and fewer[3].endswith("and 22 more errors (--max-errors to see more)")
    assert len(_lines(run("--max-errors", "100", "validate", str(doc)))) == 25


def test_the_api_holds_every_error(tmp_path):
    doc = tmp_path / "review.yaml"
    doc.write_text(REVIEW, encoding="utf-8")
    with pytest.raises(DocumentError) as caught:
        make_engine().load(doc)
    err = caught.value
    assert isinstance(err, DocumentErrors)
    assert [e.line for e in err.errors] == WRONG_LINES
    assert err.line == WRONG_LINES[0] and err.file == str(doc)  # it reads as its first error
    (outcome,) = make_engine().validate([doc])
    assert isinstance(outcome.error, DocumentErrors) and len(outcome.error.errors) == 4
    again = pickle.loads(pickle.dumps(err))  # errors cross process boundaries in --jobs
    assert str(again) == str(err)


def test_errors_in_a_ratings_table_are_reported_with_the_documents(run, tmp_path):
    (tmp_path / "ratings.csv").write_text(
        "component,reviewer,level\n1A,du,G\n1B,nobody,G\n1C,du,Purple\n", encoding="utf-8")
    doc = tmp_path / "review.yaml"
    doc.write_text(REVIEW.split("ratings:")[0].replace("date: 2026-06-30", "date: 2026-06-30\nratings_file: ratings.csv")
                   + "ratings:\n  - {component: 1D, reviewer: du, level: Gold}\n", encoding="utf-8")
    lines = _lines(run("validate", str(doc)))
    assert len(lines) == 3, lines
    assert lines[0].startswith(f"error: {doc}:14:") and "'Gold'" in lines[0]
    assert lines[1].startswith(f"error: {tmp_path / 'ratings.csv'}, cell B3 (reviewer):") and "'nobody'" in lines[1]
    assert lines[2].startswith(f"error: {tmp_path / 'ratings.csv'}, cell C4 (level):") and "'Purple'" in lines[2]


ASSESSMENT = {
    "kind": "DeliveryAssessment", "schema_version": 1, "period": "2026-H2", "date": "2026-10-31",
    "evidence": [{"id": "E1", "kind": "data", "source": "Results"}],
}


def _priority(pid: str, **changes: object) -> dict:
    return {"id": pid, "title": pid, "metric": {"name": "M", "unit": "%", "direction": "increase"},
            "baseline": {"date": "2025-01-01", "value": 10}, "target": {"date": "2027-01-01", "value": 20},
            **changes}


def test_several_bad_priorities_of_an_assessment_are_all_reported(tmp_path):
    doc = tmp_path / "assessment.json"
    doc.write_text(json.dumps({**ASSESSMENT, "priorities": [
        _priority("p1", ratings={"stage": 9}),
        _priority("p2"),
        _priority("p3", ratings={"planning": {"level": "AG", "evidence": ["E2"]}, "challenge": "Huge"}),
        _priority("p4", target={"date": "2027-01-01", "value": "1,5"}),
    ]}, indent=1), encoding="utf-8")
    with pytest.raises(DocumentErrors) as caught:
        make_engine().load(doc)
    paths = [str(e).split(": ")[1] for e in caught.value.errors]
    assert paths == ["$.priorities[0].ratings.stage", "$.priorities[2].ratings.planning.evidence[0]",
                     "$.priorities[2].ratings.challenge", "$.priorities[3].target.value"]
    assert [e.line for e in caught.value.errors] == sorted(e.line for e in caught.value.errors)


def test_a_json_lines_batch_reports_its_first_bad_line_and_accepts_short_forms(run, tmp_path):
    batch = tmp_path / "batch.jsonl"
    good = _priority("p1", ratings={"planning": "AG", "stage": 3, "capacity": {"criteria": {"delivery-chain": "G"}}})
    batch.write_text(json.dumps(good) + "\n", encoding="utf-8")
    out = run("judge", str(batch), "--period", "2026-H2", "--as-of", "2026-10-31", "--format", "jsonl")
    assert out.exit_code == 0, out.stderr
    batch.write_text("".join(json.dumps(p) + "\n" for p in [
        good, _priority("p2", ratings={"stage": 9}), _priority("p3", ratings={"stage": 8})]), encoding="utf-8")
    out = run("judge", str(batch), "--period", "2026-H2", "--as-of", "2026-10-31", "--format", "jsonl")
    assert out.exit_code == 2
    (line,) = _lines(out)
    assert line.startswith(f"error: {batch}:2:") and "found 9" in line
    batch.write_text(json.dumps(_priority("p4", ratings={"stage": [3]})) + "\n", encoding="utf-8")
    out = run("judge", str(batch), "--period", "2026-H2", "--as-of", "2026-10-31", "--format", "jsonl")
    (line,) = _lines(out)
    assert f"{batch}:1:" in line and "$.ratings.stage: expected a mapping or text or an integer, found a list" in line, line


def test_a_workbook_given_as_a_document_says_what_validate_reads(run, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.append(["component", "reviewer", "level"])
    for name in ("ratings.xlsx", "ratings.yaml"):  # the name does not hide what it is
        book.save(tmp_path / name)
        (line,) = _lines(run("validate", str(tmp_path / name)))
        assert "found a spreadsheet (XLSX)" in line, line
        assert "expected a YAML or JSON document" in line and "ratings_file" in line


@pytest.mark.parametrize("option", [["--rubric-path", "rubrics/"], ["--rubric-path=rubrics/"], ["--debug"]])
def test_a_global_option_after_the_command_says_it_goes_before(run, tmp_path, option):
    doc = tmp_path / "review.yaml"
    doc.write_text(REVIEW, encoding="utf-8")
    result = run("review", str(doc), *option)
    assert result.exit_code == 2
    name = option[0].split("=")[0]
    assert f"{name} is an option of stocktake itself, not of review: give it before the command" in result.stderr
    assert f"stocktake {name}" in result.stderr


def test_an_unknown_option_of_no_one_keeps_clicks_message(run, tmp_path):
    result = run("validate", "x.yaml", "--colour")
    assert result.exit_code == 2 and "No such option" in result.stderr


def test_a_misspelt_property_suggests_the_one_meant_and_its_absence_is_reported_too(run, tmp_path):
    doc = tmp_path / "rubric.yaml"
    doc.write_text("kind: Rubric\nschema_version: 1\nid: mini\nversion: '1.0'\ntitel: Mini\nscale: delivery\n"
                   "sections: [{id: s1, title: S, components: [{id: c1, title: C, key_questions: [Q?], "
                   "descriptors: {G: g, R: r}}]}]\n", encoding="utf-8")
    lines = _lines(run("validate", str(doc)))
    assert len(lines) == 2, lines
    assert "rubric.yaml:1:1: $: expected property 'title', found a mapping without it" in lines[0]
    assert "rubric.yaml:5:1: $.titel:" in lines[1] and "found unknown property 'titel' (did you mean 'title'?)" in lines[1]


def test_every_repeated_id_is_reported(tmp_path):
    doc = tmp_path / "review.yaml"
    doc.write_text(REVIEW.split("ratings:")[0].replace(
        "  - {id: peer, name: Peer, role: independent}\n",
        "  - {id: peer, name: Peer, role: independent}\n  - {id: DU, name: Again, role: independent}\n"
        "  - {id: peer, name: Again, role: independent}\n") + "  - {id: survey, kind: data, source: Again}\n",
        encoding="utf-8")
    with pytest.raises(DocumentErrors) as caught:
        make_engine().load(doc)
    assert [(e.line, e.found) for e in caught.value.errors] == [
        (9, "'DU', the same as 'du' apart from case"), (10, "'peer' again"), (14, "'survey' again")]


MANY = """\
kind: CapacityReview
schema_version: 1
rubric: {id: delivery-capacity-review, version: "1.0.0"}
system: Test
date: 2026-06-30
reviewers:
  - {id: du, name: Delivery unit, role: delivery-unit}
  - {id: du, name: Delivery unit, role: delivry-unit}
evidence:
  - {id: É1, kind: interview, source: x, date: 2026-8-1, summary: y}
ratings:
  - {component: 1Z, reviewer: dux, level: Amber, evidence: [E2]}
  - {component: 1A, reviewer: du, level: AG, evidence: [E1]}
  - {component: 1A, reviewer: du, level: AG}
"""


def test_references_are_reported_with_the_mistakes_of_shape(run, tmp_path):
    """Nine mistakes, of shape (a role, an id, a date) and of reference (a repeated reviewer id, an
    unknown component, reviewer and evidence ids, a second rating): nine lines in one run."""
    doc = tmp_path / "review.yaml"
    doc.write_text(MANY, encoding="utf-8")
    lines = _lines(run("validate", str(doc)))
    assert [line.split(": expected")[0].rsplit(": ", 1)[1] for line in lines] == [
        "$.reviewers[1].id", "$.reviewers[1].role", "$.evidence[0].id", "$.evidence[0].date",
        "$.ratings[0].component", "$.ratings[0].reviewer", "$.ratings[0].evidence[0]",
        "$.ratings[1].evidence[0]", "$.ratings[2]"], lines
    assert _line_numbers(lines) == [8, 8, 10, 10, 12, 12, 12, 13, 14]
    assert "found 'du' again" in lines[0]
    assert "found 'dux' (did you mean 'du'?)" in lines[5]
    assert lines[8].endswith("found a second rating by 'du' of 'define-aspiration' (first at $.ratings[1])")


def test_a_judgment_findings_and_actions_are_checked_with_the_mistakes_of_shape(tmp_path):
    doc = tmp_path / "review.yaml"
    doc.write_text(REVIEW.replace("date: 2026-06-30", "date: 30/06/2026").split("ratings:")[0] + """\
judgments:
  - {component: 1A, level: Purple, reason: agreed, agreed_by: [du, nobody]}
  - {component: 1B, level: G, reason: agreed, agreed_by: [du]}
  - {component: 1B, level: R, reason: again, agreed_by: [du]}
findings:
  - {text: a finding, components: [1A, 9Z]}
actions:
  - {text: an action, component: 8Q}
""", encoding="utf-8")
    with pytest.raises(DocumentErrors) as caught:
        make_engine().load(doc)
    assert [(e.line, e.path) for e in caught.value.errors] == [
        (5, ("date",)), (13, ("judgments", 0, "level")), (13, ("judgments", 0, "agreed_by", 1)),
        (15, ("judgments", 2, "component")), (17, ("findings", 0, "components", 1)), (19, ("actions", 0, "component"))]
