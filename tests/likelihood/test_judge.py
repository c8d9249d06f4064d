"""Judging an assessment end to end: levels, explanations, league, previous, batches, output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from stocktake.core.schemas import load_schema
from stocktake.kinds import KINDS
from stocktake.render import render_assessment
from stocktake.testing import make_engine

FIXTURE = Path(__file__).parents[1] / "fixtures" / "assessment.yaml"


@pytest.fixture(scope="module")
def result():
    return make_engine().judge(FIXTURE)


def priority(result, pid):
    return next(p for p in result.priorities if p.id == pid)


def test_levels_worked_by_hand(result):
    reading, attendance, graduation = (priority(result, p) for p in ("reading", "attendance", "graduation"))
    # Within tolerance every time, but the least-squares trend reaches 73.1 against 75: AG.
    assert reading.trajectory.latest == "within" and reading.trajectory.level == "AG"
    assert reading.judgment.rating == "AG" and reading.judgment.decided_by == ["not-on-trajectory"]
    # Below the band at the last two actuals, gap widening, planning AR: R by the house rule.
    assert attendance.trajectory.off_track == 2 and attendance.trajectory.widening
    assert attendance.judgment.rating == "R"
    assert set(attendance.judgment.decided_by) == {"off-track-widening-weak-planning", "off-track-widening-weak-capacity"}
    # No actuals at stage 2 with sound categories: G computed, AG agreed and both kept.
    assert (graduation.judgment.computed, graduation.judgment.rating) == ("G", "AG")
    assert "overridden" in [f.code for f in graduation.judgment.flags]


def test_categories_roll_up_from_sub_criteria_with_their_evidence(result):
    inputs = {i.name: i for i in priority(result, "reading").judgment.inputs}
    assert inputs["planning"].value == "AG" and inputs["planning"].evidence == ["E1", "E3"]
    assert "lowest of 3" in inputs["planning"].note


def test_evidence_behind_the_deciding_rules_inputs(result):
    # not-on-trajectory reads only performance, which cites no evidence.
    assert priority(result, "reading").judgment.evidence == []
    attendance = priority(result, "attendance").judgment
    assert attendance.evidence == ["E2"]   # planning and capacity, read by the deciding rules
    assert sorted(result.evidence) == ["E2"]


def test_what_would_change_it(result):
    change = priority(result, "reading").what_would_change
    assert (change.up.input, change.up.from_value, change.up.to_value, change.up.result) == ("performance", "AG", "G", "G")
    assert change.down.result == "AR"
    engine = make_engine()
    table, _, _ = engine.rule_set("likelihood-default")
    values = {i.name: (i.value or "no-data") for i in priority(result, "reading").judgment.inputs}
    assert table.decide({**values, change.down.input: change.down.to_value}).level == "AR"


def test_league_ranks_by_likelihood_then_movement(result):
    assert [row.id for row in result.league] == ["reading", "graduation", "attendance"]
    top = result.league[0]
    assert (top.rank, top.movement, top.previous) == (1, "same", "AG")
    assert result.league[1].agreed and result.league[1].movement == "new"
    assert result.league[2].movement == "down"
    assert result.summary.counts == {"G": 0, "AG": 2, "AR": 0, "R": 1, "not-rated": 0}


def test_previous_levels_from_an_earlier_result(tmp_path, run):
    earlier = json.loads(run("judge", str(FIXTURE)).stdout)
    earlier["priorities"][2]["judgment"]["rating"] = "R"      # graduation was R last time
    path = tmp_path / "earlier.json"
    path.write_text(json.dumps(earlier))
    doc = FIXTURE.read_text().replace("    previous: {level: AG, date: 2026-04-30}\n", "")
    current = tmp_path / "now.yaml"
    current.write_text(doc)
    result = make_engine().judge(current, previous=path)
    assert priority(result, "graduation").movement == "up"
    assert priority(result, "reading").previous == "AG"        # from the earlier result
    assert [i.path for i in result.inputs] == [str(current), str(path)]


def test_json_follows_the_published_schema(run, tmp_path):
    out = tmp_path / "result.json"
    assert run("judge", str(FIXTURE), "-o", str(out)).exit_code == 0
    data = json.loads(out.read_text())
    Draft202012Validator(load_schema(KINDS["DeliveryAssessmentResult"])).validate(data)
    assert run("validate", str(out)).exit_code == 0
    assert data["rules"]["sha256"] and data["rules"]["hit_policy"] == "collect"


@pytest.mark.parametrize("fmt", ["json", "jsonl", "md", "html"])
def test_byte_identical_across_processes_and_hash_seeds(fmt):
    outputs = set()
    for seed in ("0", "1", "random"):
        proc = subprocess.run([sys.executable, "-m", "stocktake", "judge", str(FIXTURE), "--format", fmt],
                              capture_output=True, env={**os.environ, "PYTHONHASHSEED": seed}, check=True)
        outputs.add(proc.stdout)
    assert len(outputs) == 1


def test_html_has_a_chart_per_priority_and_escapes_text(tmp_path, run):
    payload = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    doc = FIXTURE.read_text().replace("title: Grade 3 reading proficiency", f"title: '{payload}'").replace(
        "owner: Director of Curriculum", f"owner: '{payload}'").replace(
        "rationale: Large gap in the poorest districts.", f"rationale: '{payload}'")
    path = tmp_path / "x.yaml"
    path.write_text(doc)
    html = run("judge", str(path), "--format", "html").stdout
    assert html.count("<svg") == 3 and html.count("<script") == 0 and "<img" not in html
    assert "&lt;script&gt;" in html
    markdown = run("judge", str(path), "--format", "md").stdout
    assert "<script>" not in markdown


def test_jsonl_batch_in_and_out(tmp_path, run):
    from stocktake.core.parsing import parse_text

    data = parse_text(FIXTURE.read_text(), fmt="yaml").data
    lines = []
    for item in data["priorities"]:
        item = json.loads(json.dumps(item))
        for rating in item.get("ratings", {}).values():        # the batch has no evidence register
            rating.pop("evidence", None)
            for criterion in rating.get("criteria", {}).values():
                criterion.pop("evidence", None)
        lines.append(json.dumps(item))
    batch = tmp_path / "batch.jsonl"
    batch.write_text("\n".join(lines) + "\n")
    result = run("judge", str(batch), "--period", "2026-H2", "--as-of", "2026-10-31", "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["reading", "attendance", "graduation"]
    assert [o["judgment"]["rating"] for o in out] == ["AG", "R", "AG"]


def test_jsonl_errors_name_the_line(tmp_path, run):
    batch = tmp_path / "batch.jsonl"
    good = {"id": "a", "title": "A", "metric": {"name": "m", "direction": "increase"},
            "baseline": {"date": "2025-01-01", "value": 1}, "target": {"date": "2026-01-01", "value": 2}}
    bad = {**good, "id": "b", "metric": {"name": "m", "direction": "sideways"}}
    batch.write_text(json.dumps(good) + "\n\n" + json.dumps(bad) + "\n")
    result = run("judge", str(batch), "--period", "P", "--as-of", "2026-01-01")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {batch}:3:")
    assert "$.metric.direction: expected one of 'increase' or 'decrease', found 'sideways'" in result.stderr
    assert run("judge", str(batch)).exit_code == 2        # no --period / --as-of
    duplicate = tmp_path / "dup.jsonl"
    duplicate.write_text(json.dumps(good) + "\n" + json.dumps(good) + "\n")
    result = run("judge", str(duplicate), "--period", "P", "--as-of", "2026-01-01")
    assert result.exit_code == 2 and "'a' again (first on line 1)" in result.stderr


def test_a_python_rule_set_from_a_plugin_and_its_failures(fake_dist, run, tmp_path):
    source = '''
from stocktake import hookimpl
from stocktake.likelihood.decision import Decision

class Cautious:
    id = "cautious"
    version = "2.0"
    title = "Cautious"
    description = "AR unless everything is G; raises on VH; nonsense on L."
    inputs = ("challenge", "planning", "capacity")
    output_scale = "delivery"
    def decide(self, values):
        if values["challenge"] == "VH":
            raise RuntimeError("cannot judge very high challenge")
        if values["challenge"] == "L":
            return Decision("PURPLE", ("x",), because="nonsense")
        ok = values["planning"] == values["capacity"] == "G"
        return Decision("G" if ok else "AR", ("all-green" if ok else "otherwise",), because="Cautious rule.")

@hookimpl
def stocktake_register_rule_sets(registry):
    registry.add_rule_set(Cautious())
'''
    fake_dist("cautious-rules", "2.0.0", modules={"cautious_rules": source}, entry_points={"cautious": "cautious_rules"})
    listing = run("rules")
    assert "cautious" in listing.stdout and "python" in listing.stdout
    out = tmp_path / "r.json"
    result = run("judge", str(FIXTURE), "--rules", "cautious", "-o", str(out))
    assert result.exit_code == 3                           # attendance has VH challenge
    assert "plugin 'cautious' (distribution cautious-rules 2.0.0)" in result.stderr
    data = json.loads(out.read_text())
    levels = {p["id"]: p["judgment"]["computed"] for p in data["priorities"]}
    assert levels == {"reading": "AR", "attendance": None, "graduation": "AR"}
    assert data["rules"]["plugin"] == "cautious" and data["rules"]["sha256"] is None


def test_rule_set_reading_an_input_the_engine_lacks(tmp_path, run):
    path = tmp_path / "odd.yaml"
    path.write_text("kind: RuleSet\nschema_version: 1\nid: odd\nversion: '1'\ntitle: Odd\nhit_policy: first\n"
                    "inputs: [{name: weather, states: [sunny, rainy]}]\n"
                    "rules: [{id: any, then: G, because: Always.}]\n")
    result = run("judge", str(FIXTURE), "--rules", str(path))
    assert result.exit_code == 2 and "reads input 'weather', which the engine does not provide" in result.stderr


def test_unknown_rule_set_name(run):
    result = run("judge", str(FIXTURE), "--rules", "no-such-rules")
    assert result.exit_code == 2 and "no rule set 'no-such-rules'" in result.stderr


def test_the_bulk_path_decides_exactly_as_the_full_path():
    """stocktake.judge_levels (no trails) and stocktake.judge share maths and rules: same levels."""
    import datetime as dt

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from benchmarks.generate import priority as synthetic
    from stocktake.likelihood.judge import JudgingRun, judge_priority
    from stocktake.likelihood.model import Priority
    from stocktake.likelihood.result import RuleSetUsed

    engine = make_engine()
    rubric = engine.rubric("likelihood-of-delivery").rubric
    context = {**engine._context(), "rubric": rubric, "evidence_ids": set()}
    priorities = [Priority.model_validate(_varied(synthetic(seed, points=seed % 7 + 1 if seed % 3 else 20), seed),
                                          context=context) for seed in range(600)]
    ruleset, origin, _ = engine.rule_set("likelihood-default")
    run = JudgingRun(ruleset, origin, RuleSetUsed(plugin="p", id=ruleset.id, version="1", title="t"),
                     rubric, engine.scales())
    # On 2026-01-01 every target is still to come (the short plans' later actuals are left out); by
    # mid-2026 every target date has passed and the outcome decides.
    for as_of, levels in ((dt.date(2025, 9, 1), {"G", "AG", "AR", "R"}), (dt.date(2026, 1, 1), {"G", "AG", "AR", "R"}),
                          (dt.date(2026, 6, 1), {"G", "R"})):
        fast = engine.judge_levels(priorities, as_of=as_of)
        full = [judge_priority(p, as_of, run, []) for p in priorities]
        assert [(f.level, f.rules, f.performance) for f in fast] == \
               [(r.judgment.computed, tuple(r.judgment.decided_by), r.trajectory.level) for r in full]
        assert {f.level for f in fast} == levels      # the synthetic data exercises every level


def test_batch_lines_are_the_models_json_to_the_byte():
    """Batches write priority_data without validating it, so it must be what the model writes:
    every field and default, keys in order, numbers as the model types them."""
    import datetime as dt

    from pydantic_core import to_json

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from example_system import EXAMPLE

    from benchmarks.generate import priority as synthetic
    from stocktake.likelihood.batches import result_json
    from stocktake.likelihood.judge import JudgingRun, priority_data
    from stocktake.likelihood.model import Priority
    from stocktake.likelihood.result import PriorityResult, RuleSetUsed
    from stocktake.render import dump_line

    engine = make_engine()
    rubric = engine.rubric("likelihood-of-delivery").rubric
    context = {**engine._context(), "rubric": rubric, "evidence_ids": set()}
    example = engine.load(EXAMPLE / "assessment-2026-h2.yaml").model.priorities
    varied = [Priority.model_validate(_varied(synthetic(seed, points=seed % 5 + 1), seed), context=context)
              for seed in range(60)]
    ruleset, origin, _ = engine.rule_set("likelihood-default")
    used = RuleSetUsed(plugin="p", id=ruleset.id, version="1", title="t")
    runs = [JudgingRun(ruleset, origin, used, rubric, engine.scales(), previous={"p000001": "G"}),
            JudgingRun(_Raising(), origin, used, rubric, engine.scales())]
    failures: list = []
    for run in runs:
        for p in [*example, *varied]:
            data = priority_data(p, dt.date(2026, 1, 1), run, failures)
            line = dump_line(PriorityResult.model_validate(data))
            assert to_json(data).decode() + "\n" == line, p.id
            assert result_json(data).decode() + "\n" == line, p.id  # what batches write
    assert len(failures) == len(example) + len(varied)


class _Raising:
    """A rule set that fails on every priority."""

    id, version, inputs, output_scale = "raising", "1", ("challenge",), "delivery"

    def decide(self, values):
        raise RuntimeError("no")


def _varied(data: dict, seed: int) -> dict:
    """A synthetic priority bent into the shapes the bulk path takes shortcuts through: step plans,
    absolute or no tolerance, actuals between planned points, before the baseline and after the
    target, one actual or none."""
    import datetime as dt
    import random

    rng = random.Random(seed)
    if rng.random() < 0.3:
        data["trajectory"]["interpolation"] = "step"
    tolerance = rng.choice(["relative", "absolute", "none"])
    if tolerance == "absolute":
        data["tolerance"] = {"absolute": 0.5}
    elif tolerance == "none":
        del data["tolerance"]
    actuals = data["actuals"]
    if rng.random() < 0.5:
        for a in actuals:
            a["date"] = str(dt.date.fromisoformat(a["date"]) + dt.timedelta(days=rng.randrange(1, 28)))
    if rng.random() < 0.15:
        actuals.insert(0, {"date": "2023-06-01", "value": data["baseline"]["value"]})
        actuals.append({"date": str(dt.date.fromisoformat(data["target"]["date"]) + dt.timedelta(days=40)),
                        "value": data["target"]["value"]})
    shape = rng.random()
    if shape < 0.08:
        del actuals[1:]
    elif shape < 0.12:
        actuals.clear()
    return data


def test_streamed_jsonl_matches_the_in_memory_result_and_leaves_nothing_on_error(tmp_path, run):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from benchmarks.generate import write_priorities_jsonl

    batch = write_priorities_jsonl(tmp_path / "b.jsonl", 300)
    streamed = run("judge", str(batch), "--period", "P", "--as-of", "2026-01-01", "--format", "jsonl").stdout
    whole = make_engine().judge(batch, period="P", as_of="2026-01-01")
    assert streamed == render_assessment(whole, "jsonl")
    assert [json.loads(line) for line in streamed.splitlines()] == [p.model_dump(mode="json") for p in whole.priorities]
    # A bad line late in the batch: exit 2, and no output file (not even the lines before it).
    lines = batch.read_text().splitlines()
    lines[250] = lines[250].replace('"direction": "increase"', '"direction": "up"').replace(
        '"direction": "decrease"', '"direction": "up"')
    batch.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out.jsonl"
    result = run("judge", str(batch), "--period", "P", "--as-of", "2026-01-01", "--format", "jsonl", "-o", str(out))
    assert result.exit_code == 2 and f"{batch}:251:" in result.stderr
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["b.jsonl"]


def test_a_streamed_batch_escapes_control_characters_as_the_in_memory_result_does(tmp_path, run):
    """JSON leaves DEL, C1 controls (U+009B is a terminal's CSI) and U+2028 raw; every path writes
    them as \\u escapes, the stream included."""
    batch = _batch(tmp_path, 3)
    lines = batch.read_text().splitlines()
    row = json.loads(lines[1])
    row["title"] = "Reading \u009b31m\u2028at 11\u007f"
    lines[1] = json.dumps(row, ensure_ascii=False)
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    streamed = run("judge", str(batch), "--period", "P", "--as-of", "2026-01-01", "--format", "jsonl").stdout
    whole = make_engine().judge(batch, period="P", as_of="2026-01-01")
    assert streamed == render_assessment(whole, "jsonl")
    assert not any(ch in streamed for ch in "\u009b\u2028\u007f")
    assert json.loads(streamed.splitlines()[1])["title"] == row["title"]


def _batch(tmp_path, count):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from benchmarks.generate import write_priorities_jsonl

    return write_priorities_jsonl(tmp_path / "b.jsonl", count)


def test_jobs_give_the_same_bytes_in_the_same_order(tmp_path):
    """Several processes, chunks finishing in any order: the output is the single-process output."""
    batch = _batch(tmp_path, 700)                     # three chunks and a bit
    args = [sys.executable, "-m", "stocktake", "judge", str(batch), "--period", "P", "--as-of", "2026-01-01",
            "--format", "jsonl"]
    one = subprocess.run(args, capture_output=True, check=True).stdout
    two = subprocess.run([*args, "--jobs", "2"], capture_output=True, check=True).stdout
    every_cpu = subprocess.run([*args, "-j", "0"], capture_output=True, check=True).stdout
    assert one == two == every_cpu
    assert [json.loads(line)["id"] for line in one.splitlines()] == [f"p{i:06d}" for i in range(700)]


def test_jobs_report_a_bad_line_where_it_is_and_write_nothing(tmp_path):
    batch = _batch(tmp_path, 700)
    lines = batch.read_text().splitlines()
    lines[600] = lines[600].replace('"unit": "%"', '"unit": 7')
    lines[650] = lines[3]                             # a duplicate id in another chunk, after the bad line
    batch.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out.jsonl"
    args = [sys.executable, "-m", "stocktake", "judge", str(batch), "--period", "P", "--as-of", "2026-01-01",
            "--format", "jsonl", "-j", "2", "-o", str(out)]
    result = subprocess.run(args, capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"error: {batch}:601:") and "$.metric.unit: expected text, found 7" in result.stderr
    assert not out.exists()
    lines[600] = lines[601]                          # now only the duplicate is wrong
    lines[600] = lines[600].replace('"id": "p000601"', '"id": "p000600"')
    batch.write_text("\n".join(lines) + "\n")
    result = subprocess.run(args, capture_output=True, text=True)
    assert result.returncode == 2
    assert f"{batch}:651: $.id: expected priority ids unique, found 'p000003' again (first on line 4)" in result.stderr


def test_jobs_are_for_streamed_batches_only(run):
    result = run("judge", str(FIXTURE), "--jobs", "2")
    assert result.exit_code == 2 and "--jobs is for JSON Lines batches" in result.stderr


def test_progress_shows_on_a_terminal_only(tmp_path):
    import pty

    batch = _batch(tmp_path, 2000)                    # long enough (about 2 s) for the display to redraw
    args = [sys.executable, "-m", "stocktake", "judge", str(batch), "--period", "P", "--as-of", "2026-01-01",
            "--format", "jsonl", "-o", str(tmp_path / "out.jsonl")]
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    piped = subprocess.run(args, capture_output=True, text=True, env=env)
    assert piped.returncode == 0 and piped.stderr == ""
    main, child = pty.openpty()
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=child, env=env)
    os.close(child)
    seen = b""
    while True:
        try:
            data = os.read(main, 4096)
        except OSError:
            break
        if not data:
            break
        seen += data
    assert proc.wait() == 0
    os.close(main)
    assert b"judged" in seen and b"priorities" in seen and b"%" in seen
    under_ci = subprocess.run(args, capture_output=True, text=True, env={**env, "CI": "true"})
    assert under_ci.stderr == ""
