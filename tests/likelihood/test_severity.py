"""Severity classification (seed 002, module 4B: "a system of criteria for classifying them according
to severity ... ranging from increased scrutiny to full-blown crisis management") and the "so what"
a priority carries: actions with owners and dates, milestones, commentary (seed 003)."""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path

import pytest
import yaml

from stocktake.testing import make_engine

FIXTURE = Path(__file__).parents[1] / "fixtures" / "assessment.yaml"
ORDERED_STATES = {"movement": ["up", "same", "down"], "off_track": ["none", "one", "two-or-more"],
                  "milestones_missed": ["none", "one", "two-or-more"], "actions_overdue": ["none", "one", "two-or-more"],
                  "deadline": ["met", "open", "missed"]}


def _doc() -> dict:
    return yaml.safe_load(FIXTURE.read_text())


def _priority(doc: dict, pid: str) -> dict:
    return next(p for p in doc["priorities"] if p["id"] == pid)


def _judge(tmp_path, doc: dict, *args: str, run=None):
    path = tmp_path / "assessment.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    if run is not None:
        return run("judge", str(path), *args)
    return make_engine().judge(path)


def _result(result, pid):
    return next(p for p in result.priorities if p.id == pid)


ON_TIME = [{"name": "Plan agreed", "due": "2026-03-01", "done": "2026-02-20"}]


# -- the scale and the rule set ------------------------------------------------------------------------


def test_the_severity_scale_runs_from_on_track_to_crisis():
    scale = make_engine().scales()["severity"]
    assert scale.codes == ["on-track", "scrutiny", "intervention", "crisis"]


def test_the_default_classifier_is_a_clean_decision_table(run):
    result = run("rules", "check", "severity-default")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("ok")
    assert "severity-default" in run("rules").stdout


def test_a_worse_input_never_gives_a_better_severity():
    engine = make_engine()
    table, _, _ = engine.rule_set("severity-default")
    scales = engine.scales()
    severity = scales["severity"]
    ordered = dict.fromkeys(("likelihood", "chain"), scales["delivery"].codes)  # best first: G .. R
    ordered.update(ORDERED_STATES)
    domains = [table.domains[name] for name in table.inputs]
    for combo in itertools.product(*domains):
        values = dict(zip(table.inputs, combo))
        here = severity.rank(table.decide(values).level)
        for name, order in ordered.items():
            value = values[name]
            if value not in order or order.index(value) == len(order) - 1:
                continue
            worse = {**values, name: order[order.index(value) + 1]}
            assert severity.rank(table.decide(worse).level) >= here, (values, name)


def test_the_classifier_never_says_on_track_without_a_likelihood_or_milestones():
    table, _, _ = make_engine().rule_set("severity-default")
    fine = {"likelihood": "G", "movement": "same", "off_track": "none", "milestones_missed": "none",
            "actions_overdue": "none", "chain": "G", "deadline": "open"}
    assert table.decide(fine).level == "on-track"
    assert table.decide({**fine, "likelihood": "no-data"}).level != "on-track"
    assert table.decide({**fine, "milestones_missed": "no-data"}).level != "on-track"
    # A target met at its date has no slippage left to watch: no milestones do not raise it.
    assert table.decide({**fine, "milestones_missed": "no-data", "deadline": "met"}).level == "on-track"


@pytest.mark.parametrize(("change", "expected"), [
    ({"likelihood": "AR"}, "scrutiny"),
    ({"likelihood": "R"}, "intervention"),
    ({"likelihood": "R", "movement": "down"}, "crisis"),
    ({"likelihood": "R", "off_track": "two-or-more", "milestones_missed": "one"}, "crisis"),
    ({"likelihood": "AG", "movement": "down"}, "scrutiny"),
    ({"milestones_missed": "two-or-more"}, "scrutiny"),
    ({"likelihood": "AR", "milestones_missed": "two-or-more"}, "intervention"),
    ({"chain": "R"}, "intervention"),
])
def test_the_default_criteria(change, expected):
    table, _, _ = make_engine().rule_set("severity-default")
    fine = {"likelihood": "G", "movement": "same", "off_track": "none", "milestones_missed": "none",
            "actions_overdue": "none", "chain": "G", "deadline": "open"}
    assert table.decide({**fine, **change}).level == expected


# -- the judgment on each priority ----------------------------------------------------------------------


def test_each_priority_has_a_severity_judgment_with_its_trail(tmp_path):
    doc = _doc()
    for p in doc["priorities"]:
        p["milestones"] = copy.deepcopy(ON_TIME)
    result = _judge(tmp_path, doc)
    attendance = _result(result, "attendance").severity
    # R, and down from AR: crisis management.
    assert attendance.judgment.subject == "priority:attendance" and attendance.judgment.scale == "severity"
    assert attendance.judgment.rating == "crisis" and attendance.judgment.state == "rated"
    assert attendance.judgment.rule.id == "severity-default"
    inputs = {i.name: i.value for i in attendance.judgment.inputs}
    assert inputs == {"likelihood": "R", "movement": "down", "off_track": "two-or-more", "milestones_missed": "none",
                      "actions_overdue": "none", "chain": None, "deadline": "open"}
    assert any("severity-default" in step for step in attendance.judgment.trail)
    assert attendance.judgment.because
    # What would change it: a single input, checked against the table.
    assert attendance.what_would_change.up is not None and attendance.what_would_change.up.result == "intervention"
    reading = _result(result, "reading").severity
    assert reading.judgment.rating == "on-track"          # AG, same, on time
    # The agreed level is the likelihood the classifier reads.
    assert {i.name: i.value for i in _result(result, "graduation").severity.judgment.inputs}["likelihood"] == "AG"
    assert [row.severity for row in result.league] == ["on-track", "on-track", "crisis"]


def test_missed_milestones_and_overdue_actions_raise_severity(tmp_path):
    doc = _doc()
    reading = _priority(doc, "reading")
    reading["milestones"] = [
        {"name": "Tutors recruited", "due": "2026-09-01"},                      # missed
        {"name": "Screening in every school", "due": "2026-10-30"},             # due the day before: missed
        {"name": "Tutoring data published", "due": "2026-10-31"},               # due on the date: not yet missed
        {"name": "Summer school", "due": "2026-07-01", "done": "2026-06-28"},   # done
        {"name": "Second cohort", "due": "2026-12-01"},                         # not due yet
    ]
    reading["actions"] = [
        {"text": "Name an owner for the tutoring strand", "owner": "Director of Curriculum", "due": "2026-10-01"},
        {"text": "Publish the screening data", "owner": "Data team", "due": "2026-10-15", "status": "open"},
        {"text": "Agree the budget", "owner": "Finance", "due": "2026-09-01", "status": "done"},
        {"text": "Review in January", "owner": "Delivery unit", "due": "2026-10-31"},  # due today: not overdue
    ]
    reading["commentary"] = "Good progress overall; the tutoring strand is behind."
    result = _judge(tmp_path, doc)
    p = _result(result, "reading")
    inputs = {i.name: i.value for i in p.severity.judgment.inputs}
    assert inputs["milestones_missed"] == "two-or-more" and inputs["actions_overdue"] == "two-or-more"
    assert p.severity.judgment.rating == "scrutiny"
    notes = {i.name: i.note for i in p.severity.judgment.inputs}
    assert "Tutors recruited" in notes["milestones_missed"] and "Screening in every school" in notes["milestones_missed"]
    assert "Tutoring data published" not in notes["milestones_missed"]
    assert p.commentary == "Good progress overall; the tutoring strand is behind."
    assert [a.status for a in p.actions] == ["open", "open", "done", "open"]


def test_a_chain_judgment_is_read_from_the_delivery_chain_sub_criterion(tmp_path):
    doc = _doc()
    reading = _priority(doc, "reading")
    reading["milestones"] = copy.deepcopy(ON_TIME)
    reading["ratings"]["capacity"]["criteria"]["delivery-chain"]["level"] = "R"
    p = _result(_judge(tmp_path, doc), "reading")
    assert {i.name: i.value for i in p.severity.judgment.inputs}["chain"] == "R"
    assert p.severity.judgment.rating in ("intervention", "crisis")


def test_an_analysed_chain_is_read_over_the_team_s_rating_of_the_chain(tmp_path):
    """Given the chain's analysis (``judge --chain``, the report), the classifier reads what the
    analysis found, not the team's rating of the delivery-chain sub-criterion: the report shows the
    analysed level beside the severity, and the two must not contradict each other."""
    doc = _doc()
    reading = _priority(doc, "reading")
    reading["milestones"] = copy.deepcopy(ON_TIME)
    assert reading["ratings"]["capacity"]["criteria"]["delivery-chain"]["level"] == "AG"
    path = tmp_path / "assessment.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    chain = FIXTURE.parent / "chain.yaml"   # reading-chain, analysed at R
    p = _result(make_engine().judge(path, chains=[chain]), "reading")
    inputs = {i.name: i for i in p.severity.judgment.inputs}
    assert inputs["chain"].value == "R" and "reading-chain" in inputs["chain"].note
    assert p.severity.judgment.rating in ("intervention", "crisis")
    without = _result(make_engine().judge(path), "reading")
    assert {i.name: i.value for i in without.severity.judgment.inputs}["chain"] == "AG"
    # The likelihood reads the team's AG, so it says that the analysis found worse.
    below = next(f for f in p.judgment.flags if f.code == "chain-below-rating")
    assert "reading-chain is at R" in below.message and "(AG)" in below.message
    assert "chain-below-rating" not in [f.code for f in without.judgment.flags]


def test_an_agreed_level_does_not_hide_a_worse_computed_one_from_the_classifier(tmp_path):
    """An agreement is the joint judgment of the likelihood (it stands in the league table), but the
    problems the evidence shows still call for their response: severity reads the computed R."""
    doc = _doc()
    reading = _priority(doc, "reading")
    reading["milestones"] = copy.deepcopy(ON_TIME)
    reading["ratings"]["planning"] = {"level": "R"}
    reading["ratings"]["capacity"] = {"level": "R"}
    reading["agreed"] = {"level": "G", "reason": "The minister is confident.", "agreed_by": ["DU"]}
    p = _result(_judge(tmp_path, doc), "reading")
    assert (p.judgment.rating, p.judgment.computed) == ("G", "R")
    read = next(i for i in p.severity.judgment.inputs if i.name == "likelihood")
    assert read.value == "R" and "agreed G does not hide" in read.note
    assert p.severity.judgment.rating in ("intervention", "crisis")
    reading["agreed"]["level"] = "R"   # an agreement worse than the rules stands for the classifier too
    reading["ratings"]["planning"] = reading["ratings"]["capacity"] = {"level": "G"}
    p = _result(_judge(tmp_path, doc), "reading")
    assert next(i for i in p.severity.judgment.inputs if i.name == "likelihood").value == "R"


def test_with_two_chains_the_likelihood_and_the_severity_read_the_weaker(tmp_path):
    doc = _doc()
    reading = _priority(doc, "reading")
    del reading["ratings"]["capacity"]["criteria"]["delivery-chain"]   # the team gave no chain rating
    path = tmp_path / "assessment.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    weak = FIXTURE.parent / "chain.yaml"                             # reading-chain, analysed at R
    strong = yaml.safe_load(weak.read_text())
    strong["id"] = "reading-chain-b"
    for link in strong["links"]:
        link["strength"] = "G"
    other = tmp_path / "strong.yaml"
    other.write_text(yaml.safe_dump(strong, sort_keys=False))
    engine = make_engine()
    assert engine.chain(other).judgment.rating != "R"
    for chains in ([weak, other], [other, weak]):
        p = _result(engine.judge(path, chains=chains), "reading")
        capacity = next(i for i in p.judgment.inputs if i.name == "capacity")
        severity_chain = next(i for i in p.severity.judgment.inputs if i.name == "chain")
        assert severity_chain.value == "R" and "reading-chain" in severity_chain.note
        assert capacity.value == "R", capacity   # worst roll-up of the sub-criteria, the chain's R among them


def test_without_a_likelihood_level_severity_is_not_rated(tmp_path):
    rules = tmp_path / "broken.yaml"
    rules.write_text(yaml.safe_dump({
        "kind": "RuleSet", "schema_version": 1, "id": "gappy", "version": "1", "title": "Gappy",
        "hit_policy": "unique", "inputs": [{"name": "planning", "scale": "delivery"}],
        "rules": [{"id": "only-g", "when": {"planning": "G"}, "then": "G", "because": "G."}]}))
    result = make_engine().judge(FIXTURE, rules=str(rules))
    severity = _result(result, "reading").severity.judgment
    assert severity.state == "not-rated" and severity.rating is None
    assert "likelihood-not-rated" in [f.code for f in severity.flags]


def test_the_severity_rule_set_is_chosen_by_option_or_field(tmp_path, run):
    own = tmp_path / "own-severity.yaml"
    own.write_text(yaml.safe_dump({
        "kind": "RuleSet", "schema_version": 1, "id": "all-scrutiny", "version": "1", "title": "Scrutinise all",
        "output": {"name": "severity", "scale": "severity"}, "hit_policy": "collect", "aggregate": "worst",
        "inputs": [{"name": "likelihood", "scale": "delivery"}],
        "rules": [{"id": "always", "then": "scrutiny", "because": "We scrutinise everything."}]}))
    result = json.loads(run("judge", str(FIXTURE), "--severity-rules", str(own)).stdout)
    assert {p["severity"]["judgment"]["rating"] for p in result["priorities"]} == {"scrutiny"}
    assert result["severity_rules"]["id"] == "all-scrutiny"
    doc = _doc()
    doc["severity_rules"] = "severity-default"
    assert _judge(tmp_path, doc).severity_rules.id == "severity-default"
    bad = run("judge", str(FIXTURE), "--severity-rules", "likelihood-default")
    assert bad.exit_code == 2 and "likelihood" in bad.stderr
    assert run("judge", str(FIXTURE), "--severity-rules", "nope").exit_code == 2


def test_the_batch_path_classifies_as_the_explained_path(tmp_path, run):
    doc = _doc()
    doc["evidence"] = []   # a batch cites no evidence
    for p in doc["priorities"]:
        p["milestones"] = copy.deepcopy(ON_TIME)
        for rating in p["ratings"].values():
            rating.pop("evidence", None)
            for criterion in rating.get("criteria", {}).values():
                criterion.pop("evidence", None)
    explained = _judge(tmp_path, doc)
    batch = tmp_path / "batch.jsonl"
    batch.write_text("".join(json.dumps(p, default=str) + "\n" for p in doc["priorities"]))
    out = run("judge", str(batch), "--period", "2026-H2", "--as-of", "2026-10-31", "--format", "jsonl")
    assert out.exit_code == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert {line["id"]: line["severity"]["judgment"]["rating"] for line in lines} == {
        p.id: p.severity.judgment.rating for p in explained.priorities}


def test_severity_is_shown_in_the_judge_views(tmp_path, run):
    doc = _doc()
    _priority(doc, "attendance")["actions"] = [
        {"text": "Attendance officers in the two worst districts", "owner": "Director of Student Services",
         "due": "2026-09-30"}]
    md = _judge(tmp_path, doc, "--format", "md", run=run).stdout
    assert "| Severity |" in md and "**crisis**" in md
    assert "Attendance officers in the two worst districts" in md and "overdue" in md
    html = _judge(tmp_path, doc, "--format", "html", run=run).stdout
    assert "<th>Severity</th>" in html and "crisis" in html


# -- actions, milestones and commentary are user-written: strict, located errors -----------------------


BAD = {
    "action status": ({"actions": [{"text": "x", "owner": "y", "due": "2026-01-01", "status": "pending"}]},
                      "priorities[0].actions[0].status", "expected one of 'open', 'done', found 'pending'"),
    "action date": ({"actions": [{"text": "x", "owner": "y", "due": "1 May 2026"}]},
                    "priorities[0].actions[0].due", "expected a date written YYYY-MM-DD, e.g. 2026-09-30, found '1 May 2026'"),
    "action owner": ({"actions": [{"text": "x", "due": "2026-01-01"}]},
                     "priorities[0].actions[0]", "owner"),
    "action extra": ({"actions": [{"text": "x", "owner": "y", "due": "2026-01-01", "colour": "red"}]},
                     "priorities[0].actions[0].colour", "expected one of the properties"),
    "milestone done date": ({"milestones": [{"name": "m", "due": "2026-01-01", "done": "2026-13-01"}]},
                            "priorities[0].milestones[0].done", "expected a date that exists, written YYYY-MM-DD, found '2026-13-01'"),
    "milestone name": ({"milestones": [{"name": "", "due": "2026-01-01"}]},
                       "priorities[0].milestones[0].name", "expected non-empty text"),
    "commentary": ({"commentary": ["a list"]}, "priorities[0].commentary", "text"),
    "severity rules id": ({}, "severity_rules", "expected"),
    "commentary too long": ({"commentary": "x" * 2001}, "priorities[0].commentary", "2000"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_actions_milestones_and_commentary_are_located_errors(tmp_path, run, name):
    extra, where, expected = BAD[name]
    doc = _doc()
    doc["priorities"][0].update(extra)
    if name == "severity rules id":
        doc["severity_rules"] = "not an id!"
    result = _judge(tmp_path, doc, run=run)
    assert result.exit_code == 2, result.stdout
    line = result.stderr.strip()
    assert line.startswith(f"error: {tmp_path / 'assessment.yaml'}:"), line
    assert line.split(":")[2].isdigit(), line                    # file:line:column
    assert f"$.{where}" in line and expected in line, line
    assert "Traceback" not in result.stderr


def test_an_assessment_naming_a_likelihood_rule_set_as_its_severity_rules_is_refused(tmp_path, run):
    doc = _doc()
    doc["severity_rules"] = "likelihood-default"
    result = _judge(tmp_path, doc, run=run)
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert "severity rule set 'likelihood-default' cannot be used" in result.stderr, result.stderr


def test_a_tampered_severity_in_a_result_is_refused(tmp_path, run):
    result = json.loads(run("judge", str(FIXTURE)).stdout)
    result["league"][0]["severity"] = "panic"
    path = tmp_path / "result.json"
    path.write_text(json.dumps(result))
    out = run("validate", str(path))
    assert out.exit_code == 2 and "$.league[0].severity" in out.stderr and "'severity'" in out.stderr
