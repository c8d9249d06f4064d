"""Error lines are safe and bounded: no character from a file name, a reference or a value can
start another line or reach the terminal raw, and long values are cut with their length."""

from __future__ import annotations

import subprocess
import sys

from stocktake.core.errors import DocumentError, ManyErrors, UsageError, one_line


def _stocktake(*args, cwd):
    return subprocess.run([sys.executable, "-m", "stocktake", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60)


def test_a_newline_in_a_file_name_cannot_forge_a_second_error_line(tmp_path):
    name = "a\nerror: forged.yaml"
    (tmp_path / name).write_text("kind: [\n")
    result = _stocktake("validate", name, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("error: a\\nerror: forged.yaml:")


def test_escape_sequences_in_a_file_name_or_a_value_do_not_reach_the_terminal(tmp_path):
    name = "\x1b]0;owned\x07\x1b[2Jchain\x08.yaml"
    (tmp_path / name).write_text('kind: "\\e[31mred\\a\\b\\x9b\\u2028"\nschema_version: 1\n')
    result = _stocktake("validate", name, cwd=tmp_path)
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1
    assert not any((ord(c) < 0x20 and c != "\n") or 0x7f <= ord(c) <= 0x9f or c == "\u2028" for c in result.stderr)
    assert result.stderr.startswith("error: \\x1b]0;owned\\x07\\x1b[2Jchain\\x08.yaml:1:7: $.kind:")
    assert "\\x1b[31mred\\x07\\x08\\x9b\\u2028" in result.stderr


def test_a_million_character_value_is_not_echoed(tmp_path):
    (tmp_path / "chain.yaml").write_text("kind: " + "k" * 1_000_000 + "\nschema_version: 1\n")
    result = _stocktake("validate", "chain.yaml", cwd=tmp_path)
    assert result.returncode == 2 and len(result.stderr) < 3_000
    assert "... (1,000,002 characters)" in result.stderr


def test_a_long_key_in_a_path_is_cut():
    err = DocumentError("each key once per mapping", "again", path=("actors", "x" * 5_000), file="c.yaml", line=3)
    assert len(str(err)) < 600 and "... (5,000 characters)" in str(err)


def test_control_characters_are_escaped_in_every_part_of_a_document_error():
    err = DocumentError("a \x1b[2J value", "'\x07'\r\n", path=("a\nb",), file="f\x1b]0;t\x07.yaml", line=1)
    (line,) = err.lines()
    assert line == "f\\x1b]0;t\\x07.yaml:1: $['a\\nb']: expected a \\x1b[2J value, found '\\x07'\\r\\n"


def test_usage_errors_and_many_errors_are_escaped_one_line_each():
    errors = ManyErrors([UsageError("no rubric 'x\nerror: y'"), DocumentError("a", "b\x1b", file="f")])
    assert errors.lines() == ["no rubric 'x\\nerror: y'", "f: $: expected a, found b\\x1b"]


def test_one_line_leaves_ordinary_text_alone_and_cuts_long_text():
    text = "Région 1 — “quoted” text, tabs\tand all"
    assert one_line("Région 1 — “quoted” text") == "Région 1 — “quoted” text"
    assert one_line(text) == "Région 1 — “quoted” text, tabs\\tand all"
    assert one_line("x" * 300, 200) == "x" * 200 + "... (300 characters)"
