"""The ratings template: written by `stocktake template`, filled by a spreadsheet library as a
reviewer would, and read back by a review's ratings_file unchanged."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from review_helpers import REVIEWERS, component, review, write

from stocktake.testing import make_engine

openpyxl = pytest.importorskip("openpyxl", reason="openpyxl fills the templates as a reviewer would")


@pytest.fixture(scope="module")
def engine():
    return make_engine()


def fill(path: Path, levels: dict[tuple[str, str], tuple[str, str, str]]) -> None:
    """Fill the rows layout's level, rationale and evidence of (component, reviewer) and save."""
    book = openpyxl.load_workbook(path)
    sheet = book["ratings"]
    header = [c.value for c in sheet[1]]
    col = {name: header.index(name) for name in header}
    for row in sheet.iter_rows(min_row=2):
        key = (row[col["component"]].value, row[col["reviewer"]].value)
        if key in levels:
            level, rationale, evidence = levels[key]
            row[col["level"]].value, row[col["rationale"]].value, row[col["evidence"]].value = level, rationale, evidence
    book.save(path)


def test_a_filled_template_is_scored_unchanged(run, engine, tmp_path):
    out = tmp_path / "ratings.xlsx"
    result = run("template", "delivery-capacity-review", "--reviewers", "du,ind", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[0] == "Instructions" and "ratings" in book.sheetnames
    sheet = book["ratings"]
    assert sheet.max_row == 1 + 15 * 2  # one row per component and reviewer
    validations = sheet.data_validations.dataValidation
    assert validations and all(v.formula1 == '"G,AG,AR,R"' for v in validations)
    assert "A small number of ambitious aspirations" in sheet["I2"].value  # the descriptors beside the row
    fill(out, {("reform-strategy", "du"): ("R", "No theory of change.", "E1"),
               ("reform-strategy", "ind"): ("AR", "Some analysis.", "E1; E2")})
    scored = engine.review(write(tmp_path / "review.json", review([], ratings_file="ratings.xlsx")))
    reform = component(scored, "reform-strategy")
    assert [(i.name, i.value, i.evidence) for i in reform.inputs] == [("du", "R", ["E1"]), ("ind", "AR", ["E1", "E2"])]
    assert component(scored, "define-aspiration").state == "not-rated"


def test_the_matrix_layout_is_read_by_its_header(run, engine, tmp_path):
    doc = write(tmp_path / "review.json", review([], ratings_file="ratings.xlsx"))
    out = tmp_path / "ratings.xlsx"
    assert run("template", "delivery-capacity-review", "--review", str(doc), "--layout", "matrix",
               "-o", str(out)).exit_code == 0
    book = openpyxl.load_workbook(out)
    sheet = book["ratings"]
    header = [c.value for c in sheet[1]]
    assert {"du", "du rationale", "du evidence", "self", "ind"} <= set(header) and "reviewer" not in header
    assert "evidence" in book.sheetnames  # the review's evidence ids, listed for the reviewers
    row = next(r for r in sheet.iter_rows(min_row=2) if r[header.index("component")].value == "reform-strategy")
    row[header.index("du")].value, row[header.index("du evidence")].value = "R", "E1"
    row[header.index("ind")].value = "Amber-Green"
    book.save(out)
    reform = component(engine.review(doc), "reform-strategy")
    assert [(i.name, i.value, i.evidence) for i in reform.inputs] == [("du", "R", ["E1"]), ("ind", "AG", [])]


def test_a_csv_template_round_trips(run, engine, tmp_path):
    result = run("template", "delivery-capacity-review", "--reviewers", "du", "-o", "-")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    header = rows[0]
    for row in rows[1:]:
        if row[header.index("component")] == "reform-strategy":
            row[header.index("level")] = "AG"
    with (tmp_path / "ratings.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    scored = engine.review(write(tmp_path / "review.json", review([], ratings_file="ratings.csv")))
    assert component(scored, "reform-strategy").rating == "AG"


@pytest.mark.parametrize("layout", ["rows", "matrix"])
def test_the_same_request_gives_the_same_bytes(run, tmp_path, layout):
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    for out in (first, second):
        assert run("template", "delivery-capacity-review", "--reviewers", "du,ind", "--layout", layout,
                   "-o", str(out)).exit_code == 0
    assert first.read_bytes() == second.read_bytes()


def test_criteria_are_rated_in_place_of_their_component(engine):
    from stocktake.review.template import template_items

    rubric = engine.rubric_from("likelihood-of-delivery")
    items = template_items(rubric)
    with_criteria = [c for c in rubric.components() if c.criteria]
    assert with_criteria
    ids = [i.component for i in items]
    for parent in with_criteria:
        assert parent.id not in ids and all(k.id in ids for k in parent.criteria)


def test_an_existing_file_is_not_replaced_without_force(run, tmp_path):
    out = tmp_path / "ratings.xlsx"
    out.write_bytes(b"a reviewer's filled workbook")
    result = run("template", "delivery-capacity-review", "--reviewers", "du", "-o", str(out))
    assert result.exit_code == 2 and "pass --force" in result.stderr
    assert out.read_bytes() == b"a reviewer's filled workbook"
    assert run("template", "delivery-capacity-review", "--reviewers", "du", "-o", str(out), "--force").exit_code == 0


def test_the_reviews_own_ratings_file_is_never_replaced_even_with_force(run, tmp_path):
    filled = tmp_path / "ratings.xlsx"
    filled.write_bytes(b"the reviewers' filled workbook")
    doc = write(tmp_path / "review.json", review([], ratings_file="ratings.xlsx"))
    result = run("template", "delivery-capacity-review", "--review", str(doc), "-o", str(filled), "--force")
    assert result.exit_code == 2 and "is the ratings_file" in result.stderr
    assert filled.read_bytes() == b"the reviewers' filled workbook"


BAD = {
    "unknown rubric": (["nope", "--reviewers", "du", "-o", "r.xlsx"], "no rubric 'nope' is installed"),
    "reviewers with spaces": (["delivery-capacity-review", "--reviewers", "du ind", "-o", "r.xlsx"],
                              "--reviewers: expected reviewer ids separated by commas"),
    "reviewers with semicolons": (["delivery-capacity-review", "--reviewers", "du;ind", "-o", "r.xlsx"],
                                  "found 'du;ind'"),
    "an unsupported suffix": (["delivery-capacity-review", "--reviewers", "du", "-o", "r.ods"],
                              "--output: expected a name ending .xlsx or .csv, found 'r.ods'"),
    "no output": (["delivery-capacity-review", "--reviewers", "du"], "expected --output ratings.xlsx"),
    "no reviewers": (["delivery-capacity-review", "-o", "r.xlsx"], "expected --reviewers ID,... or --review"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_requests_are_usage_errors(run, tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    args, message = BAD[name]
    result = run("template", *args)
    assert result.exit_code == 2 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_reviewers_not_in_the_review_and_a_bad_review_are_located(run, tmp_path):
    doc = write(tmp_path / "review.json", review([]))
    result = run("template", "delivery-capacity-review", "--review", str(doc), "--reviewers", "du,zed",
                 "-o", str(tmp_path / "r.xlsx"))
    assert result.exit_code == 2 and "found 'zed'" in result.stderr and "du, self, ind" in result.stderr
    broken = review([])
    broken["reviewers"] = [*REVIEWERS, {"id": "x", "name": "X", "role": "boss"}]
    bad = write(tmp_path / "bad.json", broken)
    result = run("template", "delivery-capacity-review", "--review", str(bad), "-o", str(tmp_path / "r.xlsx"))
    assert result.exit_code == 2 and f"{bad}:" in result.stderr and "$.reviewers[3].role" in result.stderr, \
        result.stderr
