"""The loader hands validators what they check: the rubric a document names is looked up first and
passed in the validation context; levels are text once validated; the kinds table holds functions."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from stocktake.core.errors import DocumentError
from stocktake.core.loading import load_document
from stocktake.core.schemas import DocumentKind, generate_schema, kind_named, load_schema
from stocktake.kinds import KINDS
from stocktake.testing import make_engine

ENGINE = make_engine()
FIXTURES = Path(__file__).parents[1] / "fixtures"

REVIEW = {
    "kind": "CapacityReview", "schema_version": 1,
    "rubric": {"id": "delivery-capacity-review", "version": "1.0.0"},
    "system": "Northshire", "date": "2026-06-30",
    "reviewers": [{"id": "du", "name": "Delivery unit", "role": "delivery-unit"},
                  {"id": "ind", "name": "Independent", "role": "independent"}],
    "ratings": [{"component": "1A", "reviewer": "du", "level": "YG"},
                {"component": "1A", "reviewer": "ind", "level": "Amber-Red"}],
    "judgments": [{"component": "1a", "level": "green", "reason": "Agreed.", "agreed_by": ["du"]}],
}


def write(tmp_path: Path, data: dict, name: str = "doc.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def with_changes(data: dict, **changes) -> dict:
    return {**data, **changes}


# -- the rubric comes in the context -------------------------------------------------------------


def test_the_loader_looks_up_the_named_rubric_once_before_validating(tmp_path):
    asked: list[tuple[str, str]] = []

    def lookup(rubric_id: str, version: str):
        asked.append((rubric_id, version))
        return ENGINE.rubric(rubric_id, version).rubric

    doc = load_document(write(tmp_path, REVIEW), context=ENGINE._context(), table=KINDS, rubrics=lookup)
    assert asked == [("delivery-capacity-review", "1.0.0")]
    assert [(r.component, r.level) for r in doc.model.ratings] == [("define-aspiration", "AG"),
                                                                  ("define-aspiration", "AR")]
    assert doc.model.judgments[0].level == "G"


def test_the_context_carries_objects_not_functions():
    assert all(not callable(value) for value in ENGINE._context().values())


def test_without_a_rubric_in_the_context_references_are_not_checked():
    model = KINDS["CapacityReview"].model().model_validate(with_changes(REVIEW), context=ENGINE._context())
    assert [r.component for r in model.ratings] == ["1A", "1A"]


def test_a_rubric_that_is_not_installed_is_reported_where_the_document_names_it(tmp_path):
    path = write(tmp_path, with_changes(REVIEW, rubric={"id": "delivery-capacity-review", "version": "9.0.0"}))
    with pytest.raises(DocumentError) as err:
        ENGINE.load(path)
    assert str(err.value) == (
        f"{path}:5:12: $.rubric.version: expected an installed version of rubric "
        "'delivery-capacity-review' (1.0.0); for another version, give the directory holding it with "
        "--rubric-path DIR, before the command, found '9.0.0'")


def test_the_missing_rubric_is_reported_in_its_turn(tmp_path):
    """After the fields and the unique ids of a review (as before), before its references."""
    missing = {"id": "nope", "version": "1.0.0"}
    twice = [REVIEW["reviewers"][0], REVIEW["reviewers"][0]]
    with pytest.raises(DocumentError, match=r"\$\.reviewers\[1\]\.id: expected reviewers ids unique"):
        ENGINE.load(write(tmp_path, with_changes(REVIEW, rubric=missing, reviewers=twice)))
    with pytest.raises(DocumentError, match=r"\$\.system: "):
        ENGINE.load(write(tmp_path, with_changes(REVIEW, rubric=missing, system="")))
    stranger = [{"component": "1A", "reviewer": "who", "level": "G"}]
    with pytest.raises(DocumentError, match=r"\$\.rubric\.id: expected an installed rubric"):
        ENGINE.load(write(tmp_path, with_changes(REVIEW, rubric=missing, ratings=stranger)))


def test_an_assessment_follows_its_default_rubric_and_reports_a_missing_one_first(tmp_path):
    data = yaml.safe_load((FIXTURES / "assessment.yaml").read_text())
    assert ENGINE.load(write(tmp_path, data)).model.rubric.id == "likelihood-of-delivery"
    data["rubric"] = {"id": "likelihood-of-delivery", "version": "2.0.0"}
    data["title"] = 5  # a field error too: the rubric is checked before the fields, as before
    with pytest.raises(DocumentError, match=r"\$\.rubric\.version: expected an installed version"):
        ENGINE.load(write(tmp_path, data))


# -- levels are text -----------------------------------------------------------------------------


@pytest.mark.parametrize("written", [3, "3", "Stage 3"])
def test_a_stage_level_is_its_code_as_text_however_it_was_written(tmp_path, written):
    data = yaml.safe_load((FIXTURES / "assessment.yaml").read_text())
    data["priorities"][0]["ratings"]["stage"] = {"level": written}
    priority = ENGINE.load(write(tmp_path, data)).model.priorities[0]
    assert priority.ratings.stage.level == "3"


def test_levels_are_text_even_without_a_scale_to_resolve_them():
    rating = KINDS["CapacityReview"].model().model_validate(
        with_changes(REVIEW, ratings=[{"component": "1A", "reviewer": "du", "level": 4}])).ratings[0]
    assert rating.level == "4"


@pytest.mark.parametrize("written, found", [(7, "found 7"), ("7", "found '7'")])
def test_a_bad_level_is_quoted_as_the_document_wrote_it(tmp_path, written, found):
    ratings = [{"component": "1A", "reviewer": "du", "level": written}]
    with pytest.raises(DocumentError, match=rf"\$\.ratings\[0\]\.level: expected a level of scale 'delivery' .*{found}$"):
        ENGINE.load(write(tmp_path, with_changes(REVIEW, ratings=ratings)))


def test_a_whole_float_level_names_what_a_level_may_be_at_the_level_itself(tmp_path):
    # pydantic tries each branch of the union (text, integer): one error, at the document's own
    # path, saying both.
    ratings = [{"component": "1A", "reviewer": "du", "level": 3.0}]
    with pytest.raises(DocumentError, match=r"\$\.ratings\[0\]\.level: expected text or an integer, found 3\.0$"):
        ENGINE.load(write(tmp_path, with_changes(REVIEW, ratings=ratings)))


# -- the kinds table -----------------------------------------------------------------------------


def test_the_kinds_table_holds_functions():
    for kind in KINDS.values():
        assert isinstance(kind, DocumentKind) and callable(kind.model)
        assert kind.prepare is None or callable(kind.prepare)
        assert kind.model().model_fields["kind"].annotation.__args__ == (kind.name,)
    assert {k for k, v in KINDS.items() if v.rubric is not None} == {"CapacityReview", "DeliveryAssessment"}


def test_a_kind_is_found_by_its_name_in_any_case():
    spec = kind_named("capacityreview", KINDS)
    assert spec is KINDS["CapacityReview"] and load_schema(spec) == generate_schema(spec)


def test_a_kind_that_is_not_text_is_an_error_not_a_crash(tmp_path):
    path = tmp_path / "odd.yaml"
    path.write_text("kind: [1]\nschema_version: 1\n")
    with pytest.raises(DocumentError, match=r"\$\.kind: expected one of the kinds .*, found \[1\]"):
        ENGINE.load(path)


def test_the_core_modules_import_no_kind_table():
    import ast

    for name in ("loading", "schemas", "models"):
        module = sys.modules[f"stocktake.core.{name}"]
        tree = ast.parse(Path(module.__file__).read_text())
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert "stocktake.kinds" not in imported, name
