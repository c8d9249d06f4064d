"""Workbooks as people make them: an Instructions sheet first, a sheet chosen by name, notes
columns, and every mistake named by its sheet and cell as a spreadsheet shows it."""

from __future__ import annotations

from pathlib import Path

import pytest
from review_helpers import component, review, write

from stocktake.core.errors import DocumentError
from stocktake.testing import make_engine

openpyxl = pytest.importorskip("openpyxl", reason="openpyxl writes the workbooks as a spreadsheet program would")

HEADER = ["component", "reviewer", "level", "rationale", "evidence"]


@pytest.fixture(scope="module")
def engine():
    return make_engine()


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def error(engine, doc: Path) -> str:
    with pytest.raises(DocumentError) as caught:
        engine.review(doc)
    return str(caught.value)


def test_the_sheet_named_ratings_is_read_after_instructions(engine, tmp_path):
    workbook(tmp_path / "r.xlsx", {"Instructions": [["component: write it here"]],
                                   "Ratings": [HEADER, ["3A", "du", "R", "x", "E1"]]})
    doc = write(tmp_path / "review.json", review([], ratings_file="r.xlsx"))
    assert component(engine.review(doc), "reform-strategy").rating == "R"


def test_else_the_first_sheet_whose_header_fits(engine, tmp_path):
    workbook(tmp_path / "r.xlsx", {"Read me": [["How to fill this in"]], "Team A": [HEADER, ["3A", "du", "AG"]]})
    doc = write(tmp_path / "review.json", review([], ratings_file="r.xlsx"))
    assert component(engine.review(doc), "reform-strategy").rating == "AG"


def test_ratings_sheet_chooses_the_sheet(engine, tmp_path):
    workbook(tmp_path / "r.xlsx", {"ratings": [HEADER, ["3A", "du", "R"]], "final": [HEADER, ["3A", "du", "G"]]})
    doc = write(tmp_path / "review.json", review([], ratings_file="r.xlsx", ratings_sheet="Final"))
    assert component(engine.review(doc), "reform-strategy").rating == "G"


def test_a_missing_sheet_is_located_at_the_field_listing_the_sheets(engine, tmp_path):
    workbook(tmp_path / "r.xlsx", {"Instructions": [["x"]], "ratings": [HEADER]})
    doc = write(tmp_path / "review.json", review([], ratings_file="r.xlsx", ratings_sheet="Ratings 2026"))
    message = error(engine, doc)
    assert message.startswith(f"{doc}:") and "$.ratings_sheet" in message
    assert "expected the name of a sheet in r.xlsx ('Instructions', 'ratings'), found 'Ratings 2026'" in message


def test_no_sheet_that_fits_lists_the_sheets(engine, tmp_path):
    workbook(tmp_path / "r.xlsx", {"Instructions": [["x"]], "Sheet2": [["name", "level"]]})
    message = error(engine, write(tmp_path / "review.json", review([], ratings_file="r.xlsx")))
    assert "r.xlsx: $: expected a sheet named 'ratings' or one whose first row is the table's header" in message
    assert "found sheets 'Instructions', 'Sheet2'" in message


def test_a_csv_has_no_sheets(engine, tmp_path):
    (tmp_path / "r.csv").write_text("component,reviewer,level\n3A,du,R\n")
    doc = write(tmp_path / "review.json", review([], ratings_file="r.csv", ratings_sheet="ratings"))
    assert "$.ratings_sheet: expected no 'ratings_sheet' for a CSV file" in error(engine, doc)


def test_declared_notes_columns_are_read_past_and_others_are_errors(engine, tmp_path):
    rows = [[*HEADER, "Comment", "title"], ["3A", "du", "R", "x", "E1", "ask Sam", "Reform strategy"]]
    workbook(tmp_path / "r.xlsx", {"ratings": rows})
    doc = write(tmp_path / "review.json", review([], ratings_file="r.xlsx", ratings_notes=["comment"]))
    assert component(engine.review(doc), "reform-strategy").rating == "R"
    message = error(engine, write(tmp_path / "review.json", review([], ratings_file="r.xlsx")))
    assert "r.xlsx, sheet ratings, cell F1 (header): expected columns from" in message
    assert "(or list it under 'ratings_notes'), found column 'comment'" in message


def test_a_bad_value_is_named_by_sheet_and_cell(engine, tmp_path):
    rows = [HEADER, *[["3A", "du", "R"]] * 0, ["1A", "du", "G"], ["2A", "du", "G"], ["3A", "du", "Purple"]]
    workbook(tmp_path / "r.xlsx", {"Instructions": [["x"]], "ratings": rows})
    message = error(engine, write(tmp_path / "review.json", review([], ratings_file="r.xlsx")))
    assert message.startswith(f"{tmp_path / 'r.xlsx'}, sheet ratings, cell C4 (level): expected a level of scale "
                              "'delivery' (G, AG, AR or R), found 'Purple'"), message


def test_an_empty_required_cell_reaches_validation_and_its_cell(engine, tmp_path):
    workbook(tmp_path / "r.xlsx", {"ratings": [HEADER, ["3A", "", "R", "rated by whom?"]]})
    message = error(engine, write(tmp_path / "review.json", review([], ratings_file="r.xlsx")))
    assert message.endswith("r.xlsx, sheet ratings, cell B2 (reviewer): expected a value in column 'reviewer', "
                            "found an empty cell"), message


def test_an_unfilled_template_row_is_not_a_rating(engine, tmp_path):
    workbook(tmp_path / "r.xlsx", {"ratings": [[*HEADER, "title"], ["3A", "du", "", "", "", "Reform strategy"]]})
    doc = write(tmp_path / "review.json", review([], ratings_file="r.xlsx"))
    assert component(engine.review(doc), "reform-strategy").state == "not-rated"


def test_a_duplicate_names_the_other_row(engine, tmp_path):
    workbook(tmp_path / "r.xlsx", {"ratings": [HEADER, ["3A", "du", "R"], ["1A", "du", "G"], ["3a", "du", "G"]]})
    message = error(engine, write(tmp_path / "review.json", review([], ratings_file="r.xlsx")))
    assert ", sheet ratings, row 4: expected one rating per reviewer per component" in message, message
    assert "(first at row 2)" in message and "$.ratings" not in message


def test_a_duplicate_of_an_inline_rating_names_the_document(engine, tmp_path):
    (tmp_path / "r.csv").write_text("component,reviewer,level\n3A,du,R\n")
    inline = [{"component": "3A", "reviewer": "du", "level": "G"}]
    message = error(engine, write(tmp_path / "review.json", review(inline, ratings_file="r.csv")))
    assert "r.csv, row 2: expected one rating per reviewer per component" in message
    assert "(first at $.ratings[0] in review.json)" in message, message


def test_a_csv_record_after_a_multi_line_cell_is_named_by_its_row_and_line(engine, tmp_path):
    (tmp_path / "r.csv").write_text('component,reviewer,level,rationale\n1A,du,G,"two\nlines"\n3A,du,Purple,x\n')
    message = error(engine, write(tmp_path / "review.json", review([], ratings_file="r.csv")))
    assert "r.csv, cell C3 (line 4) (level): expected a level" in message, message


def test_a_matrix_header_with_an_unknown_reviewer_lists_the_reviewers(engine, tmp_path):
    workbook(tmp_path / "r.xlsx", {"ratings": [["component", "du", "zed"], ["3A", "R", "G"]]})
    message = error(engine, write(tmp_path / "review.json", review([], ratings_file="r.xlsx")))
    assert "r.xlsx, sheet ratings, cell C1 (header): expected a reviewer id defined under 'reviewers' as the " \
           "column of their levels (du, self, ind)" in message and "found column 'zed'" in message, message


def test_a_bad_level_in_a_matrix_is_named_by_its_reviewers_cell(engine, tmp_path):
    workbook(tmp_path / "r.xlsx", {"ratings": [["component", "title", "du", "ind"], ["3A", "x", "R", "Blue"]]})
    message = error(engine, write(tmp_path / "review.json", review([], ratings_file="r.xlsx")))
    assert "sheet ratings, cell D2 (ind): expected a level of scale 'delivery'" in message, message


def test_a_rating_column_cannot_be_declared_a_note(engine, tmp_path):
    (tmp_path / "r.csv").write_text("component,reviewer,level\n3A,du,R\n")
    doc = write(tmp_path / "review.json", review([], ratings_file="r.csv", ratings_notes=["comment", "Level"]))
    message = error(engine, doc)
    assert message.startswith(f"{doc}:") and "$.ratings_notes[1]: expected the heading of a column of notes" in message


def test_a_matrix_rationale_without_its_reviewers_level_column_is_an_error(engine, tmp_path):
    workbook(tmp_path / "r.xlsx", {"ratings": [["component", "du", "ind rationale"], ["3A", "R", "why"]]})
    message = error(engine, write(tmp_path / "review.json", review([], ratings_file="r.xlsx")))
    assert "cell C1 (header): expected a column 'ind' of that reviewer's levels beside it" in message, message


def every_error(engine, doc: Path) -> list[str]:
    with pytest.raises(DocumentError) as caught:
        engine.review(doc)
    err = caught.value
    return [str(e) for e in getattr(err, "errors", [err])]


def places(errors: list[str]) -> list[str]:
    """Where each error is: the sheet and cell (or row) of a workbook's, the JSON path of the document's."""
    where = [e.split(": expected")[0] for e in errors]
    return [w[w.index("sheet "):] if ", sheet " in w else w.rsplit(": ", 1)[1] for w in where]


SHEET_MISTAKES = [HEADER, ["1A", "du", "AG", "x", "E1"], ["1B", "du", "Amber", "x", "E1"],
                  ["1C", "du", "R", "x", "E1; E9"], ["2B", "du", None, "a rationale, no level", "E1"],
                  ["1A", "du", "AG", "again", "E1"]]


def test_every_mistake_of_the_document_and_its_sheet_in_one_run(engine, tmp_path):
    """A date written wrong in the document hides none of the sheet's mistakes."""
    workbook(tmp_path / "r.xlsx", {"ratings": SHEET_MISTAKES})
    doc = write(tmp_path / "review.json", review([], ratings_file="r.xlsx", date="30/09/2026"))
    errors = every_error(engine, doc)
    assert places(errors) == [
        "$.date", "sheet ratings, cell C3 (level)", "sheet ratings, cell E4 (evidence[1])",
        "sheet ratings, cell C5 (level)", "sheet ratings, row 6"], errors
    assert errors[1].endswith("expected a level of scale 'delivery' (G, AG, AR or R), found 'Amber'")
    assert errors[3].endswith("expected a value in column 'level', found an empty cell")
    assert errors[4].endswith("found a second rating by 'du' of 'define-aspiration' (first at row 2)")


def test_without_the_rubric_the_sheet_is_still_checked_against_the_review(engine, tmp_path):
    """``version: 1.10`` names no rubric, so levels and components cannot be checked; evidence ids and
    second ratings can, and are, in the same run."""
    workbook(tmp_path / "r.xlsx", {"ratings": SHEET_MISTAKES})
    doc = write(tmp_path / "review.json", review([], ratings_file="r.xlsx", date="30/09/2026",
                                                 rubric={"id": "delivery-capacity-review", "version": 1.1}))
    errors = every_error(engine, doc)
    assert places(errors) == [
        "$.rubric.version", "$.date", "sheet ratings, cell E4 (evidence[1])", "sheet ratings, row 6"], errors


OWN_SHEET = [["Component", "Reviewer", "Level", "Rationale", "Evidence", "Comment"],
             ["1A", "du", "AG", "ok", "E1", None], ["1B", "ind", 3, "ok", "E1;E2", "n"],
             [None, "du", "G", "x", "E1", None]]


def test_a_header_problem_is_reported_with_the_cells(engine, tmp_path):
    """An undeclared column is a mistake; the rows are read past it, their mistakes reported too."""
    workbook(tmp_path / "r.xlsx", {"Sheet2": OWN_SHEET})
    errors = every_error(engine, write(tmp_path / "review.json", review([], ratings_file="r.xlsx")))
    assert places(errors) == [
        "sheet Sheet2, cell F1 (header)", "sheet Sheet2, cell C3 (level)", "sheet Sheet2, cell A4 (component)"], errors
    assert errors[0].endswith("(or list it under 'ratings_notes'), found column 'comment'")


def test_every_undeclared_column_is_reported(engine, tmp_path):
    workbook(tmp_path / "r.xlsx", {"ratings": [[*HEADER, "comment", "notes"], ["1A", "du", "AG", "x", "E1", "", ""]]})
    errors = every_error(engine, write(tmp_path / "review.json", review([], ratings_file="r.xlsx")))
    assert places(errors) == [
        "sheet ratings, cell F1 (header)", "sheet ratings, cell G1 (header)"], errors


def test_a_bad_ratings_notes_entry_is_reported_with_the_cells(engine, tmp_path):
    workbook(tmp_path / "r.xlsx", {"Sheet2": OWN_SHEET})
    doc = write(tmp_path / "review.json", review([], ratings_file="r.xlsx", ratings_notes=["Comment", "Level"]))
    errors = every_error(engine, doc)
    assert places(errors) == [
        "$.ratings_notes[1]", "sheet Sheet2, cell C3 (level)", "sheet Sheet2, cell A4 (component)"], errors
    assert "expected the heading of a column of notes, not of one the ratings are read from, found 'Level'" in errors[0]


def test_a_table_without_a_column_it_needs_is_reported_without_its_rows(engine, tmp_path):
    workbook(tmp_path / "r.xlsx", {"ratings": [["component", "reviewer", "rationale"], ["1A", "du", "x"]]})
    doc = write(tmp_path / "review.json", review([], ratings_file="r.xlsx", date="30/09/2026"))
    errors = every_error(engine, doc)
    assert len(errors) == 2 and "$.date" in errors[0], errors
    assert errors[1].endswith("row 1 (header): expected a column 'level', found columns component, reviewer, rationale")
