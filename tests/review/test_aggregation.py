"""The built-in aggregation strategies, worked by hand."""

import pytest

from stocktake.review.strategies import ReviewerRating
from stocktake.testing import make_engine

ENGINE = make_engine()
SCALE = ENGINE.scale("delivery")


def ratings(*pairs):
    """ratings(("a", "independent", "G"), ...)"""
    return [ReviewerRating(*p) for p in pairs]


def aggregate(strategy, given):
    return ENGINE.strategy(strategy)[0].aggregate(given, SCALE)


@pytest.mark.parametrize("levels, expected", [
    (["G"], "G"),
    (["G", "R"], "R"),                       # even: the lower of the two middle levels
    (["G", "AG", "R"], "AG"),
    (["G", "G", "AR", "R"], "AR"),
    (["AG", "G", "G", "G", "R"], "G"),       # one outlier cannot move it
    (["R", "R", "G", "G"], "R"),
])
def test_lower_median(levels, expected):
    verdict = aggregate("lower-median", ratings(*[(f"r{i}", "delivery-unit", lv) for i, lv in enumerate(levels)]))
    assert (verdict.level, verdict.state) == (expected, "rated")


def test_most_conservative_takes_the_lowest_and_names_who_gave_it():
    verdict = aggregate("most-conservative", ratings(("a", "independent", "G"), ("b", "self-review", "AR"),
                                                      ("c", "delivery-unit", "AR")))
    assert verdict.level == "AR" and "given by b, c" in verdict.because


@pytest.mark.parametrize("levels, expected, state", [
    (["G", "AG", "AG"], "AG", "rated"),
    (["AR", "R"], "R", "rated"),
    (["G", "AR"], None, "no-consensus"),
    (["G", "AG", "AR"], None, "no-consensus"),
])
def test_consensus(levels, expected, state):
    verdict = aggregate("consensus", ratings(*[(f"r{i}", "system-leader", lv) for i, lv in enumerate(levels)]))
    assert (verdict.level, verdict.state) == (expected, state)


def test_independent_led():
    verdict = aggregate("independent-led", ratings(("a", "self-review", "G"), ("b", "independent", "AR")))
    assert verdict.level == "AR"
    fallback = aggregate("independent-led", ratings(("a", "self-review", "G"), ("b", "delivery-unit", "R")))
    assert fallback.level == "R" and "no independent rating" in fallback.because


def test_no_strategy_averages_colours():
    """G and R never become an amber: every strategy picks a level someone gave (or none)."""
    for strategy in ENGINE.strategies():
        verdict = aggregate(strategy, ratings(("a", "independent", "G"), ("b", "delivery-unit", "R")))
        assert verdict.level in ("G", "R", None), strategy
