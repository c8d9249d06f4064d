"""Ids that must be unique are compared after case-folding: ``1A`` and ``1a`` are one id, so a
document may not hold both (a reference to one would land on the other). The error is at the
second, naming the first."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bounded import refused, stocktake_bounded

ROOT = Path(__file__).resolve().parents[2]
RUBRIC = (ROOT / "rubrics" / "delivery-capacity-review.yaml").read_text()
FIXTURES = ROOT / "tests" / "fixtures"
RULES = (ROOT / "plugins" / "rulesets" / "likelihood-default.yaml").read_text()


def _once(text: str, old: str, new: str) -> str:
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1)


def _validate(tmp_path: Path, name: str, text: str, *args: str):
    path = tmp_path / name
    path.write_text(text)
    return stocktake_bounded(*args, "validate", str(path), cwd=tmp_path)


def test_component_codes_that_differ_only_in_case_are_refused_at_the_second(tmp_path):
    text = _once(RUBRIC, "code: 1B", "code: 1a")
    result = _validate(tmp_path, "rubric.yaml", text)
    assert refused(result, "$.sections[0].components[1].code", "component codes unique",
                   "'1a', the same as '1A' apart from case", "first at $.sections[0].components[0]")


def test_rubric_item_ids_that_differ_only_in_case_are_refused(tmp_path):
    text = _once(RUBRIC, "id: review-state-of-delivery", "id: Define-Aspiration")
    result = _validate(tmp_path, "rubric.yaml", text)
    assert refused(result, "$.sections[0].components[1].id",
                   "'Define-Aspiration', the same as 'define-aspiration' apart from case")


def test_a_rating_for_one_code_cannot_land_on_a_component_whose_code_differs_in_case(tmp_path):
    # With both 1A and 1a in a rubric a review's rating of "1a" was scored as 1A's.
    own = tmp_path / "rubrics"
    own.mkdir()
    text = _once(_once(RUBRIC, "id: delivery-capacity-review", "id: our-review"), "code: 1B", "code: 1a")
    (own / "ours.yaml").write_text(text)
    result = stocktake_bounded("--rubric-path", str(own), "rubrics", cwd=tmp_path)
    assert "our-review" not in result.stdout


def _refused_first(result, *needles: str) -> bool:
    """Refused, the first of its error lines holding every needle; the others are the ratings of
    the renamed reviewer, which no reviewer id names any more (every mistake is reported)."""
    lines = result.stderr.strip().splitlines()
    return (result.returncode == 2 and all(line.startswith("error: ") for line in lines)
            and all(n in lines[0] for n in needles) and all("'leaders'" in line for line in lines[1:]))


def test_reviewer_ids_that_differ_only_in_case_are_refused(tmp_path):
    text = _once((FIXTURES / "exhibit-1b7.yaml").read_text(), "{id: leaders,", "{id: DU,")
    result = _validate(tmp_path, "review.yaml", text)
    assert _refused_first(result, "$.reviewers[1].id", "reviewers ids unique", "'DU', the same as 'du' apart from case")


def test_an_exact_repeat_keeps_its_message(tmp_path):
    text = _once((FIXTURES / "exhibit-1b7.yaml").read_text(), "{id: leaders,", "{id: du,")
    result = _validate(tmp_path, "review.yaml", text)
    assert _refused_first(result, "$.reviewers[1].id", "expected reviewers ids unique, found 'du' again")


def test_priority_and_evidence_ids_that_differ_only_in_case_are_refused(tmp_path):
    assessment = (FIXTURES / "assessment.yaml").read_text()
    result = _validate(tmp_path, "a.yaml", _once(assessment, "  - id: attendance", "  - id: Reading"))
    assert refused(result, "$.priorities[1].id", "priority ids unique", "'Reading', the same as 'reading'")
    result = _validate(tmp_path, "b.yaml", _once(assessment, "  - {id: E2,",
                                                         "  - {id: e1, kind: data, source: Again}\n  - {id: E2,"))
    assert refused(result, "$.evidence[1].id", "evidence ids unique", "'e1', the same as 'E1'")


def test_actor_ids_that_differ_only_in_case_are_refused(tmp_path):
    chain = (FIXTURES / "chain.yaml").read_text()
    result = _validate(tmp_path, "chain.yaml", _once(chain, "{id: south,", "{id: North,"))
    assert refused(result, "$.actors[2].id", "actor ids unique", "'North', the same as 'north' apart from case")


@pytest.mark.parametrize(("old", "new", "where", "first"), [
    ("id: off-track-widening-weak-planning", "id: Planning-And-Capacity-Red", "$.rules[4].id",
     "'planning-and-capacity-red'"),
    ("{name: planning,", "{name: Challenge,", "$.inputs[1].name", "'challenge'"),
])
def test_rule_and_input_names_that_differ_only_in_case_are_refused(tmp_path, old, new, where, first):
    result = _validate(tmp_path, "rules.yaml", _once(RULES, old, new))
    assert refused(result, where, f"the same as {first} apart from case")
    assert re.search(r"rules\.yaml:\d+:\d+:", result.stderr)
