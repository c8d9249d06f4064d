"""Scoring capacity reviews: hand-worked cases, flags, overrides, roll-ups, baseline, output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from review_helpers import component, flags, rating, review, section, write

from stocktake.core.schemas import load_schema
from stocktake.kinds import KINDS
from stocktake.testing import make_engine

FIXTURES = Path(__file__).parents[1] / "fixtures"
EXHIBIT = FIXTURES / "exhibit-1b7.yaml"


@pytest.fixture(scope="module")
def engine():
    return make_engine()


# -- exhibit 1B.7 ----------------------------------------------------------------------------------

EXHIBIT_EXPECTED = {
    # strategy: {component: level} for 3A-4C; the exhibit's two columns per component.
    "lower-median": {"reform-strategy": "R", "targets-trajectories": "R", "delivery-plans": "R",
                     "routines": "R", "solve-problems": "AR", "sustain-momentum": "AR"},
    "most-conservative": {"reform-strategy": "R", "targets-trajectories": "R", "delivery-plans": "R",
                          "routines": "R", "solve-problems": "AR", "sustain-momentum": "AR"},
    "consensus": {"reform-strategy": "R", "targets-trajectories": "R", "delivery-plans": None,
                  "routines": "R", "solve-problems": "AR", "sustain-momentum": None},
}


@pytest.mark.parametrize("strategy", sorted(EXHIBIT_EXPECTED))
def test_exhibit_1b7(engine, strategy):
    result = engine.review(EXHIBIT, strategy=strategy)
    for cid, level in EXHIBIT_EXPECTED[strategy].items():
        assert component(result, cid).rating == level, (strategy, cid)
    # Codes R, YR, YG, G from the exhibit are read as aliases of the delivery scale.
    assert [i.value for i in component(result, "delivery-plans").inputs] == ["R", "AG"]
    # A two-level spread is flagged: 3C (R vs YG) and 4C (YR vs G).
    assert "disagreement" in flags(component(result, "delivery-plans"))
    assert "disagreement" in flags(component(result, "sustain-momentum"))
    assert "disagreement" not in flags(component(result, "solve-problems"))
    # Unrated components are their own state, never good.
    unrated = component(result, "define-aspiration")
    assert (unrated.state, unrated.rating) == ("not-rated", None) and "not-rated" in flags(unrated)
    assert result.summary.counts["not-rated"] == 9


def test_exhibit_1b7_stage_roll_ups_take_the_weakest_component(engine):
    result = engine.review(EXHIBIT)
    assert section(result, "plan").rating == "R"
    assert section(result, "drive").rating == "R"
    foundation = section(result, "foundation")
    assert (foundation.state, foundation.rating) == ("not-rated", None)
    assert result.summary.weakest == ["reform-strategy", "targets-trajectories", "delivery-plans", "routines"]
    assert [d.component for d in result.summary.most_disputed][:2] == ["delivery-plans", "sustain-momentum"]


def test_consensus_leaves_a_stage_partial_when_a_component_has_no_level(engine):
    result = engine.review(EXHIBIT, strategy="consensus")
    plan = section(result, "plan")
    assert plan.state == "partial" and plan.rating == "R" and "incomplete" in flags(plan)


# -- flags -----------------------------------------------------------------------------------------


def score(engine, tmp_path, ratings, **extra):
    return engine.review(write(tmp_path / "review.json", review(ratings, **extra)))


def test_self_review_two_levels_above_the_independent_review(engine, tmp_path):
    result = score(engine, tmp_path, [rating("1A", "self", "G"), rating("1A", "ind", "AR"),
                                      rating("1B", "self", "G"), rating("1B", "ind", "AG")])
    assert "self-review-above-independent" in flags(component(result, "define-aspiration"))
    assert "self-review-above-independent" not in flags(component(result, "review-state-of-delivery"))


def test_rating_without_rationale_or_evidence(engine, tmp_path):
    result = score(engine, tmp_path, [rating("1A", "du", "AG", rationale="", evidence=())])
    codes = flags(component(result, "define-aspiration"))
    assert "no-rationale" in codes and "no-evidence" in codes


def test_stale_evidence_by_a_configurable_age(engine, tmp_path):
    ratings = [rating("1A", "du", "AG", evidence=("E2",))]   # E2 is dated 2023-01-01
    assert "stale-evidence" in flags(component(score(engine, tmp_path, ratings), "define-aspiration"))
    relaxed = score(engine, tmp_path, ratings, settings={"evidence_max_age_days": 2000})
    assert "stale-evidence" not in flags(component(relaxed, "define-aspiration"))


def test_agreed_judgment_overrides_and_both_are_kept(engine, tmp_path):
    result = score(engine, tmp_path, [rating("1A", "du", "AR"), rating("1A", "ind", "R")],
                   judgments=[{"component": "1A", "level": "Amber-Red", "reason": "Plan adopted last week.",
                               "agreed_by": ["du", "ind"]}])
    judgment = component(result, "define-aspiration")
    assert (judgment.computed, judgment.rating) == ("R", "AR")
    assert judgment.override.reason == "Plan adopted last week." and judgment.override.by == ["du", "ind"]
    assert "overridden" in flags(judgment)
    assert "computed: R" in judgment.because


def test_trail_records_strategy_inputs_and_evidence(engine, tmp_path):
    result = score(engine, tmp_path, [rating("2A", "du", "AG", evidence=("E1", "E2")), rating("2A", "ind", "AR")])
    judgment = component(result, "evaluate-performance")
    assert judgment.rule.plugin == "builtin-aggregation" and judgment.rule.id == "lower-median"
    assert judgment.evidence == ["E1", "E2"]
    assert [(i.name, i.role, i.value) for i in judgment.inputs] == [("du", "delivery-unit", "AG"),
                                                                    ("ind", "independent", "AR")]
    assert judgment.trail[0] == "ratings: du (delivery-unit) AG, ind (independent) AR"
    assert sorted(result.evidence) == ["E1", "E2"]


def test_components_in_the_lower_half_list_rubric_and_team_actions(engine, tmp_path):
    result = score(engine, tmp_path, [rating("3B", "du", "AR"), rating("3C", "du", "AG")],
                   actions=[{"text": "Build campus trajectories.", "component": "3B"}])
    toward = {t.component: t for t in result.toward_green}
    assert set(toward) == {"targets-trajectories"}
    assert toward["targets-trajectories"].team == ["Build campus trajectories."]
    assert toward["targets-trajectories"].rubric_near_term


def test_roll_up_methods_never_average_by_default(engine, tmp_path):
    result = score(engine, tmp_path, [rating("1A", "du", "G"), rating("1B", "du", "G"),
                                      rating("1C", "du", "G"), rating("1D", "du", "R")])
    assert section(result, "foundation").rating == "R"   # worst, the rubric's method


def test_strategy_from_the_review_settings(engine, tmp_path):
    result = score(engine, tmp_path, [rating("1A", "du", "G"), rating("1A", "ind", "R")],
                   settings={"strategy": "independent-led"})
    assert result.strategy.id == "independent-led"
    assert component(result, "define-aspiration").rating == "R"


# -- baseline --------------------------------------------------------------------------------------


def test_movement_against_an_earlier_review_and_its_result_json(engine, tmp_path, run):
    base = write(tmp_path / "base.json", review([rating("1A", "du", "AR"), rating("1B", "du", "G"),
                                                 rating("1C", "du", "AG")], date="2024-06-30"))
    now = write(tmp_path / "now.json", review([rating("1A", "du", "AG"), rating("1B", "du", "AR"),
                                               rating("1C", "du", "AG"), rating("1D", "du", "R")]))
    result = engine.review(now, baseline=base)
    moves = {m.component: m.movement for m in result.movement}
    assert moves["define-aspiration"] == "improved"
    assert moves["review-state-of-delivery"] == "declined"
    assert moves["build-delivery-unit"] == "unchanged"
    assert moves["guiding-coalition"] == "not-rated"
    assert result.summary.movement["improved"] == 1
    assert [i.path for i in result.inputs] == [str(now), str(base)]
    # The baseline's result JSON gives the same movement.
    out = tmp_path / "base-result.json"
    assert run("review", str(base), "--output", str(out)).exit_code == 0
    again = engine.review(now, baseline=out)
    assert [m.model_dump() for m in again.movement] == [m.model_dump() for m in result.movement]


def test_changed_wording_is_reported_not_compared(tmp_path):
    rubric_dir = tmp_path / "rubrics"
    rubric_dir.mkdir()
    source = make_engine().rubric("delivery-capacity-review").path.read_text()
    changed = source.replace('version: "1.0.0"', 'version: "1.1.0"').replace(
        "title: Build the delivery unit", "title: Build and staff the delivery unit")
    changed = changed.replace("      - id: communicate\n", "      - id: communicate-results\n")
    (rubric_dir / "v11.yaml").write_text(changed)
    engine = make_engine(rubric_paths=[rubric_dir])
    base = write(tmp_path / "base.json", review([rating("1C", "du", "R"), rating("1D", "du", "R"),
                                                 rating("5B", "du", "R")], date="2024-06-30"))
    now_doc = review([rating("1C", "du", "G"), rating("1D", "du", "G"), rating("5B", "du", "G")])
    now_doc["rubric"]["version"] = "1.1.0"
    result = engine.review(write(tmp_path / "now.json", now_doc), baseline=base)
    moves = {m.component: m for m in result.movement}
    assert moves["build-delivery-unit"].movement == "wording-changed"
    assert (moves["build-delivery-unit"].baseline, moves["build-delivery-unit"].current) == ("R", "G")
    assert moves["guiding-coalition"].movement == "improved"
    assert moves["communicate-results"].movement == "new"
    assert moves["communicate"].movement == "removed"


def test_rubrics_diff(run, tmp_path):
    new = tmp_path / "new.yaml"
    source = make_engine().rubric("delivery-capacity-review").path.read_text()
    new.write_text(source.replace('version: "1.0.0"', 'version: "2.0"').replace(
        "            A small number of ambitious aspirations", "            A few ambitious aspirations"))
    result = run("rubrics", "diff", "delivery-capacity-review@1.0.0", str(new), "--format", "json")
    assert result.exit_code == 0, result.stderr
    changes = json.loads(result.stdout)["changes"]
    assert changes == [{"what": "component", "id": "define-aspiration", "kind": "changed",
                        "fields": ["descriptors"], "detail": "descriptors changed for G"}]


def test_baseline_on_another_rubric_is_refused(engine, tmp_path):
    from stocktake import UsageError

    other = tmp_path / "other.json"
    result_json = json.loads(make_engine().review(EXHIBIT).model_dump_json())
    result_json["rubric"]["id"] = "another-rubric"
    other.write_text(json.dumps(result_json))
    with pytest.raises(UsageError, match="cannot be matched"):
        engine.review(EXHIBIT, baseline=other)


# -- output ----------------------------------------------------------------------------------------


def test_json_follows_the_published_schema_and_validates_as_a_document(run, tmp_path):
    out = tmp_path / "result.json"
    assert run("review", str(EXHIBIT), "-o", str(out)).exit_code == 0
    data = json.loads(out.read_text())
    Draft202012Validator(load_schema(KINDS["CapacityReviewResult"])).validate(data)
    assert data["kind"] == "CapacityReviewResult"
    assert run("validate", str(out)).exit_code == 0


@pytest.mark.parametrize("fmt", ["json", "md", "html"])
def test_same_input_gives_byte_identical_output_across_processes(tmp_path, fmt):
    outputs = set()
    for seed in ("1", "2", "random"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run([sys.executable, "-m", "stocktake", "review", str(EXHIBIT), "--format", fmt],
                              capture_output=True, env=env, check=True)
        outputs.add(proc.stdout)
    assert len(outputs) == 1


def test_markdown_heatmap_prints_the_level_codes(run):
    text = run("review", str(EXHIBIT), "--format", "md").stdout
    assert "| 3 Plan for delivery | R | 3A Determine the reform strategy: **R** |" in text
    assert "4B Solve problems early and rigorously: **AR**" in text
    assert "1A Define the aspiration: **not rated**" in text


def test_html_escapes_everything_from_the_document(engine, tmp_path):
    payload = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    doc = review([rating("1A", "du", "R", rationale=payload)], system=payload, title=payload,
                 findings=[{"text": payload}], actions=[{"text": payload, "component": "1A", "owner": payload}])
    doc["reviewers"] = [dict(r, name=payload) if r["id"] == "du" else r for r in doc["reviewers"]]
    doc["evidence"] = [dict(e, source=payload, summary=payload) for e in doc["evidence"]]
    result = engine.review(write(tmp_path / "x.json", doc))
    from stocktake.render import render_review

    html = render_review(result, "html")
    assert "<script>" not in html and "<img" not in html and "onerror=alert" not in html.replace("onerror=alert(2)&gt;", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    markdown = render_review(result, "md")
    assert "<script>" not in markdown and "<img" not in markdown


def test_a_failing_strategy_becomes_a_failure_and_exit_3(tmp_path, fake_dist, run):
    source = '''
from stocktake import hookimpl
from stocktake.review.strategies import Verdict

class Broken:
    id = "broken"
    version = "0.1"
    title = "Broken"
    description = "Raises on purpose."
    def aggregate(self, ratings, scale):
        if ratings[0].level == "R":
            raise ZeroDivisionError("oops")
        return Verdict("PURPLE", "rated", "nonsense")

@hookimpl
def stocktake_register_strategies(registry):
    registry.add_strategy(Broken())
'''
    fake_dist("broken-strategy", "0.1.0", modules={"broken_strategy": source},
              entry_points={"broken-strategy": "broken_strategy"})
    doc = write(tmp_path / "r.json", review([rating("1A", "du", "R"), rating("1B", "du", "G")]))
    out = tmp_path / "out.json"
    result = run("review", str(doc), "--strategy", "broken", "-o", str(out))
    assert result.exit_code == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2
    assert "plugin 'broken-strategy' (distribution broken-strategy 0.1.0)" in lines[0]
    assert "raised ZeroDivisionError: oops" in result.stderr
    assert "returned level 'PURPLE'" in result.stderr
    data = json.loads(out.read_text())           # the output is complete and written
    assert len(data["failures"]) == 2
    states = {j["subject"]: j["state"] for j in data["judgments"]}
    assert states["component:define-aspiration"] == "not-rated"
    assert states["section:challenge"] == "not-rated"
