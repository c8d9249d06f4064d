"""The two built-in rubrics hold what the method needs (content, not just shape)."""

import pytest

from stocktake.testing import make_engine

STAGES = {
    "1": "Develop a foundation for delivery",
    "2": "Understand the delivery challenge",
    "3": "Plan for delivery",
    "4": "Drive delivery",
    "5": "Create an irreversible delivery culture",
}
CODES = ["1A", "1B", "1C", "1D", "2A", "2B", "3A", "3B", "3C", "4A", "4B", "4C", "5A", "5B", "5C"]


@pytest.fixture(scope="module")
def engine():
    return make_engine()


def test_capacity_review_has_five_stages_and_fifteen_components(engine):
    rubric = engine.rubric("delivery-capacity-review").rubric
    assert {s.code: s.title for s in rubric.sections} == STAGES
    assert [c.code for c in rubric.components()] == CODES
    assert rubric.scale == "delivery" and rubric.roll_up == "worst" and rubric.roll_up != "mean"
    for section in rubric.sections:
        assert section.question.endswith("?")
        assert all(c.code.startswith(section.code) for c in section.components)


@pytest.mark.parametrize("code", CODES)
def test_every_capacity_component_is_complete(engine, code):
    rubric = engine.rubric("delivery-capacity-review").rubric
    component = next(c for c in rubric.components() if c.code == code)
    assert len(component.key_questions) >= 3 and all(q.endswith("?") for q in component.key_questions)
    assert list(component.descriptors) == ["G", "AG", "AR", "R"]
    assert all(len(text) > 30 for text in component.descriptors.values())
    assert component.evidence_sources
    assert component.actions.near_term and component.actions.longer_term
    assert "Project wording" in component.provenance


def test_likelihood_rubric_has_the_framework_categories(engine):
    rubric = engine.rubric("likelihood-of-delivery").rubric
    assert [s.id for s in rubric.sections] == [
        "challenge", "planning", "capacity", "stage", "performance", "overall"]
    planning = rubric.item("quality-of-planning")
    assert [k.id for k in planning.criteria] == [
        "understanding-the-challenge", "governance-and-programme-management", "managing-performance"]
    capacity = rubric.item("capacity-to-drive-progress")
    assert [k.id for k in capacity.criteria] == [
        "delivery-chain", "engaging-stakeholders", "leadership-and-culture"]
    assert rubric.scale_of(rubric.item("degree-of-challenge")).id == "challenge"
    assert rubric.scale_of(rubric.item("stage-of-delivery")).id == "stage"
    assert rubric.scale_of(rubric.item("delivery-chain")).id == "delivery"
    assert rubric.scale_of(rubric.item("likelihood-of-delivery")).id == "delivery"
    assert list(rubric.item("stage-of-delivery").descriptors) == ["4", "3", "2", "1"]
    for item in rubric.items():
        assert "Project wording" in item.provenance, item.id
    assert rubric.section_of("managing-performance").id == "planning"
