"""Rule sets: the built-in principles, properties over every input, hit policies, the check."""

from __future__ import annotations

import itertools
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from stocktake.likelihood.decision import CompiledTable, check_table
from stocktake.likelihood.ruleset import NO_DATA
from stocktake.testing import make_engine

ENGINE = make_engine()
TABLE, _, _ = ENGINE.rule_set("likelihood-default")
BASE = {"challenge": "M", "planning": "G", "capacity": "G", "stage": "3", "performance": "G", "off_track": "none",
        "indicators": NO_DATA, "deadline": "open"}


def judge(**changes: str):
    return TABLE.decide({**BASE, **changes})


def level(**changes: str) -> str:
    return judge(**changes).level


def test_the_base_case_is_green():
    assert level() == "G"


# -- one test per principle ------------------------------------------------------------------------


def test_colours_are_never_averaged():
    # Planning R with capacity and performance G: a mean of 1, 4, 4 would be AG; the cap gives AR.
    assert level(planning="R") == "AR"
    # G and R categories together never meet in the middle.
    assert level(planning="R", capacity="G", performance="G", challenge="L") == "AR"


def test_below_trajectory_at_the_latest_two_actuals_caps_at_amber_red():
    assert level(off_track="two-or-more") == "AR"
    assert level(off_track="one", performance="AR") == "AG"  # one below: not capped at AR by this rule


def test_any_category_at_red_caps_at_amber_red():
    assert level(planning="R") == "AR"
    assert level(capacity="R") == "AR"


def test_planning_and_capacity_both_red_give_red():
    assert level(planning="R", capacity="R") == "R"


def test_green_needs_performance_on_or_above_the_trajectory():
    assert level(performance="AG") == "AG"
    assert level(performance="G") == "G"


def test_green_before_any_actuals_needs_an_early_stage_and_sound_planning_and_capacity():
    early = {"performance": NO_DATA, "off_track": NO_DATA}
    assert level(stage="1", planning="AG", capacity="AG", **early) == "G"
    assert level(stage="2", **early) == "G"
    assert level(stage="2", planning="AR", **early) == "AG"


def test_green_needs_no_category_below_amber_green():
    assert level(capacity="AR") == "AG"
    assert level(planning="AR") == "AG"


def test_very_high_challenge_with_weak_capacity_caps_at_amber_red():
    assert level(challenge="VH", capacity="AR") == "AR"
    assert level(challenge="H", capacity="AR") == "AG"


def test_very_high_challenge_needs_planning_and_capacity_at_green_for_green():
    assert level(challenge="VH", capacity="AG") == "AG"
    assert level(challenge="VH", planning="AG") == "AG"
    assert level(challenge="VH") == "G"
    assert level(challenge="H", planning="AG", capacity="AG") == "G"   # a high challenge caps nothing by itself


def test_leading_indicators_cap_and_none_do_not():
    assert level(indicators="R") == "AR" and level(indicators="AR") == "AG"
    assert level(indicators="AG") == level(indicators=NO_DATA) == "G"


def test_after_the_deadline_the_outcome_decides():
    assert level(deadline="met", planning="R", performance="R") == "G"
    assert level(deadline="missed") == "R"
    decision = judge(deadline=NO_DATA)
    assert decision.level == "R" and "insufficient-evidence" in decision.flags


def test_late_stage_without_actuals_caps_at_amber_green_and_flags_it():
    for stage in ("3", "4"):
        decision = judge(stage=stage, performance=NO_DATA, off_track=NO_DATA)
        assert decision.level == "AG" and "insufficient-evidence" in decision.flags


def test_missing_ratings_are_never_good():
    for name in ("planning", "capacity", "challenge", "stage"):
        decision = judge(**{name: NO_DATA})
        assert decision.level == "AG" and "insufficient-evidence" in decision.flags, name


# -- properties over every input -------------------------------------------------------------------

DOMAINS = {name: TABLE.domains[name] for name in TABLE.inputs}
ORDERED = {name: [v for v in DOMAINS[name] if v != NO_DATA] for name in TABLE.inputs}
RANK = {code: i for i, code in enumerate(ENGINE.scale("delivery").codes)}


def better(name: str, value: str) -> list[str]:
    """Values strictly better than ``value`` for ``name`` (the scale's or states' order)."""
    order = ORDERED[name]
    return order[:order.index(value)] if value in order else []


def test_every_input_gives_exactly_one_level_and_improvement_never_lowers_it():
    """Exhaustive over all 250,000 combinations: one level out; a better single input (other than
    stage, capped on purpose) never gives a worse judgment."""
    for combo in itertools.product(*DOMAINS.values()):
        values = dict(zip(DOMAINS, combo))
        decision = TABLE.decide(values)
        assert decision.level in RANK and decision.problem is None, values
        for name in DOMAINS:
            if name == "stage":
                continue
            for value in better(name, values[name]):
                improved = TABLE.decide({**values, name: value}).level
                assert RANK[improved] <= RANK[decision.level], (values, name, value)


@settings(max_examples=500, deadline=None)
@given(st.fixed_dictionaries({name: st.sampled_from(domain) for name, domain in DOMAINS.items()}),
       st.sampled_from([n for n in DOMAINS if n != "stage"]), st.data())
def test_property_improving_one_input_never_lowers_the_judgment(values, name, data):
    options = better(name, values[name])
    before = TABLE.decide(values)
    assert before.level in RANK
    if options:
        value = data.draw(st.sampled_from(options))
        assert RANK[TABLE.decide({**values, name: value}).level] <= RANK[before.level]


def test_the_builtin_table_passes_its_check(run):
    report = check_table(TABLE)
    assert report.ok and report.combinations == 250_000
    result = run("rules", "check", "likelihood-default")
    assert result.exit_code == 0 and result.stdout.strip().endswith("ok")


# -- hit policies ----------------------------------------------------------------------------------

SMALL = """kind: RuleSet
schema_version: 1
id: small
version: "1"
title: Small
hit_policy: {policy}
{aggregate}inputs:
  - {{name: planning, scale: delivery}}
  - {{name: off_track, states: [none, one, two-or-more]}}
rules:
  - {{id: weak, when: {{planning: {{at_most: AR}}}}, then: AR, because: Weak planning.}}
  - {{id: red, when: {{planning: R}}, then: R, because: Red planning.}}
  - {{id: off, when: {{off_track: {{not: none}}}}, then: AG, because: Off track.}}
  - {{id: fine, when: {{planning: {{at_least: AG}}, off_track: none}}, then: G, because: Fine.}}
"""


def small(tmp_path, policy: str, aggregate: str = "") -> CompiledTable:
    path = tmp_path / f"{policy}.yaml"
    path.write_text(SMALL.format(policy=policy, aggregate=f"aggregate: {aggregate}\n" if aggregate else ""))
    return ENGINE.rule_set(str(path))[0]


def test_first_hit_takes_the_first_matching_rule(tmp_path):
    table = small(tmp_path, "first")
    assert table.decide({"planning": "R", "off_track": "one"}).rules == ("weak",)


def test_priority_takes_the_worst_matching_output(tmp_path):
    table = small(tmp_path, "priority")
    assert table.decide({"planning": "R", "off_track": "one"}).level == "R"


def test_collect_best_takes_the_best(tmp_path):
    table = small(tmp_path, "collect", "best")
    decision = table.decide({"planning": "R", "off_track": "one"})
    assert decision.level == "AG" and decision.matched == ("weak", "red", "off")


def test_unique_refuses_overlaps_and_gaps(tmp_path):
    table = small(tmp_path, "unique")
    assert table.decide({"planning": "G", "off_track": "none"}).level == "G"
    overlap = table.decide({"planning": "R", "off_track": "one"})
    assert overlap.level is None and "all match under hit policy 'unique'" in overlap.problem
    gap = table.decide({"planning": NO_DATA, "off_track": "none"})
    assert gap.level is None and gap.problem == "no rule matches these inputs"


def test_check_reports_gaps_overlaps_and_dead_rules(tmp_path, run):
    path = tmp_path / "flawed.yaml"
    path.write_text(SMALL.format(policy="unique", aggregate="").replace(
        "  - {id: fine,", "  - {id: never, when: {planning: G, off_track: [one]}, then: G, because: Shadowed.}\n"
                          "  - {id: dead, when: {planning: [G], off_track: none}, then: AG, because: Dead.}\n"
                          "  - {id: fine,"))
    report = check_table(ENGINE.rule_set(str(path))[0])
    assert report.gaps > 0 and report.overlaps > 0
    assert {"planning": "no-data", "off_track": "none"} in report.gap_examples
    assert not report.ok
    result = run("rules", "check", str(path), "--format", "json")
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["gaps"] == report.gaps and data["overlaps"] == report.overlaps
    assert "has gaps, overlaps or dead rules" in result.stderr


def test_first_hit_reports_shadowed_rules(tmp_path):
    path = tmp_path / "shadow.yaml"
    path.write_text(SMALL.format(policy="first", aggregate="").replace(
        "  - {id: fine,", "  - {id: shadowed, when: {planning: R}, then: G, because: Never first.}\n  - {id: fine,"))
    report = check_table(ENGINE.rule_set(str(path))[0])
    assert "shadowed" in report.never_decide and "red" in report.never_decide


def test_rules_lists_rule_sets(run):
    result = run("rules")
    assert result.exit_code == 0 and "likelihood-default" in result.stdout and "table" in result.stdout
