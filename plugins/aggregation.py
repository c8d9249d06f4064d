"""Built-in aggregation strategies: lower median (default), most conservative, consensus,
independent-reviewer-led. None of them averages colours: each picks one of the ratings given.

The joint team decides (seed 000, module 1B): the review is conducted by the delivery unit, system
leaders and an independent reviewer; the self-review comes before the team's interviews. So a
median is never higher than the joint team's own median: self-reviews can pull a level down, never
lift it (:func:`joint_team_median`). Ranks count from the top of the scale (0 is the best level),
so "lower" means worse.
"""

from __future__ import annotations

from collections.abc import Sequence

from stocktake import hookimpl
from stocktake.hooks.registry import Registrar
from stocktake.judgment.scale import Scale
from stocktake.review.model import JOINT_TEAM
from stocktake.review.strategies import ReviewerRating, Verdict


def _listing(ratings: Sequence[ReviewerRating]) -> str:
    return ", ".join(f"{r.reviewer} {r.level}" for r in ratings)


def lower_median(levels: Sequence[str], scale: Scale) -> str:
    """The median level; with an even count, the lower (worse) of the two middle levels."""
    ordered = sorted(levels, key=scale.rank)
    return ordered[len(ordered) // 2]



def joint_team_median(ratings: Sequence[ReviewerRating], scale: Scale) -> tuple[str, str]:
    """The lower median of all ``ratings``, capped at the lower median of the joint team's
    ratings alone (none: all ratings are self-reviews, and their median stands), with a clause
    saying so when the cap applied."""
    level = lower_median([r.level for r in ratings], scale)
    joint = [r for r in ratings if r.role in JOINT_TEAM]
    if not joint or len(joint) == len(ratings):
        return level, ""
    cap = lower_median([r.level for r in joint], scale)
    if scale.rank(cap) <= scale.rank(level):
        return level, ""
    return cap, (f"; the lower median of all of them is {level}, capped at {cap}, the joint team's median "
                 f"({_listing(joint)}): self-reviews cannot lift it")


class LowerMedian:
    id = "lower-median"
    version = "2.0"
    title = "Lower median"
    description = ("The median of the reviewers' levels; with an even number of ratings, the lower "
                   "of the two middle levels. One outlier cannot move it. Never above the joint "
                   "team's (delivery unit, system leaders, independent) median: self-reviews can "
                   "pull it down, not lift it.")

    def aggregate(self, ratings: Sequence[ReviewerRating], scale: Scale) -> Verdict:
        level, capped = joint_team_median(ratings, scale)
        n = len(ratings)
        if n == 1:
            return Verdict(level, "rated", f"{level} is the only rating ({_listing(ratings)}).")
        if capped:
            return Verdict(level, "rated", f"{level}: {n} ratings ({_listing(ratings)}){capped}.")
        how = "the middle rating" if n % 2 else "the lower of the two middle ratings"
        return Verdict(level, "rated", f"{level} is {how} of {n} ({_listing(ratings)}).")


class MostConservative:
    id = "most-conservative"
    version = "1.0"
    title = "Most conservative"
    description = "The lowest level any reviewer gave."

    def aggregate(self, ratings: Sequence[ReviewerRating], scale: Scale) -> Verdict:
        worst = max(ratings, key=lambda r: scale.rank(r.level))
        who = ", ".join(sorted(r.reviewer for r in ratings if r.level == worst.level))
        return Verdict(worst.level, "rated",
                       f"{worst.level} is the lowest of {len(ratings)} ratings (given by {who}).")


class Consensus:
    id = "consensus"
    version = "2.0"
    title = "Consensus"
    description = ("If every rating is within one level of every other, the lower median (never "
                   "above the joint team's, as in lower-median); otherwise no level is formed and "
                   "the component is reported as 'no consensus' for the team to resolve.")

    def aggregate(self, ratings: Sequence[ReviewerRating], scale: Scale) -> Verdict:
        ranks = [scale.rank(r.level) for r in ratings]
        spread = max(ranks) - min(ranks)
        if spread > 1:
            best, worst = scale.codes[min(ranks)], scale.codes[max(ranks)]
            return Verdict(None, "no-consensus",
                           f"No consensus: ratings run from {best} to {worst} ({_listing(ratings)}).")
        level, capped = joint_team_median(ratings, scale)
        return Verdict(level, "rated",
                       f"{level}: all {len(ratings)} ratings are within one level ({_listing(ratings)}){capped}.")


class IndependentLed:
    id = "independent-led"
    version = "2.0"
    title = "Independent reviewer leads"
    description = ("The independent reviewer's level (the lower median if there are several). "
                   "Without an independent rating, the lower median of all ratings (never above "
                   "the joint team's, as in lower-median), noted in the trail.")

    def aggregate(self, ratings: Sequence[ReviewerRating], scale: Scale) -> Verdict:
        independent = [r for r in ratings if r.role == "independent"]
        if independent:
            level = lower_median([r.level for r in independent], scale)
            return Verdict(level, "rated",
                           f"{level} is the independent review ({_listing(independent)}).")
        level, capped = joint_team_median(ratings, scale)
        return Verdict(level, "rated",
                       f"{level} is the lower median of {len(ratings)} ratings: there is no "
                       f"independent rating ({_listing(ratings)}){capped}.",
                       trail=("no independent rating: fell back to the lower median",))


@hookimpl
def stocktake_register_strategies(registry: Registrar) -> None:
    for strategy in (LowerMedian(), MostConservative(), Consensus(), IndependentLed()):
        registry.add_strategy(strategy)
    registry.declare_default("strategy", LowerMedian.id)
