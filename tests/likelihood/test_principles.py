"""The likelihood judgment against the method's principles (seed 003; domain.md 2), each through
both paths where a level is at stake: the explained result (``Engine.judge``) and the bulk one
(``Engine.judge_levels`` and a JSON Lines batch)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from stocktake.likelihood.model import Priority
from stocktake.testing import make_engine

ENGINE = make_engine()
AS_OF = "2026-10-31"

BASE: dict[str, Any] = {
    "id": "p1", "title": "P1",
    "metric": {"name": "M", "unit": "%", "direction": "increase"},
    "baseline": {"date": "2025-01-01", "value": 10},
    "target": {"date": "2027-01-01", "value": 20},
    "actuals": [{"date": "2025-07-01", "value": 12.6}, {"date": "2026-01-01", "value": 15.1},
                {"date": "2026-07-01", "value": 17.6}],
    "tolerance": {"absolute": 1},
    "ratings": {"challenge": {"level": "M"}, "planning": {"level": "G"}, "capacity": {"level": "G"},
                "stage": {"level": 3}},
}


def priority(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def ratings(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE["ratings"])
    for key, value in changes.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = {"level": value}
    return data


def judged(tmp_path: Path, p: dict[str, Any], *, as_of: str = AS_OF, evidence: list | None = None):
    """(explained result of the one priority, bulk level, JSON Lines batch level)."""
    doc = {"kind": "DeliveryAssessment", "schema_version": 1, "period": "P", "date": as_of,
           "evidence": evidence or [], "priorities": [p]}
    path = tmp_path / "a.json"
    path.write_text(json.dumps(doc))
    explained = ENGINE.judge(path).priorities[0]
    context = {**ENGINE._context(), "rubric": ENGINE.rubric("likelihood-of-delivery").rubric, "evidence_ids": set()}
    bulk = ENGINE.judge_levels([Priority.model_validate(_without_evidence(p), context=context)],
                               as_of=dt.date.fromisoformat(as_of))[0]
    batch = tmp_path / "b.jsonl"
    batch.write_text(json.dumps(_without_evidence(p)) + "\n")
    line = ENGINE.judge(batch, period="P", as_of=as_of).priorities[0]
    assert bulk.level == line.judgment.computed == explained.judgment.computed, "the paths disagree"
    return explained


def _without_evidence(p: dict[str, Any]) -> dict[str, Any]:
    p = copy.deepcopy(p)
    for rating in p.get("ratings", {}).values():
        rating.pop("evidence", None)
    return p


def codes(result) -> list[str]:
    return [f.code for f in result.judgment.flags]


def test_the_base_priority_is_green(tmp_path):
    assert judged(tmp_path, priority()).judgment.rating == "G"


# -- 1. every category counts, stage included ------------------------------------------------------


def test_a_stage_not_rated_caps_at_amber_green_and_flags_it_in_both_paths(tmp_path):
    result = judged(tmp_path, priority(ratings=ratings(stage=None)))
    assert result.judgment.rating == "AG"
    assert "insufficient-evidence" in codes(result)
    assert "stage-not-rated" in result.judgment.decided_by


# -- 2. leading indicators are evidence ------------------------------------------------------------


def test_a_red_leading_indicator_caps_at_amber_red(tmp_path):
    indicators = [{"name": "Term tests", "level": "R"}, {"name": "Attendance at tutoring", "level": "AG"}]
    result = judged(tmp_path, priority(leading_indicators=indicators))
    assert result.judgment.rating == "AR" and result.judgment.decided_by == ["indicator-red"]
    note = next(i for i in result.judgment.inputs if i.name == "indicators")
    assert note.value == "R" and "Term tests" in note.note and note.note.startswith("worst R")
    assert any("indicators R" in line for line in result.judgment.trail)
    assert result.what_would_change.up.input == "indicators"


def test_an_amber_red_leading_indicator_caps_at_amber_green(tmp_path):
    result = judged(tmp_path, priority(leading_indicators=[{"name": "Term tests", "level": "AR"}]))
    assert result.judgment.rating == "AG" and result.judgment.decided_by == ["indicator-amber-red"]


def test_no_leading_indicators_is_no_data_and_does_not_cap(tmp_path):
    result = judged(tmp_path, priority(leading_indicators=[{"name": "Term tests", "values": []}]))
    assert result.judgment.rating == "G"
    assert next(i for i in result.judgment.inputs if i.name == "indicators").value is None


# -- 3. a time-bound target that has passed --------------------------------------------------------

AFTER = "2027-03-01"


def _final(value: float) -> list[dict[str, Any]]:
    return [*BASE["actuals"], {"date": "2027-01-15", "value": value}]


def test_after_the_target_date_a_met_target_is_green_whatever_else(tmp_path):
    result = judged(tmp_path, priority(actuals=_final(20.5), ratings=ratings(planning="AR")), as_of=AFTER)
    assert result.judgment.rating == "G" and result.judgment.decided_by == ["target-met"]
    assert "target-date-passed" in codes(result)
    deadline = next(i for i in result.judgment.inputs if i.name == "deadline")
    assert deadline.value == "met" and "20.5" in deadline.note


def test_after_the_target_date_a_final_actual_short_of_the_target_is_red(tmp_path):
    result = judged(tmp_path, priority(actuals=_final(19)), as_of=AFTER)
    assert result.judgment.rating == "R" and result.judgment.decided_by == ["target-missed"]
    assert "target-date-passed" in codes(result)
    change = result.what_would_change
    # Nothing measured can change after the deadline: no trajectory or deadline change is offered.
    offered = {c.input for c in (change.up, change.down) if c is not None}
    assert not offered & {"performance", "off_track", "trajectory", "deadline", "indicators"}


def test_the_outcome_reads_the_metric_s_direction(tmp_path):
    down = {"name": "Absence", "unit": "%", "direction": "decrease"}
    actuals = [{"date": "2026-01-01", "value": 15}, {"date": "2027-01-15", "value": 11.9}]
    p = priority(metric=down, baseline={"date": "2025-01-01", "value": 18},
                 target={"date": "2027-01-01", "value": 12}, actuals=actuals)
    assert judged(tmp_path, p, as_of=AFTER).judgment.rating == "G"
    p["actuals"][-1]["value"] = 12.5
    assert judged(tmp_path, p, as_of=AFTER).judgment.rating == "R"


def test_after_the_target_date_with_no_actual_it_is_red_for_want_of_evidence(tmp_path):
    result = judged(tmp_path, priority(actuals=[]), as_of=AFTER)
    assert result.judgment.rating == "R" and result.judgment.decided_by == ["target-outcome-unknown"]
    assert "insufficient-evidence" in codes(result)


def test_the_outcome_is_the_actual_at_the_target_date_not_the_latest(tmp_path):
    """A target is met or missed at its date: the actual on (or first after) the target date decides,
    not a later one (a dip after a target met on time does not un-deliver it), and not an earlier
    one (a measurement months before the deadline is not the outcome)."""
    met_then_dipped = [*BASE["actuals"], {"date": "2027-01-01", "value": 20.5}, {"date": "2027-02-01", "value": 19.2}]
    result = judged(tmp_path, priority(actuals=met_then_dipped), as_of=AFTER)
    assert result.judgment.rating == "G" and result.judgment.decided_by == ["target-met"]
    deadline = next(i for i in result.judgment.inputs if i.name == "deadline")
    assert "20.5" in deadline.note and "2027-01-01" in deadline.note
    short_then_late = [*BASE["actuals"], {"date": "2027-01-20", "value": 19}, {"date": "2027-02-20", "value": 21}]
    assert judged(tmp_path, priority(actuals=short_then_late), as_of=AFTER).judgment.rating == "R"


def test_a_passed_target_with_only_earlier_actuals_has_no_outcome(tmp_path):
    """Only actuals from before the target date: nobody has shown the outcome. Not 'missed' on a
    measurement taken on the way, and the trail names the one thing that can change it: reporting it."""
    result = judged(tmp_path, priority(), as_of=AFTER)   # the latest actual is 2026-07-01, the target 2027-01-01
    assert result.judgment.decided_by == ["target-outcome-unknown"] and result.judgment.rating == "R"
    deadline = next(i for i in result.judgment.inputs if i.name == "deadline")
    assert deadline.value is None and "no actual" in deadline.note
    assert not any("nothing measured can change it" in line for line in result.judgment.trail)
    assert any("an actual at or after the target date" in line for line in result.judgment.trail)


def test_on_the_target_date_an_actual_dated_that_day_is_the_outcome(tmp_path):
    p = priority(actuals=[*BASE["actuals"], {"date": "2027-01-01", "value": 19.5}])
    result = judged(tmp_path, p, as_of="2027-01-01")
    assert result.judgment.decided_by == ["target-missed"] and result.judgment.rating == "R"


@pytest.mark.parametrize("changes", [
    {},                                                                          # G, on the trajectory
    {"ratings": ratings(planning="AR")},                                         # AG
    {"actuals": [{"date": "2025-07-01", "value": 11}, {"date": "2026-01-01", "value": 12},
                 {"date": "2026-07-01", "value": 13}]},                          # off track: AR or R
    {"actuals": []},                                                             # stage 3 without actuals
])
def test_what_would_change_it_offers_only_changes_that_can_happen(tmp_path, changes):
    """Before the target date, whether it will be met is not a change anyone can make; the stage of
    delivery moves forward only; a priority's movement is history. None is ever offered."""
    result = judged(tmp_path, priority(**changes))
    for change in (result.what_would_change.up, result.what_would_change.down):
        if change is None:
            continue
        assert change.input != "deadline", change
        if change.input == "stage" and change.from_value != "no-data":
            assert int(change.to_value) > int(change.from_value), change
    severity = result.severity.what_would_change
    assert all(c.input != "movement" for c in (severity.up, severity.down) if c is not None)


def test_after_the_target_date_the_severity_offers_no_change_of_the_likelihood(tmp_path):
    result = judged(tmp_path, priority(actuals=_final(19)), as_of=AFTER)
    severity = result.severity.what_would_change
    assert all(c.input not in ("likelihood", "off_track", "movement") for c in (severity.up, severity.down)
               if c is not None)


def test_a_rule_set_that_reads_neither_deadline_nor_indicators_still_judges(tmp_path):
    rules = tmp_path / "mine.yaml"
    rules.write_text("""kind: RuleSet
schema_version: 1
id: mine
version: "1"
title: Mine
hit_policy: first
inputs:
  - {name: performance, scale: delivery}
rules:
  - {id: weak, when: {performance: {at_most: AR}}, then: AR, because: Weak.}
  - {id: fine, then: G, because: Fine.}
""")
    doc = {"kind": "DeliveryAssessment", "schema_version": 1, "period": "P", "date": AFTER,
           "priorities": [priority(actuals=_final(19), leading_indicators=[{"name": "T", "level": "R"}])]}
    path = tmp_path / "a.json"
    path.write_text(json.dumps(doc))
    result = ENGINE.judge(path, rules=str(rules)).priorities[0]
    assert result.judgment.rating == "G" and "target-date-passed" in codes(result)


# -- 4. actuals and evidence dated after the assessment --------------------------------------------


def test_an_actual_after_the_assessment_date_is_excluded_and_flagged(tmp_path):
    typo = {"date": "2029-07-01", "value": 3}   # 2026 typed as 2029; it would be far below the plan
    with_typo = judged(tmp_path, priority(actuals=[*BASE["actuals"], typo]))
    without = judged(tmp_path, priority())
    assert with_typo.judgment.rating == without.judgment.rating == "G"
    flag = next(f for f in with_typo.judgment.flags if f.code == "future-actual")
    assert "2029-07-01" in flag.message and "3" in flag.message
    assert [str(c.date) for c in with_typo.trajectory.checks] == [a["date"] for a in BASE["actuals"]]
    assert any("2029-07-01" in line and "excluded" in line for line in with_typo.judgment.trail)


def test_evidence_dated_after_the_assessment_or_undated_is_flagged(tmp_path):
    evidence = [{"id": "E1", "kind": "data", "source": "Results", "date": "2027-02-01"},
                {"id": "E2", "kind": "interview", "source": "Leads"},
                {"id": "E3", "kind": "document", "source": "Plan", "date": "2026-06-01"}]
    r = ratings()
    r["planning"]["evidence"] = ["E1", "E3"]
    r["capacity"]["evidence"] = ["E2"]
    result = judged(tmp_path, priority(ratings=r), evidence=evidence)
    flags = {f.code: f.message for f in result.judgment.flags}
    assert "E1 (2027-02-01)" in flags["evidence-after-date"] and "E3" not in flags["evidence-after-date"]
    assert "E2" in flags["undated-evidence"]
    assert result.judgment.rating == "G"


# -- 5. say the real reason ------------------------------------------------------------------------


def test_on_the_trajectory_but_projected_short_the_reason_names_the_trend(tmp_path):
    actuals = [{"date": "2025-07-01", "value": 13.5}, {"date": "2026-01-01", "value": 16},
               {"date": "2026-07-01", "value": 17.6}]   # above plan at the latest; the trend flattens
    result = judged(tmp_path, priority(actuals=actuals))
    assert result.trajectory.checks[-1].gap > 0 and result.trajectory.shortfall > 0
    assert result.judgment.rating == "AG"
    because = result.judgment.because
    assert "trend" in because and "short of the target" in because


# -- 6. challenge should matter --------------------------------------------------------------------


@pytest.mark.parametrize(("challenge", "planning", "capacity", "expected"), [
    ("VH", "AG", "G", "AG"), ("VH", "G", "AG", "AG"), ("VH", "G", "G", "G"),
    ("H", "AG", "AG", "G"), ("M", "AG", "AG", "G")])
def test_a_very_high_challenge_needs_strong_planning_and_capacity_for_green(tmp_path, challenge, planning,
                                                                             capacity, expected):
    p = priority(ratings=ratings(challenge=challenge, planning=planning, capacity=capacity))
    assert judged(tmp_path, p).judgment.rating == expected


# -- 7. step plans ---------------------------------------------------------------------------------


def test_a_step_plan_says_why_its_projection_is_a_line(tmp_path):
    steps = {"interpolation": "step", "points": [{"date": "2025-07-01", "value": 12.5},
                                                   {"date": "2026-01-01", "value": 15}]}
    result = judged(tmp_path, priority(trajectory=steps))
    method = result.trajectory.projection_method
    assert "step" in method and "target" in method
    assert any(line.startswith("projection:") and "step" in line for line in result.judgment.trail)


def test_a_rule_set_declaring_the_deadline_s_states_otherwise_is_refused_naming_the_engine_s(tmp_path):
    rules = tmp_path / "odd.yaml"
    rules.write_text("kind: RuleSet\nschema_version: 1\nid: odd\nversion: '1'\ntitle: Odd\nhit_policy: first\n"
                     "inputs: [{name: deadline, states: [open, passed]}]\n"
                     "rules: [{id: any, then: G, because: Always.}]\n")
    doc = {"kind": "DeliveryAssessment", "schema_version": 1, "period": "P", "date": AS_OF, "priorities": [priority()]}
    path = tmp_path / "a.json"
    path.write_text(json.dumps(doc))
    from stocktake.core.errors import UsageError

    with pytest.raises(UsageError, match=r"declares input 'deadline' as \['open', 'passed', 'no-data'\], "
                                         r"but the engine gives \['met', 'open', 'missed', 'no-data'\]"):
        ENGINE.judge(path, rules=str(rules))
