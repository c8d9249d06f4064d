"""Capacity reviews held to the method (seed 000, module 1B; issue 14 items 8-11): the joint team
decides, a baseline comes first, a stage is not green when its components are unknown, "most
disputed" means real disagreement, and cited evidence is dated."""

from __future__ import annotations

import pytest
from review_helpers import EVIDENCE, REVIEWERS, component, flags, rating, review, section, write

from stocktake.render import render_review
from stocktake.review.strategies import ReviewerRating
from stocktake.testing import make_engine

SELF_REVIEWERS = [{"id": f"s{i}", "name": f"Self review {i}", "role": "self-review"} for i in (1, 2, 3)]
JOINT_TEAM = [{"id": "du", "name": "Delivery unit", "role": "delivery-unit"},
              {"id": "lead", "name": "Cabinet", "role": "system-leader"},
              {"id": "ind", "name": "Independent", "role": "independent"}]


@pytest.fixture(scope="module")
def engine():
    return make_engine()


def score(engine, tmp_path, ratings, **extra):
    return engine.review(write(tmp_path / "review.json", review(ratings, **extra)))


# -- item 8: the joint team, not the self-review, decides ------------------------------------------


@pytest.mark.parametrize("strategy, given, expected", [
    # three insiders' G against the independent R: the outsider is not outvoted
    ("lower-median", [("s1", "self-review", "G"), ("s2", "self-review", "G"), ("s3", "self-review", "G"),
                      ("ind", "independent", "R")], "R"),
    ("lower-median", [("s1", "self-review", "G"), ("s2", "self-review", "G"), ("s3", "self-review", "G"),
                      ("du", "delivery-unit", "AG"), ("lead", "system-leader", "AR"), ("ind", "independent", "AR")],
     "AR"),
    ("consensus", [("s1", "self-review", "G"), ("s2", "self-review", "G"), ("ind", "independent", "AG")], "AG"),
    ("independent-led", [("s1", "self-review", "G"), ("s2", "self-review", "G"), ("s3", "self-review", "G"),
                         ("du", "delivery-unit", "AR")], "AR"),
])
def test_self_reviews_never_lift_a_component_above_the_joint_team(engine, strategy, given, expected):
    verdict = engine.strategy(strategy)[0].aggregate([ReviewerRating(*g) for g in given], engine.scale("delivery"))
    assert verdict.level == expected
    assert "self-review" in verdict.because


def test_a_capped_median_says_what_the_median_was_and_why_it_is_capped(engine):
    ratings = [ReviewerRating(f"s{i}", "self-review", "G") for i in (1, 2, 3)] + [ReviewerRating("ind", "independent", "R")]
    verdict = engine.strategy("lower-median").strategy.aggregate(ratings, engine.scale("delivery"))
    assert verdict.level == "R"
    assert "the lower median of all of them is G, capped at R" in verdict.because, verdict.because


@pytest.mark.parametrize("given, expected", [
    ([("du", "delivery-unit", "G"), ("s1", "self-review", "R"), ("s2", "self-review", "R")], "R"),
    ([("du", "delivery-unit", "G"), ("ind", "independent", "G"), ("s1", "self-review", "AG")], "G"),
    ([("s1", "self-review", "G"), ("s2", "self-review", "AR")], "AR"),   # self-reviews only: their median
])
def test_self_reviews_can_still_pull_a_component_down(engine, given, expected):
    verdict = engine.strategy("lower-median")[0].aggregate([ReviewerRating(*g) for g in given],
                                                            engine.scale("delivery"))
    assert verdict.level == expected


def test_a_review_rated_only_by_self_reviewers_is_flagged_on_every_component_and_in_the_summary(engine, tmp_path):
    result = score(engine, tmp_path, [rating("1A", "self", "G"), rating("1B", "self", "AG")])
    for cid in ("define-aspiration", "review-state-of-delivery"):
        assert "self-review-only" in flags(component(result, cid))
    assert result.summary.self_review_only == ["define-aspiration", "review-state-of-delivery"]
    text = render_review(result, "md")
    assert "Rated by self-review only, without the joint team: every rated component (2)." in text
    mixed = score(engine, tmp_path, [rating("1A", "self", "G"), rating("1A", "ind", "AG"),
                                     rating("1B", "self", "AG")])
    assert "self-review-only" not in flags(component(mixed, "define-aspiration"))
    assert mixed.summary.self_review_only == ["review-state-of-delivery"]
    assert "Rated by self-review only, without the joint team: Review the current state of delivery." \
        in render_review(mixed, "md")


def test_one_bias_flag_names_every_self_reviewer_above_the_independent_review(engine, tmp_path):
    result = score(engine, tmp_path, [rating("1A", s["id"], "G") for s in SELF_REVIEWERS] + [rating("1A", "ind", "R")],
                   reviewers=[*SELF_REVIEWERS, *JOINT_TEAM])
    judgment = component(result, "define-aspiration")
    bias = [f.message for f in judgment.flags if f.code == "self-review-above-independent"]
    assert bias == ["Self-review two or more levels above the independent review (R): s1 (G), s2 (G), s3 (G)."]
    assert judgment.rating == "R"


# -- item 9: a baseline comes first ----------------------------------------------------------------


@pytest.mark.parametrize("base_date", ["2027-01-31", "2026-06-30"])
def test_a_baseline_not_dated_before_the_review_is_refused(engine, tmp_path, run, base_date):
    from stocktake import UsageError

    base = write(tmp_path / "base.json", review([rating("1A", "du", "R")], date=base_date))
    now = write(tmp_path / "now.json", review([rating("1A", "du", "G")]))
    with pytest.raises(UsageError, match=f"dated {base_date}.*2026-06-30"):
        engine.review(now, baseline=base)
    result = run("review", str(now), "--baseline", str(base))
    assert result.exit_code == 2
    assert base_date in result.stderr and "2026-06-30" in result.stderr and "before" in result.stderr
    assert result.stdout == ""


def test_a_baseline_of_another_system_is_flagged_where_the_movement_is_shown(engine, tmp_path, run):
    base = write(tmp_path / "base.json", review([rating("1A", "du", "R")], date="2024-06-30", system="Eastvale"))
    now = write(tmp_path / "now.json", review([rating("1A", "du", "G")]))
    result = engine.review(now, baseline=base)
    message = "The baseline is a review of Eastvale; this review is of Northshire."
    assert [(f.code, f.message) for f in result.baseline.flags] == [("baseline-other-system", message)]
    assert f"flag `baseline-other-system`: {message}" in render_review(result, "md")
    assert message in render_review(result, "html")
    same = engine.review(now, baseline=write(tmp_path / "same.json",
                                             review([rating("1A", "du", "R")], date="2024-06-30")))
    assert same.baseline.flags == []
    assert run("review", str(now), "--baseline", str(base)).exit_code == 0


# -- item 10: a stage is not green when its components are unknown ---------------------------------


def test_a_stage_with_fewer_than_half_its_components_rated_has_no_level(engine, tmp_path):
    result = score(engine, tmp_path, [rating("3A", "du", "G"), rating("3B", "du", "G"), rating("3B", "ind", "R")],
                   settings={"strategy": "consensus"})   # 3B: no consensus, 3C: not rated
    plan = section(result, "plan")
    assert (plan.state, plan.rating) == ("partial", None)
    assert "too-few-rated" in flags(plan)
    assert "1 of 3" in plan.because


def test_a_worst_roll_up_with_a_part_at_the_lowest_level_is_settled_however_few_are_rated(engine, tmp_path):
    """Under roll-up "worst" one component at R makes the stage R whatever the others turn out to be:
    the level is certain, so it is formed (partial, flagged incomplete) rather than withheld."""
    result = score(engine, tmp_path, [rating("3A", "du", "R")])
    plan = section(result, "plan")
    assert (plan.state, plan.rating) == ("partial", "R")
    assert "incomplete" in flags(plan) and "too-few-rated" not in flags(plan)


def test_a_stage_with_half_or_more_rated_keeps_its_level_marked_partial(engine, tmp_path):
    result = score(engine, tmp_path, [rating("3A", "du", "G"), rating("3B", "du", "AG")])
    plan = section(result, "plan")
    assert (plan.state, plan.rating) == ("partial", "AG") and "incomplete" in flags(plan)
    foundation = score(engine, tmp_path, [rating("1A", "du", "G"), rating("1B", "du", "G")])
    assert section(foundation, "foundation").rating == "G"   # 2 of 4: half


def test_a_partial_stage_is_shown_with_a_mark_and_words_in_markdown_and_html(engine, tmp_path):
    result = score(engine, tmp_path, [rating("3A", "du", "G"), rating("3B", "du", "AG"), rating("4A", "du", "G")])
    text = render_review(result, "md")
    assert "| 3 Plan for delivery | AG ◐ (partial: 1 of 3 components has no level) |" in text
    assert "| 4 Drive delivery | no level ◐ (partial: only 1 of 3 components has a level) |" in text
    assert "### Plan for delivery: AG ◐ (partial: 1 of 3 components has no level)" in text
    html = render_review(result, "html")
    assert ('<span class="partial">◐ partial: 1 of 3 components has no level</span>') in html
    assert ('<span class="partial">◐ partial: only 1 of 3 components has a level</span>') in html


# -- item 11: "most disputed" is real disagreement, ranked and capped --------------------------------


def test_most_disputed_lists_only_a_spread_of_two_levels_or_more_ranked_and_capped(engine, tmp_path):
    spreads = {"1A": ("G", "AG"), "1B": ("G", "AR"), "1C": ("G", "R"), "1D": ("AG", "R"),
               "2A": ("G", "AR"), "2B": ("G", "R"), "3A": ("AG", "R"), "3B": ("G", "AR")}
    ratings = [r for code, (a, b) in spreads.items() for r in (rating(code, "du", a), rating(code, "ind", b))]
    result = score(engine, tmp_path, ratings)
    listed = [(d.component, d.spread) for d in result.summary.most_disputed]
    assert listed == [("build-delivery-unit", 3), ("understand-drivers", 3), ("review-state-of-delivery", 2),
                      ("guiding-coalition", 2), ("evaluate-performance", 2)]
    assert result.summary.disputed == 7   # 1A (one level apart) is not disputed
    assert "Evaluate past and present performance (G/AR), and 2 more." in render_review(result, "md")
    assert "and 2 more." in render_review(result, "html")
    calm = score(engine, tmp_path, [rating("1A", "du", "G"), rating("1A", "ind", "AG")])
    assert calm.summary.most_disputed == [] and "Most disputed" not in render_review(calm, "md")


# -- evidence dating -------------------------------------------------------------------------------


def test_evidence_dated_after_the_review_or_undated_is_flagged(engine, tmp_path):
    evidence = [*EVIDENCE, {"id": "E3", "kind": "data", "source": "Audit", "date": "2029-05-01"},
                {"id": "E4", "kind": "survey", "source": "Survey"}]
    result = score(engine, tmp_path, [rating("1A", "du", "AG", evidence=("E3",)),
                                      rating("1B", "du", "AG", evidence=("E4",)),
                                      rating("1C", "du", "AG", evidence=("E1", "E2"))],
                   evidence=evidence, reviewers=REVIEWERS)
    after = component(result, "define-aspiration").flags
    assert [(f.code, f.message) for f in after] == [
        ("evidence-after-date", "Evidence dated after the review (2026-06-30): E3 (2029-05-01).")]
    undated = component(result, "review-state-of-delivery").flags
    assert [(f.code, f.message) for f in undated] == [
        ("undated-evidence", "Evidence with no date, so its age is unknown: E4.")]
    stale = component(result, "build-delivery-unit").flags
    assert [(f.code, f.message) for f in stale] == [
        ("stale-evidence", "Evidence older than 730 days at the review (2026-06-30): E2 (2023-01-01).")]


# -- follow-up: an agreed judgment needs the joint team --------------------------------------------

SELF_AND_TEAM = [{"id": "s1", "name": "Self review 1", "role": "self-review"}, *JOINT_TEAM]


def test_an_agreed_judgment_signed_only_by_self_reviewers_does_not_lift_the_level(engine, tmp_path):
    """The self-review comes before the joint team's interviews (1B): self-reviewers alone cannot
    agree a component above what the joint team's ratings gave, and the words say who agreed."""
    result = score(engine, tmp_path, [rating("4A", "du", "R"), rating("4A", "ind", "R")], reviewers=SELF_AND_TEAM,
                   judgments=[{"component": "4A", "level": "G", "reason": "We think so.", "agreed_by": ["s1"]}])
    judgment = component(result, "routines")
    assert (judgment.rating, judgment.computed, judgment.override) == ("R", "R", None)
    assert flags(judgment) == ["agreed-without-joint-team"]
    message = judgment.flags[0].message
    assert "G by s1 (self-review)" in message and "R" in message, message
    assert result.summary.agreed_without_joint_team == ["routines"]
    for text in (render_review(result, "md"), render_review(result, "html")):
        assert "The team agreed" not in text
        assert "Agreed without the joint team: Establish routines to drive and monitor performance." in text


def test_an_agreed_judgment_by_self_reviewers_may_pull_down_and_says_who_agreed(engine, tmp_path):
    result = score(engine, tmp_path, [rating("4A", "du", "G"), rating("4A", "ind", "G")], reviewers=SELF_AND_TEAM,
                   judgments=[{"component": "4A", "level": "AR", "reason": "Routines lapse.", "agreed_by": ["s1"]}])
    judgment = component(result, "routines")
    assert (judgment.rating, judgment.computed) == ("AR", "G")
    assert flags(judgment) == ["overridden", "agreed-without-joint-team"]
    assert judgment.because.startswith("Agreed AR by s1 (self-review): Routines lapse.")
    assert judgment.flags[0].message == "Agreed AR by s1 (self-review); the rules gave G."
    assert "Agreed AR by s1 (self-review) (computed G)" in render_review(result, "md")


def test_an_agreed_judgment_with_a_joint_team_member_names_who_agreed_with_their_roles(engine, tmp_path):
    result = score(engine, tmp_path, [rating("4A", "du", "R"), rating("4A", "ind", "R")], reviewers=SELF_AND_TEAM,
                   judgments=[{"component": "4A", "level": "AR", "reason": "Plan adopted.",
                               "agreed_by": ["s1", "ind"]}])
    judgment = component(result, "routines")
    assert (judgment.rating, flags(judgment)) == ("AR", ["overridden"])
    assert judgment.flags[0].message == "Agreed AR by s1 (self-review), ind (independent); the rules gave R."
    assert result.summary.agreed_without_joint_team == []
    assert "Agreed without the joint team" not in render_review(result, "md")


# -- follow-up: a self-review-only level is marked wherever it is shown ------------------------------


def test_a_self_review_only_component_carries_a_mark_and_words_wherever_its_level_is_shown(engine, tmp_path):
    result = score(engine, tmp_path, [rating("1A", "self", "AG"), rating("1B", "du", "G")])
    text = render_review(result, "md")
    assert "1A Define the aspiration: **AG** ○ (self-review only)" in text
    assert "1B Review the current state of delivery: **G** |" in text
    assert "### Define the aspiration: AG ○ (self-review only)" in text
    assert "○ self-review only: rated by self-reviewers alone" in text   # the legend
    html = render_review(result, "html")
    assert html.count('<span class="partial">○ self-review only</span>') == 2   # heatmap and heading
    assert "○ marks a component rated by self-reviewers alone" in html


# -- follow-up: the movement summary carries the baseline's caveat -----------------------------------


def test_a_baseline_of_another_system_is_caveated_on_the_movement_summary_line(engine, tmp_path):
    from stocktake.render import render_report

    base = write(tmp_path / "base.json", review([rating("1A", "du", "R")], date="2024-06-30", system="Eastvale"))
    now = write(tmp_path / "now.json", review([rating("1A", "du", "G")]))
    result = engine.review(now, baseline=base)
    caveat = "(baseline-other-system: The baseline is a review of Eastvale; this review is of Northshire.)"
    line = next(ln for ln in render_review(result, "md").splitlines() if ln.startswith("Movement:"))
    assert line == f"Movement: improved 1, not-rated 14 {caveat.replace('baseline-other-system', '`baseline-other-system`')}."
    assert f"Movement: improved 1, not-rated 14 {caveat}." in render_review(result, "html")
    saved = tmp_path / "result.json"
    saved.write_text(render_review(result, "json"))
    report = engine.report([saved])
    assert caveat.replace("baseline-other-system", "`baseline-other-system`") in render_report(report, "md")
    assert caveat in render_report(report, "html")


# -- follow-up: "weakest" is the bottom half of the scale ----------------------------------------------


def test_weakest_lists_only_components_in_the_bottom_half_of_the_scale(engine, tmp_path):
    strong = score(engine, tmp_path, [rating("1A", "du", "AG"), rating("1B", "du", "AG"), rating("1C", "du", "G")])
    assert strong.summary.weakest == []
    assert "Weakest: none below AG." in render_review(strong, "md")
    assert "Weakest: none below AG." in render_review(strong, "html")
    weak = score(engine, tmp_path, [rating("1A", "du", "AR"), rating("1B", "du", "AG"), rating("1C", "du", "AR")])
    assert weak.summary.weakest == ["define-aspiration", "build-delivery-unit"]
    assert "Weakest: Define the aspiration, Build the delivery unit." in render_review(weak, "md")
    unrated = score(engine, tmp_path, [])
    assert unrated.summary.weakest == [] and "Weakest" not in render_review(unrated, "md")
