"""Ratings from CSV and XLSX: what spreadsheets give, and errors that name the row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from review_helpers import component, review, write

from stocktake.testing import make_engine

openpyxl = pytest.importorskip("openpyxl", reason="openpyxl writes the test workbooks (make test installs it)")

HEADER = ["component", "reviewer", "level", "rationale", "evidence"]
ROWS = [
    ["3A", "du", "R", "No theory of change.", "E1"],
    ["3A", "ind", "YR", "Some analysis of interventions.", "E1; E2"],
    ["define-aspiration", "self", "Green", "", ""],
]


@pytest.fixture(scope="module")
def engine():
    return make_engine()


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def document(tmp_path: Path, table: str, **extra) -> Path:
    return write(tmp_path / "review.json", review([], ratings_file=table, **extra))


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_ratings_from_a_spreadsheet(engine, tmp_path, suffix):
    writer = write_csv if suffix == "csv" else write_xlsx
    writer(tmp_path / f"ratings.{suffix}", [HEADER, *ROWS])
    result = engine.review(document(tmp_path, f"ratings.{suffix}"))
    reform = component(result, "reform-strategy")
    assert [(i.name, i.value, i.evidence) for i in reform.inputs] == [("du", "R", ["E1"]), ("ind", "AR", ["E1", "E2"])]
    assert component(result, "define-aspiration").rating == "G"
    assert [i.path for i in result.inputs][1].endswith(f"ratings.{suffix}")


def test_inline_ratings_and_a_table_together(engine, tmp_path):
    write_csv(tmp_path / "ratings.csv", [HEADER, ROWS[0]])
    doc = review([{"component": "3A", "reviewer": "self", "level": "G"}], ratings_file="ratings.csv")
    result = engine.review(write(tmp_path / "review.json", doc))
    assert len(component(result, "reform-strategy").inputs) == 2


def test_numbers_typed_into_a_sheet_are_read_as_codes(tmp_path):
    """An XLSX cell holding 4 (a stage, say) is read as '4', not '4.0'."""
    from stocktake.core.tables import read_table

    path = write_xlsx(tmp_path / "t.xlsx", [["component", "reviewer", "level"], ["x", "y", 4]])
    table = read_table(path, required=("component", "reviewer", "level"))
    assert table.rows == [(2, {"component": "x", "reviewer": "y", "level": "4"})]


BAD_TABLES = {
    "missing column": ([["component", "reviewer", "rationale"], ["3A", "du", "x"]],
                       "row 1 (header): expected a column 'level', found columns component, reviewer, rationale"),
    "misspelt column": ([["component", "reviewer", "levl"], ["3A", "du", "R"]],
                        "cell C1 (header): expected columns from component, reviewer, level, rationale, evidence, "
                        "notes section, code, title, descriptors (or list it under 'ratings_notes'), found column 'levl'"),
    "empty cell": ([HEADER, ROWS[0], ["3B", "du", "", "a rationale, no level", ""]],
                   "cell C3 (level): expected a value in column 'level', found an empty cell"),
    "unknown level": ([HEADER, ROWS[0], ["3B", "du", "Purple", "", ""]],
                      "cell C3 (level): expected a level of scale 'delivery' (G, AG, AR or R), found 'Purple'"),
    "unknown reviewer": ([HEADER, ["3B", "nobody", "R", "", ""]],
                         "cell B2 (reviewer): expected a reviewer id defined under 'reviewers'"),
    "unknown component": ([HEADER, ROWS[0], ROWS[1], ["7Q", "du", "R", "", ""]],
                          "cell A4 (component): expected a component or criterion of rubric"),
    "undefined evidence": ([HEADER, ["3B", "du", "R", "x", "E1;E7"]],
                           "cell E2 (evidence[1]): expected an evidence id defined under 'evidence' (E1, E2), found 'E7'"),
    "a value beyond the header": ([["component", "reviewer", "level"], ["3B", "du", "R", "extra"]],
                                  "cell D2: expected at most 3 cells, found a value beyond the last column ('extra')"),
}


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
@pytest.mark.parametrize("name", sorted(BAD_TABLES))
def test_bad_tables_name_file_sheet_and_cell_and_write_nothing(run, tmp_path, suffix, name):
    """As a spreadsheet shows the place: the sheet of a workbook (openpyxl names its first 'Sheet'), the cell."""
    rows, message = BAD_TABLES[name]
    (write_csv if suffix == "csv" else write_xlsx)(tmp_path / f"ratings.{suffix}", rows)
    doc = document(tmp_path, f"ratings.{suffix}")
    out = tmp_path / "result.json"
    result = run("review", str(doc), "--output", str(out))
    assert result.exit_code == 2, result.output
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1
    sheet = ", sheet Sheet" if suffix == "xlsx" else ""
    assert line.startswith(f"error: {tmp_path / f'ratings.{suffix}'}{sheet}, {message}"), line
    assert not out.exists()


def test_a_file_that_is_not_a_workbook(run, tmp_path):
    (tmp_path / "ratings.xlsx").write_text("not a zip")
    result = run("review", str(document(tmp_path, "ratings.xlsx")))
    assert result.exit_code == 2
    assert "expected an XLSX workbook, found a file that is not a zip archive" in result.stderr


def test_missing_table_and_other_suffixes(run, tmp_path):
    result = run("review", str(document(tmp_path, "nope.csv")))
    assert result.exit_code == 2 and "nope.csv: $: expected an existing CSV or XLSX file" in result.stderr
    (tmp_path / "ratings.ods").write_text("x")
    result = run("review", str(document(tmp_path, "ratings.ods")))
    assert result.exit_code == 2 and "expected a .csv or .xlsx file" in result.stderr


def test_result_records_the_table_by_hash(run, tmp_path):
    write_csv(tmp_path / "ratings.csv", [HEADER, *ROWS])
    out = run("review", str(document(tmp_path, "ratings.csv")))
    inputs = json.loads(out.stdout)["inputs"]
    assert len(inputs) == 2 and len(inputs[1]["sha256"]) == 64
