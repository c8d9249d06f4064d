"""History people use (issue 16, item 4), on real SQLite ledgers written by the commands:
``stocktake history``, ``review --baseline latest``, ``judge --previous latest`` and the report's
trends from the ledger."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from example_system import EXAMPLE


@pytest.fixture
def example(tmp_path, monkeypatch) -> Path:
    """A copy of the bundled example as the working directory, and no ledger named by the environment."""
    root = tmp_path / "northshire"
    shutil.copytree(EXAMPLE, root)
    monkeypatch.chdir(root)
    monkeypatch.delenv("STOCKTAKE_LEDGER", raising=False)
    return root


@pytest.fixture
def recorded(example, run) -> str:
    """A ledger holding the 2024 review and the 2026-H1 assessment, and the 2026-H2 one judged
    with H1 as previous (each recorded by its command)."""
    ledger = str(example / "ledger.sqlite")
    for args in (("review", "capacity-review-2024.yaml"), ("judge", "assessment-2026-h1.yaml"),
                 ("judge", "assessment-2026-h2.yaml")):
        result = run("--ledger", ledger, *args, "-o", "out.json")
        assert result.exit_code == 0, result.stderr
    return ledger


def test_history_lists_each_point_with_rule_reason_and_movement(recorded, run):
    result = run("--ledger", recorded, "history", "priority:attendance")
    assert result.exit_code == 0, result.stderr
    likelihood, severity = result.stdout.split("\n\n")
    assert likelihood.startswith("priority:attendance: Reduce chronic absence (likelihood; scale delivery)")
    rows = likelihood.splitlines()[2:]
    assert [r.split()[:3] for r in rows] == [["2026-04-30", "2026-H1", "AR"], ["2026-10-31", "2026-H2", "R"]]
    assert "(agreed over R)  first" in rows[0] and "agreed: The autumn rise may be" in rows[0]
    assert "  declined  likelihood-default 2.0  " in rows[1] and "Far below the trajectory" in rows[1]
    assert severity.startswith("priority:attendance: Reduce chronic absence (severity; scale severity)")


def test_history_as_json_moves_by_the_scales_rank(recorded, run):
    result = run("--ledger", recorded, "history", "reading", "--format", "json")
    assert result.exit_code == 0, result.stderr
    found = {h["aspect"]: h for h in json.loads(result.stdout)}
    points = found["likelihood"]["points"]
    assert found["likelihood"]["subject"] == "priority:reading"
    assert [(p["period"], p["level"], p["movement"]) for p in points] == [("2026-H1", "AG", "first"),
                                                                          ("2026-H2", "AG", "unchanged")]
    assert points[0]["rule"] == "likelihood-default" and points[0]["because"]


def test_a_component_is_found_by_its_code_and_improvement_is_upward(example, recorded, run):
    assert run("--ledger", recorded, "review", "capacity-review-2026.yaml", "-o", "r.json").exit_code == 0
    by_code = run("--ledger", recorded, "history", "1A", "--format", "json")
    by_id = run("--ledger", recorded, "history", "component:define-aspiration", "--format", "json")
    assert by_code.exit_code == 0, by_code.stderr
    assert by_code.stdout == by_id.stdout
    (component,) = json.loads(by_code.stdout)
    assert component["system"] == "Northshire Department of Education"
    levels = [p["level"] for p in component["points"]]
    assert [p["date"] for p in component["points"]] == ["2024-10-20", "2026-10-15"]
    rank = ["G", "AG", "AR", "R"]
    expected = ("improved" if rank.index(levels[1]) < rank.index(levels[0])
                else "declined" if rank.index(levels[1]) > rank.index(levels[0]) else "unchanged")
    assert component["points"][1]["movement"] == expected


def test_an_unknown_subject_lists_the_closest_names(recorded, run):
    result = run("--ledger", recorded, "history", "readin")
    assert result.exit_code == 2
    assert "has no judgments of 'readin'; did you mean reading" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bare_name_of_two_subjects_is_refused_naming_both(example, recorded, run):
    data = yaml.safe_load(Path("chains/reading.yaml").read_text())
    data["id"] = "reading"  # a chain with a priority's id
    Path("chains/reading.yaml").write_text(yaml.safe_dump(data))
    assert run("--ledger", recorded, "chain", "chains/reading.yaml", "-o", "c.json").exit_code == 0
    result = run("--ledger", recorded, "history", "reading")
    assert result.exit_code == 2
    assert "names 2 subjects" in result.stderr and "priority:reading" in result.stderr
    assert "chain:reading" in result.stderr


def test_history_needs_a_ledger_and_does_not_create_one(example, run):
    result = run("history", "reading")
    assert result.exit_code == 2 and "name one with --ledger" in result.stderr
    result = run("--ledger", "absent.sqlite", "history", "reading")
    assert result.exit_code == 2 and "absent.sqlite" in result.stderr
    assert not Path("absent.sqlite").exists()


def test_baseline_latest_is_the_latest_earlier_review_of_the_same_system(example, recorded, run):
    other = yaml.safe_load(Path("capacity-review-2024.yaml").read_text())
    other["system"], other["date"] = "Eastvale Department of Education", "2025-06-01"
    Path("eastvale.yaml").write_text(yaml.safe_dump(other))
    assert run("--ledger", recorded, "review", "eastvale.yaml", "-o", "e.json").exit_code == 0  # later, other system
    latest = run("--ledger", recorded, "--no-record", "review", "capacity-review-2026.yaml", "--baseline", "latest")
    by_file = run("review", "capacity-review-2026.yaml", "--baseline", "capacity-review-2024.yaml")
    assert latest.exit_code == 0, latest.stderr
    found, expected = json.loads(latest.stdout), json.loads(by_file.stdout)
    assert found["baseline"]["date"] == "2024-10-20"
    assert found["baseline"]["source"]["path"].startswith("ledger:")
    assert found["movement"] == expected["movement"]


def test_previous_latest_is_the_previous_periods_result(example, recorded, run):
    data = yaml.safe_load(Path("assessment-2026-h2.yaml").read_text())
    for p in data["priorities"]:
        p.pop("previous")  # the levels now come from the ledger only
    Path("bare.yaml").write_text(yaml.safe_dump(data))
    result = run("--ledger", recorded, "--no-record", "judge", "bare.yaml", "--previous", "latest")
    assert result.exit_code == 0, result.stderr
    found = {p["id"]: (p["previous"], p["movement"]) for p in json.loads(result.stdout)["priorities"]}
    assert found == {"reading": ("AG", "same"), "attendance": ("AR", "down"), "graduation": ("AG", "same")}


@pytest.mark.parametrize("args", [("review", "capacity-review-2024.yaml", "--baseline", "latest"),
                                  ("judge", "assessment-2026-h1.yaml", "--previous", "latest")])
def test_latest_with_nothing_earlier_is_a_usage_error_naming_the_ledger(recorded, run, args):
    result = run("--ledger", recorded, "--no-record", *args)
    assert result.exit_code == 2
    assert f"{recorded} holds no " in result.stderr and "dated before" in result.stderr


@pytest.mark.parametrize("args", [("review", "capacity-review-2026.yaml", "--baseline", "latest"),
                                  ("judge", "assessment-2026-h2.yaml", "--previous", "latest")])
def test_latest_without_a_ledger_says_how_to_name_one(example, run, args):
    result = run(*args)
    assert result.exit_code == 2 and "name one with --ledger PATH" in result.stderr
    assert args[-2] in result.stderr


def test_the_report_shows_the_trends_the_ledger_holds(example, recorded, run):
    documents = ["assessment-2026-h2.yaml", "capacity-review-2026.yaml", "capacity-review-2024.yaml"]
    without = run("report", *documents, "--format", "md")
    result = run("--ledger", recorded, "report", *documents, "--format", "md")
    assert result.exit_code == 0, result.stderr
    assert "## Trends" not in without.stdout
    assert "| Reduce chronic absence | 2026-H1 AR -> 2026-H2 R |" in result.stdout
    assert "| Component | 2024-10-20 | 2026-10-15 |" in result.stdout
    again = run("--ledger", recorded, "report", *documents, "--format", "md")  # now recorded too: the same report
    assert again.stdout == result.stdout


def test_a_run_with_a_baseline_from_the_ledger_is_recorded_and_replays(example, recorded, run):
    result = run("--ledger", recorded, "review", "capacity-review-2026.yaml", "--baseline", "latest", "-o", "r.json")
    assert result.exit_code == 0, result.stderr
    run_id = result.stderr.split("recorded run ")[1].split()[0]
    replayed = run("--ledger", recorded, "ledger", "replay", run_id)
    assert replayed.exit_code == 0 and "bytes identical" in replayed.stdout
