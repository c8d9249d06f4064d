"""The ledger from the command line: what records, verify, replay, runs, export, and how a
ledger that cannot be used is refused (one line, exit 2, no traceback)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import zlib
from pathlib import Path

import pytest

from stocktake._version import __version__
from stocktake.judgment.table import COLUMNS
from stocktake.ledger import SCHEMA_VERSION


@pytest.fixture
def recorded(run, northshire, ledger_url):
    """The example recorded as a user would: both reviews, the assessment with a chain, the report."""
    n = northshire
    for args in (["review", f"{n}/capacity-review-2024.yaml"],
                 ["review", f"{n}/capacity-review-2026.yaml", "--baseline", f"{n}/capacity-review-2024.yaml"],
                 ["judge", f"{n}/assessment-2026-h2.yaml", "--chain", f"{n}/chains/reading.yaml"],
                 ["report", *(f"{n}/{name}" for name in ("assessment-2026-h2.yaml", "capacity-review-2024.yaml",
                                                         "capacity-review-2026.yaml", "chains/reading.yaml",
                                                         "chains/attendance.yaml", "chains/graduation.yaml"))]):
        result = run("--ledger", ledger_url, "--as", "alice", *args, "-o", "out.json" if args[0] != "report"
                     else "report.html")
        assert result.exit_code == 0, result.stderr
    return ledger_url


def runs_of(run, ledger_url):
    result = run("--ledger", ledger_url, "ledger", "runs", "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_each_judging_command_records_its_run_once(run, recorded):
    found = runs_of(run, recorded)
    # the report's review of 2026 is the run recorded already; its assessment, judged with three chains, is not
    assert [r["command"] for r in found] == ["review", "review", "judge", "judge", "chain", "chain", "chain"]
    assert [r["seq"] for r in found] == list(range(1, 8))
    assert {r["actor"] for r in found} == {"alice"}
    again = run("--ledger", recorded, "review", "northshire/capacity-review-2024.yaml", "-o", "out.json")
    assert again.exit_code == 0 and f"already recorded as run {found[0]['run_id'][:16]}" in again.stderr
    assert len(runs_of(run, recorded)) == 7


def test_no_record_and_no_ledger_record_nothing(run, northshire, ledger_url, monkeypatch):
    review = f"{northshire}/capacity-review-2024.yaml"
    assert run("--ledger", ledger_url, "--no-record", "review", review, "-o", "out.json").exit_code == 0
    assert run("review", review, "-o", "out.json").exit_code == 0
    assert run("--ledger", ledger_url, "ledger", "runs").exit_code == 2  # never created
    monkeypatch.setenv("STOCKTAKE_LEDGER", ledger_url)
    monkeypatch.setenv("STOCKTAKE_ACTOR", "carol")
    assert run("review", review, "-o", "out.json").exit_code == 0
    assert [r["actor"] for r in runs_of(run, ledger_url)] == ["carol"]


def test_verify_and_replay_pass_on_an_untouched_ledger(run, recorded):
    result = run("--ledger", recorded, "ledger", "verify")
    assert result.exit_code == 0 and "the hash chain is intact" in result.stdout
    for found in runs_of(run, recorded):
        replayed = run("--ledger", recorded, "ledger", "replay", found["run_id"][:10])
        assert replayed.exit_code == 0, replayed.stderr
        assert replayed.stdout == (f"run {found['run_id'][:16]}: {found['entries']} judgments re-derived, "
                                   "bytes identical\n")


def test_verify_names_the_row_edited_behind_its_back(run, recorded, execute_sql):
    run_id, subject = execute_sql("SELECT run_id, subject FROM entries WHERE seq = 2 AND position = 3")[0]
    execute_sql("UPDATE entries SET level = 'R' WHERE seq = 2 AND position = 3")
    result = run("--ledger", recorded, "ledger", "verify")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (f"error: {recorded}: run 2 ({run_id[:16]}), judgment {subject} (row 3): its content "
                             "does not match its hash\n")


def test_verify_finds_an_edited_run_row_and_a_removed_one(run, recorded, execute_sql):
    execute_sql("UPDATE runs SET actor = 'mallory' WHERE seq = 3")
    result = run("--ledger", recorded, "ledger", "verify")
    assert result.exit_code == 2 and "run 3 (" in result.stderr and "does not match its hash" in result.stderr
    execute_sql("UPDATE runs SET actor = 'alice' WHERE seq = 3")
    assert run("--ledger", recorded, "ledger", "verify").exit_code == 0
    execute_sql("DELETE FROM entries WHERE seq = 2")
    execute_sql("DELETE FROM runs WHERE seq = 2")
    result = run("--ledger", recorded, "ledger", "verify")
    assert result.exit_code == 2 and "run 3 (" in result.stderr and "link to the row before" in result.stderr


def test_replay_fails_on_a_tampered_input(run, recorded, execute_sql):
    first = runs_of(run, recorded)[0]
    digest = first["inputs"][1]["sha256"]  # the ratings table beside the 2024 review
    data = zlib.decompress(execute_sql("SELECT data FROM blobs WHERE sha256 = %s", (digest,))[0][0])
    execute_sql("UPDATE blobs SET data = %s WHERE sha256 = %s",
                (zlib.compress(data.replace(b",G", b",R", 1)), digest))
    result = run("--ledger", recorded, "ledger", "replay", first["run_id"])
    assert result.exit_code == 2
    assert "ratings-2024.csv' does not match its sha256" in result.stderr and "Traceback" not in result.stderr
    assert run("--ledger", recorded, "ledger", "verify").exit_code == 2


def test_export_writes_runs_and_judgments(run, recorded, tmp_path):
    found = runs_of(run, recorded)
    assert run("--ledger", recorded, "ledger", "export", "-o", "ledger.csv").exit_code == 0
    rows = list(csv.DictReader(io.StringIO((tmp_path / "ledger.csv").read_text(encoding="utf-8-sig"))))
    assert list(rows[0]) == [*COLUMNS, "run_id", "seq", "system", "period", "date"]
    assert len(rows) == sum(r["entries"] for r in found)
    assert {r["period"] for r in rows if r["aspect"] == "likelihood"} == {"2026-H2"}
    result = run("--ledger", recorded, "ledger", "export", "--format", "jsonl")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["run_id"] for line in lines if line["record"] == "run"] == [r["run_id"] for r in found]
    assert sum(line["record"] == "judgment" for line in lines) == len(rows)


def test_runs_lists_what_was_recorded(run, recorded):
    result = run("--ledger", recorded, "ledger", "runs")
    lines = result.stdout.splitlines()
    assert lines[0].split()[:4] == ["SEQ", "RUN", "COMMAND", "DATE"]
    assert lines[3].split()[:5] == ["3", runs_of(run, recorded)[2]["run_id"][:16], "judge", "2026-10-31", "2026-H2"]


@pytest.mark.parametrize("content", [b"not a database at all, just text\n" * 200,
                                     b"SQLite format 3\x00" + b"\xff" * 600])
def test_a_file_that_is_not_a_database_is_refused_in_one_line(run, tmp_path, northshire, content):
    bad = tmp_path / "notes.sqlite"
    bad.write_bytes(content)
    for args in (["ledger", "verify"], ["review", f"{northshire}/capacity-review-2024.yaml", "-o", "out.json"]):
        result = run("--ledger", str(bad), *args)
        assert result.exit_code == 2, result.stderr
        assert result.stderr.startswith(f"error: {bad}: ") and result.stderr.count("\n") == 1
        assert "Traceback" not in result.stderr
    assert bad.read_bytes() == content
    assert not (tmp_path / "out.json").exists()  # refused before any output is written


def test_a_database_that_is_not_a_ledger_is_refused(run, tmp_path, northshire):
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE customers (name TEXT)")
    result = run("--ledger", str(other), "review", f"{northshire}/capacity-review-2024.yaml", "-o", "out.json")
    assert result.exit_code == 2
    assert result.stderr == (f"error: {other}: a database, but not a Stocktake ledger (it has a table 'customers' "
                             "and no ledger tables): name a ledger, or a new file to create one\n")


def test_a_damaged_ledger_is_refused_in_one_line(run, recorded, tmp_path):
    if not recorded.endswith(".sqlite"):
        pytest.skip("overwrites a page of the SQLite file; a PostgreSQL server keeps its own files")
    path = tmp_path / "ledger.sqlite"
    data = bytearray(path.read_bytes())
    data[4096:8192] = b"\x13" * 4096  # a page overwritten
    path.write_bytes(bytes(data))
    for wal in tmp_path.glob("ledger.sqlite-*"):
        wal.unlink()
    result = run("--ledger", recorded, "ledger", "verify")
    assert result.exit_code == 2 and result.stderr.startswith(f"error: {recorded}: ")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_a_ledger_command_without_a_ledger_says_how_to_name_one(run):
    result = run("ledger", "runs")
    assert result.exit_code == 2 and "--ledger PATH" in result.stderr


def test_a_finished_report_rendered_again_records_nothing(run, recorded):
    before = runs_of(run, recorded)
    assert run("report", "northshire/assessment-2026-h2.yaml", "--format", "json", "-o", "report.json").exit_code == 0
    again = run("--ledger", recorded, "report", "report.json", "-o", "again.html")
    assert again.exit_code == 0 and again.stderr == ""
    assert runs_of(run, recorded) == before


def test_a_batch_judged_as_json_lines_is_recorded_and_replays(run, northshire, ledger_url, tmp_path):
    from stocktake.core.parsing import parse_text

    lines = []
    for item in parse_text((northshire / "assessment-2026-h2.yaml").read_text(), fmt="yaml").data["priorities"]:
        for rating in item.get("ratings", {}).values():  # a batch has no evidence register
            rating.pop("evidence", None)
            for criterion in rating.get("criteria", {}).values():
                criterion.pop("evidence", None)
        lines.append(json.dumps(item))
    (tmp_path / "batch.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("--ledger", ledger_url, "judge", "batch.jsonl", "--period", "2026-H2", "--as-of", "2026-10-31",
                 "-o", "out.jsonl")
    assert result.exit_code == 0, result.stderr
    (found,) = runs_of(run, ledger_url)
    assert (found["command"], found["period"], found["entries"]) == ("judge", "2026-H2", 2 * len(lines))
    assert run("--ledger", ledger_url, "ledger", "replay", found["run_id"]).exit_code == 0


def test_a_rule_set_file_and_absolute_paths_replay(run, northshire, ledger_url, tmp_path):
    import shutil

    repo = Path(__file__).resolve().parents[2]
    # the built-in table, copied as a user's own rule set file
    shutil.copy(repo / "plugins" / "rulesets" / "likelihood-default.yaml", tmp_path / "our-rules.yaml")
    assessment = tmp_path / northshire / "assessment-2026-h2.yaml"
    result = run("--ledger", ledger_url, "judge", str(assessment), "--rules", str(tmp_path / "our-rules.yaml"),
                 "-o", "out.json")
    assert result.exit_code == 0, result.stderr
    (found,) = runs_of(run, ledger_url)
    assert [i["relative"] for i in found["inputs"]] == ["assessment-2026-h2.yaml", "../our-rules.yaml"]
    (tmp_path / "our-rules.yaml").unlink()  # replay needs only the ledger
    replayed = run("--ledger", ledger_url, "ledger", "replay", found["run_id"])
    assert replayed.exit_code == 0, replayed.stderr


def test_a_ledger_of_a_newer_schema_is_refused_before_anything_is_written(run, recorded, execute_sql):
    execute_sql("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    result = run("--ledger", recorded, "review", "northshire/capacity-review-2024.yaml", "-o", "new.json")
    assert result.exit_code == 2 and not Path("new.json").exists()
    assert result.stderr == (f"error: {recorded}: written by a newer Stocktake (schema 99; this one reads up to {SCHEMA_VERSION}): "
                             "upgrade Stocktake to use this ledger\n")


def test_an_empty_database_is_no_ledger_to_read(run, tmp_path):
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    result = run("--ledger", str(empty), "ledger", "runs")
    assert result.exit_code == 2 and "no ledger there" in result.stderr


def test_replay_with_other_plugins_names_the_first_difference_and_why(run, northshire, ledger_url):
    assert run("--ledger", ledger_url, "chain", f"{northshire}/chains/reading.yaml", "-o", "c.json").exit_code == 0
    (found,) = runs_of(run, ledger_url)
    result = run("--ledger", ledger_url, "--disable-plugin", "builtin-chain-detectors", "ledger", "replay",
                 found["run_id"][:8])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: run {found['run_id'][:16]}: the re-derived result differs from the "
                                    "recorded one at line ")
    assert result.stderr.endswith(f"(recorded with builtin-chain-detectors {__version__})\n")
