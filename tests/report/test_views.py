"""The view technique: one view model per result, jinja templates for Markdown and HTML, Markdown
escaped by the environment, and no delivery vocabulary where the result carries its own."""

from __future__ import annotations

import pytest
from example_system import EXAMPLE

from stocktake.core import markup
from stocktake.core.markup import Markdown, code, counts, legend, levels, md, token, tokens
from stocktake.render import render_chain, render_review
from stocktake.testing import make_engine

HOSTILE = "# *bold* _em_ `code` [link](http://x) | cell <b>&"


@pytest.fixture(scope="module")
def engine():
    return make_engine()


@pytest.fixture(scope="module")
def review(engine):
    return engine.review(EXAMPLE / "capacity-review-2026.yaml")


def test_markdown_environment_escapes_every_value_not_marked_as_markdown():
    env = markup.markdown_environment()
    template = env.from_string("{{ x }}|{{ x ~ '' }}|{{ [x] | join(',') }}|{{ y }}")
    assert template.render(x=HOSTILE, y=Markdown("**ok**")) == f"{md(HOSTILE)}|{md(HOSTILE)}|{md(HOSTILE)}|**ok**"
    assert not env.autoescape and markup.environment().autoescape


def test_markdown_filters_are_safe_by_construction():
    assert token("r_001") == "r_001" and token("a b*") == md("a b*") and token(None) == "None"
    assert tokens(["E_1", "x|y"]) == "E_1, x\\|y"
    assert code("delivery-capacity-review") == "`delivery-capacity-review`"
    assert code("x` <b>") == md("x` <b>") and code("a|b") == md("a|b")
    assert isinstance(token("x"), Markdown) and isinstance(code("`"), Markdown)


def test_counts_read_the_result_order_for_levels_and_the_engine_order_for_states():
    # A five-level scale the views know nothing about: its levels keep the result's order, first.
    values = {"E": 1, "D": 0, "C": 2, "B": 3, "A": 4, "not-rated": 1, "no-consensus": 0}
    assert counts(values) == "E 1, D 0, C 2, B 3, A 4, not-rated 1, no-consensus 0"
    assert levels(values) == ["E", "D", "C", "B", "A"]
    assert counts({"declined": 1, "improved": 2, "unchanged": 3}) == "improved 2, unchanged 3, declined 1"
    assert legend("delivery", ["G", "AG", "AR", "R"]) == "G green, AG amber-green, AR amber-red, R red"
    assert legend("five", ["E", "D"]) == "E, D"


def test_hostile_text_in_a_review_is_shown_as_text_in_markdown_and_html(review):
    hostile = review.model_copy(update={"system": HOSTILE, "title": HOSTILE})
    text = render_review(hostile, "md")
    assert f"# Capacity review: {md(HOSTILE)}\n" in text and "*bold*" not in text and "<b>" not in text
    html = render_review(hostile, "html")
    assert "<b>&" not in html and "&lt;b&gt;&amp;" in html


def test_review_markdown_and_html_come_from_one_view_model(review):
    from stocktake.review.views import review_view

    view = review_view(review)
    assert view["legend"] == "G green, AG amber-green, AR amber-red, R red"
    assert all(s["pad"] == view["width"] - len(s["components"]) for s in view["sections"])
    assert render_review(review, "md").startswith("# Capacity review: ")
    assert render_review(review, "html").startswith("<!DOCTYPE html>")


def test_weak_chain_levels_come_from_the_result_scale(engine):
    from stocktake.chains.views import chain_view, weak_levels

    doc, result = engine.chain_with_document(EXAMPLE / "chains" / "reading.yaml")
    assert weak_levels(result) == ("AR", "R")
    five = result.model_copy(update={"summary": result.summary.model_copy(
        update={"route_strength": {"A": 0, "B": 0, "C": 0, "D": 0, "E": 0, "unreachable": 0}})})
    assert weak_levels(five) == ("D", "E")
    assert chain_view(result, None, "md")["picture"] == ""
    assert "```mermaid" in render_chain(doc, result, "md")
