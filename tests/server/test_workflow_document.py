"""The round trip: the review the workflow holds, downloaded as the CapacityReview YAML (and its
ratings table), is read by ``stocktake review`` and scores exactly as the service's ``scored()``."""

from __future__ import annotations

import json

import openpyxl
import pytest
import yaml
from workflow_fixtures import APPROVER, MODERATOR, REVIEW, VIEWER, rated_review, service_on

from stocktake.ledger.recording import result_json


def judgments(result_text: str) -> list[dict]:
    return json.loads(result_text)["judgments"]


@pytest.fixture
def accepted(tmp_path):
    service = service_on(tmp_path)
    rated_review(service, submit=("du", "peer"))  # leaders' ratings stay a draft: not in the document
    service.agree(MODERATOR, REVIEW, "1B", level="R", reason="the focus groups outweigh the newsletter")
    service.transition(MODERATOR, REVIEW, "submit")
    service.transition(APPROVER, REVIEW, "accept")
    return service


def test_the_downloaded_yaml_scores_as_the_service_does(accepted, tmp_path, run, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = accepted.document_yaml(VIEWER, REVIEW)
    (tmp_path / "review.yaml").write_text(text, encoding="utf-8")
    result = run("review", "review.yaml", "-o", "result.json")
    assert result.exit_code == 0, result.stderr
    scored = result_json(accepted.scored(VIEWER, REVIEW)).decode()
    cli = (tmp_path / "result.json").read_text(encoding="utf-8")
    assert judgments(cli) == judgments(scored)
    assert json.loads(cli)["summary"] == json.loads(scored)["summary"]
    document = yaml.safe_load(text)
    assert {r["reviewer"] for r in document["ratings"]} == {"du", "peer"}
    assert document["judgments"] == [{"component": "review-state-of-delivery", "level": "R",
                                      "reason": "the focus groups outweigh the newsletter",
                                      "agreed_by": ["du", "peer"]}]
    model = accepted.document(VIEWER, REVIEW)
    assert model.system == document["system"] and len(model.ratings) == len(document["ratings"])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_ratings_table_read_back_as_the_ratings_file_scores_the_same(accepted, tmp_path, run, monkeypatch, fmt):
    monkeypatch.chdir(tmp_path)
    document = yaml.safe_load(accepted.document_yaml(VIEWER, REVIEW))
    ratings = document.pop("ratings")
    document["ratings_file"] = f"ratings.{fmt}"
    (tmp_path / "review.yaml").write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    (tmp_path / f"ratings.{fmt}").write_bytes(accepted.ratings_table(VIEWER, REVIEW, fmt))
    result = run("review", "review.yaml", "-o", "result.json")
    assert result.exit_code == 0, result.stderr
    scored = result_json(accepted.scored(VIEWER, REVIEW)).decode()
    assert judgments((tmp_path / "result.json").read_text(encoding="utf-8")) == judgments(scored)
    if fmt == "xlsx":  # a real spreadsheet library reads the levels where the template puts them
        sheet = openpyxl.load_workbook(tmp_path / "ratings.xlsx")["ratings"]
        header = [c.value for c in sheet[1]]
        rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
        filled = {(r["component"], r["reviewer"], r["level"]) for r in rows if r["level"]}
        assert filled == {(r["component"], r["reviewer"], r["level"]) for r in ratings}


def test_the_same_review_gives_the_same_bytes(accepted):
    assert accepted.document_yaml(VIEWER, REVIEW) == accepted.document_yaml(MODERATOR, REVIEW)
    assert accepted.ratings_table(VIEWER, REVIEW, "xlsx") == accepted.ratings_table(APPROVER, REVIEW, "xlsx")


def test_the_scored_review_is_byte_for_byte_the_command_line_s_on_the_downloaded_file(accepted, tmp_path, run,
                                                                                      monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / f"{REVIEW}.yaml").write_text(accepted.document_yaml(VIEWER, REVIEW), encoding="utf-8")
    result = run("review", f"{REVIEW}.yaml", "-o", "result.json")
    assert result.exit_code == 0, result.stderr
    scored = result_json(accepted.scored(VIEWER, REVIEW))
    assert json.loads(scored)["inputs"][0]["path"] == f"{REVIEW}.yaml"
    assert scored == (tmp_path / "result.json").read_bytes()
