"""Scales as data: order, aliases, lookups; the three built-in scales."""

import pytest
from pydantic import ValidationError

from stocktake import Scale
from stocktake.testing import make_engine


@pytest.fixture(scope="module")
def scales():
    return make_engine().scales()


def test_builtin_scales(scales):
    assert sorted(scales) == ["challenge", "delivery", "severity", "stage"]
    assert scales["severity"].codes == ["on-track", "scrutiny", "intervention", "crisis"]
    assert scales["delivery"].codes == ["G", "AG", "AR", "R"]
    assert scales["challenge"].codes == ["L", "M", "H", "VH"]
    assert scales["stage"].codes == ["4", "3", "2", "1"]


@pytest.mark.parametrize("name, code", [
    ("G", "G"), ("green", "G"), ("GREEN", "G"),
    ("AG", "AG"), ("YG", "AG"), ("yg", "AG"), ("Amber-Green", "AG"), ("amber/green", "AG"),
    ("AR", "AR"), ("YR", "AR"), ("Amber-Red", "AR"), ("AMBER/RED", "AR"),
    ("R", "R"), ("red", "R"), (" Red ", "R"),
])
def test_delivery_aliases_are_case_insensitive(scales, name, code):
    assert scales["delivery"].resolve(name) == code


@pytest.mark.parametrize("name", ["Amber", "A", "", "Orange", "GR"])
def test_unknown_names_resolve_to_nothing(scales, name):
    assert scales["delivery"].resolve(name) is None


def test_order_is_the_listed_order_not_arithmetic(scales):
    delivery = scales["delivery"]
    assert [delivery.rank(c) for c in ("G", "AG", "AR", "R")] == [0, 1, 2, 3]
    assert delivery.top.code == "G" and delivery.bottom.code == "R"
    challenge = scales["challenge"]
    assert challenge.top.code == "L" and challenge.bottom.code == "VH"
    assert scales["stage"].resolve(3) == "3" and scales["stage"].resolve("stage 4") == "4"


def test_scales_need_not_have_four_levels():
    three = Scale.model_validate({"id": "three", "title": "Three", "levels": [
        {"code": "S", "label": "Strong", "score": 3},
        {"code": "A", "label": "Adequate", "score": 2},
        {"code": "W", "label": "Weak", "score": 1}]})
    assert three.codes == ["S", "A", "W"] and three.describe_codes() == "S, A or W"


def test_an_alias_may_not_name_two_levels():
    with pytest.raises(ValidationError) as info:
        Scale.model_validate({"id": "x", "title": "X", "levels": [
            {"code": "A", "label": "Alpha", "score": 2, "aliases": ["first"]},
            {"code": "B", "label": "Beta", "score": 1, "aliases": ["FIRST"]}]})
    assert "'FIRST' naming both 'A' and 'B'" in str(info.value)


def test_unknown_fields_are_rejected():
    with pytest.raises(ValidationError):
        Scale.model_validate({"id": "x", "title": "X", "colour": "red", "levels": [
            {"code": "A", "label": "A", "score": 2}, {"code": "B", "label": "B", "score": 1}]})


def test_the_lower_half_of_a_scale_leaves_an_odd_scale_s_middle_out():
    """One rule for "weak", "needs attention" and "moving toward green": AR and R of four levels;
    of five, the middle level is not low; a state or None is not a level at all."""
    from stocktake.judgment.scale import Scale

    four = make_engine().scale("delivery")
    assert [code for code in four.codes if four.low(code)] == ["AR", "R"]
    assert not four.low(None) and not four.low("no-data")
    five = Scale.model_validate({"id": "five", "title": "Five", "levels": [
        {"code": c, "label": c, "score": 5 - i} for i, c in enumerate(["A", "B", "C", "D", "E"])]})
    assert [code for code in five.codes if five.low(code)] == ["D", "E"]
