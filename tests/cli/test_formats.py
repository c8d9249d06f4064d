"""The output format from the file name: ``-o NAME.SUFFIX`` chooses the format of every command
that writes a result, unless ``--format`` says otherwise; a contradiction is a usage error."""

from __future__ import annotations

import json
import sys

import pytest
from example_system import EXAMPLE

from stocktake.cli.chain import FORMATS as CHAIN
from stocktake.cli.formats import SUFFIXES, Formats
from stocktake.cli.judge import FORMATS as JUDGE
from stocktake.cli.report import FORMATS as REPORT
from stocktake.cli.review import FORMATS as REVIEW
from stocktake.core.errors import UsageError

DOCUMENTS = {"review": EXAMPLE / "capacity-review-2026.yaml", "judge": EXAMPLE / "assessment-2026-h2.yaml",
             "chain": EXAMPLE / "chains" / "reading.yaml", "report": EXAMPLE / "capacity-review-2026.yaml"}
STARTS = {"html": b"<!DOCTYPE html>", "json": b"{\n", "md": b"# ", "csv": b"\xef\xbb\xbfsubject,", "xlsx": b"PK\x03\x04",
          "dot": b"digraph ", "mermaid": b"flowchart "}


@pytest.mark.parametrize("command", sorted(DOCUMENTS))
@pytest.mark.parametrize("name", ["report.html", "REPORT.HTM", "out.md", "out.json"])
def test_every_command_writes_the_format_its_output_file_is_named_for(run, tmp_path, command, name):
    out = tmp_path / name
    result = run(command, str(DOCUMENTS[command]), "-o", str(out))
    assert result.exit_code == 0, result.output
    fmt = SUFFIXES[out.suffix.lower()]
    assert out.read_bytes().startswith(STARTS[fmt]), out.read_bytes()[:60]


@pytest.mark.parametrize(("command", "name"), [
    ("review", "r.csv"), ("review", "r.xlsx"), ("judge", "j.csv"), ("judge", "j.xlsx"), ("chain", "c.csv"),
    ("chain", "c.xlsx"), ("chain", "c.dot"), ("chain", "c.gv"), ("chain", "c.mmd")])
def test_each_commands_own_formats_come_from_the_suffix_too(run, tmp_path, command, name):
    out = tmp_path / name
    assert run(command, str(DOCUMENTS[command]), "-o", str(out)).exit_code == 0
    assert out.read_bytes().startswith(STARTS[SUFFIXES[out.suffix]])


def test_a_jsonl_output_of_a_batch_streams_json_lines_and_csv_holds_the_batch(run, tmp_path):
    from benchmarks.generate import write_priorities_jsonl

    batch = write_priorities_jsonl(tmp_path / "b.jsonl", 5)
    args = ("judge", str(batch), "--period", "2026-H2", "--as-of", "2026-10-31", "-o")
    result = run(*args, str(tmp_path / "out.jsonl"))
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "out.jsonl").read_text().splitlines()
    assert len(lines) == 5 and all(json.loads(line)["judgment"]["subject"].startswith("priority:") for line in lines)
    assert run(*args, str(tmp_path / "out.csv")).exit_code == 0  # judged in memory, as for --format json
    assert (tmp_path / "out.csv").read_bytes().count(b"\r\npriority:") == 10  # likelihood and severity each


@pytest.mark.parametrize("command", sorted(DOCUMENTS))
def test_a_suffix_that_contradicts_format_is_a_usage_error_naming_both(run, tmp_path, command):
    out = tmp_path / "report.html"
    result = run(command, str(DOCUMENTS[command]), "--format", "md", "-o", str(out))
    assert result.exit_code == 2
    assert "--format md contradicts --output" in result.stderr and "report.html" in result.stderr
    assert "means html" in result.stderr
    assert not out.exists()


def test_a_suffix_naming_a_format_the_command_does_not_write_is_a_usage_error(run, tmp_path):
    out = tmp_path / "review.dot"
    result = run("review", str(DOCUMENTS["review"]), "-o", str(out))
    assert result.exit_code == 2 and not out.exists()
    assert "cannot write dot" in result.stderr and "json, md, html, csv, xlsx" in result.stderr


@pytest.mark.parametrize("command", sorted(DOCUMENTS))
def test_an_unknown_suffix_or_none_keeps_the_default_or_the_format_given(run, tmp_path, command):
    default = {"review": REVIEW, "judge": JUDGE, "chain": CHAIN, "report": REPORT}[command].default
    for name in ("result.txt", "result", "result.2026-h2"):
        out = tmp_path / name
        assert run(command, str(DOCUMENTS[command]), "-o", str(out)).exit_code == 0
        assert out.read_bytes().startswith(STARTS[default]), name
    out = tmp_path / "result.txt"
    assert run(command, str(DOCUMENTS[command]), "--format", "md", "-o", str(out)).exit_code == 0
    assert out.read_bytes().startswith(b"# ")


@pytest.mark.parametrize("command", sorted(DOCUMENTS))
def test_standard_output_keeps_the_default(run, command):
    default = {"review": REVIEW, "judge": JUDGE, "chain": CHAIN, "report": REPORT}[command].default
    for args in ((), ("-o", "-")):
        result = run(command, str(DOCUMENTS[command]), *args)
        assert result.exit_code == 0 and result.stdout_bytes.startswith(STARTS[default])


def test_defaults_and_formats_of_each_command():
    assert (REVIEW.default, JUDGE.default, CHAIN.default, REPORT.default) == ("json", "json", "json", "html")
    assert {"csv", "xlsx"} <= set(REVIEW.names) & set(JUDGE.names) & set(CHAIN.names)
    assert {"dot", "mermaid"} <= set(CHAIN.names)


def test_a_format_is_one_entry_in_the_commands_list():
    # PDF was added to the report as one entry: the suffix is known to every command.
    assert REPORT.resolve(None, "out/Report.PDF") == "pdf"
    without_pdf = Formats(tuple(n for n in REPORT.names if n != "pdf"), default=REPORT.default)
    with pytest.raises(UsageError, match="cannot write pdf"):
        without_pdf.resolve(None, "report.pdf")
    with pytest.raises(UsageError, match="cannot write pdf"):
        REVIEW.resolve(None, "review.pdf")


def test_a_binary_format_is_never_written_to_a_terminal(monkeypatch):
    class Terminal:
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdout", Terminal())
    for output in (None, "-"):
        with pytest.raises(UsageError, match="xlsx is a binary file"):
            REVIEW.resolve("xlsx", output)
    assert REVIEW.resolve("xlsx", "judgments.xlsx") == "xlsx"
    assert REVIEW.resolve("csv", None) == "csv"


def test_the_help_says_where_the_default_comes_from(run):
    result = run("review", "--help")
    assert "Default: from the --output suffix" in " ".join(result.stdout.split())


@pytest.mark.parametrize(("name", "starts"), [("rubric.json", "{"), ("rubric.md", "#")])
def test_rubrics_show_writes_the_format_its_output_file_is_named_for(run, tmp_path, name, starts):
    out = tmp_path / name
    result = run("rubrics", "show", "delivery-capacity-review", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert out.read_text().startswith(starts)
