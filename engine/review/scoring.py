"""Scoring a capacity review: reviewers' ratings -> component judgments -> section roll-ups.

Per item the chosen aggregation strategy (a plugin) combines the ratings; the engine adds flags
(disagreement, self-review above the independent review, not rated, no rationale or evidence,
stale evidence), applies the team's agreed judgment as an override (keeping the computed level),
and records the trail. Sections are rolled up by the rubric's method. A strategy that fails becomes
a :class:`~stocktake.judgment.envelope.PluginFailure` and the item is left unrated; the rest stands.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, get_args

from stocktake._version import __version__
from stocktake.core.boundary import PASS_THROUGH, describe, shown
from stocktake.hooks.registry import Origin
from stocktake.judgment.envelope import EngineRef, InputFile, PluginFailure
from stocktake.judgment.evidence import dating_problems
from stocktake.judgment.model import Flag, Input, Judgment, JudgmentState, Override, RuleRef, Subject
from stocktake.judgment.rollup import roll_up
from stocktake.judgment.scale import Scale
from stocktake.review.model import JOINT_TEAM, CapacityReview, Rating
from stocktake.review.result import (
    CapacityReviewResult,
    Disputed,
    ReviewSummary,
    StrategyUsed,
    TowardGreen,
)
from stocktake.review.strategies import ReviewerRating, Verdict
from stocktake.rubric.model import (
    Component,
    Criterion,
    ItemOutline,
    Rubric,
    RubricUsed,
    Section,
    SectionOutline,
)

__all__ = ["ScoringRun", "outline", "score_review"]

CORE = "stocktake"

DISAGREEMENT = 2
"""Ratings this many levels apart or more are a disagreement (flagged, and "most disputed"): on a
four-point scale, neighbours differ by a judgment call; two levels apart is a different view."""

MOST_DISPUTED = 5
"""The summary lists this many disputed components and counts the rest."""


@dataclass(frozen=True)
class ScoringRun:
    """What a review is scored with."""

    rubric: Rubric
    rubric_sha256: str
    strategy: Any
    strategy_origin: Origin
    inputs: tuple[InputFile, ...]


def outline(rubric: Rubric) -> list[SectionOutline]:
    """The rubric's sections and components, for readers of a result."""
    return [SectionOutline(id=s.id, code=s.code, title=s.title,
                           components=[ItemOutline(id=c.id, code=c.code, title=c.title) for c in s.components])
            for s in rubric.sections]


def score_review(review: CapacityReview, run: ScoringRun) -> CapacityReviewResult:
    """Score ``review`` (validated against ``run.rubric``) and return the full result."""
    scorer = _Scorer(review, run)
    judgments = scorer.judge_all()
    rubric = run.rubric
    cited = sorted({ref for rating in review.ratings for ref in rating.evidence})
    evidence = {e.id: e for e in review.evidence if e.id in cited}
    components = [j for j in judgments if j.subject.kind == "component"]
    return CapacityReviewResult(
        kind="CapacityReviewResult",
        schema_version=1,
        engine=EngineRef(name="stocktake", version=__version__),
        inputs=list(run.inputs),
        rubric=RubricUsed(id=rubric.id, version=rubric.version, sha256=run.rubric_sha256,
                          title=rubric.title, sections=outline(rubric), items=dict(rubric.fingerprints)),
        strategy=StrategyUsed(plugin=run.strategy_origin.plugin or CORE, id=run.strategy.id,
                              version=str(run.strategy.version), title=run.strategy.title),
        system=review.system,
        date=review.date,
        title=review.title,
        reviewers=review.reviewers,
        judgments=judgments,
        evidence=evidence,
        findings=review.findings,
        actions=review.actions,
        toward_green=_toward_green(components, rubric, review),
        summary=_summary(components, rubric, scorer.spreads),
        failures=scorer.failures,
    )


class _Scorer:
    def __init__(self, review: CapacityReview, run: ScoringRun) -> None:
        self.review = review
        self.run = run
        self.rubric = run.rubric
        self.roles = {r.id: r.role for r in review.reviewers}
        self.evidence = {e.id: e for e in review.evidence}
        self.ratings: dict[str, list[Rating]] = defaultdict(list)
        for rating in sorted(review.ratings, key=lambda r: r.reviewer):
            self.ratings[rating.component].append(rating)
        self.agreed = {j.component: j for j in review.judgments}
        self.failures: list[PluginFailure] = []
        self.spreads: dict[str, tuple[int, list[str]]] = {}
        self.oldest = review.date - dt.timedelta(days=review.settings.evidence_max_age_days)
        self.rule = RuleRef(plugin=run.strategy_origin.plugin or CORE, id=run.strategy.id,
                            version=str(run.strategy.version))

    def judge_all(self) -> list[Judgment]:
        items: list[Judgment] = []
        sections: list[Judgment] = []
        for section in self.rubric.sections:
            standing: list[tuple[Component, Judgment]] = []
            for component in section.components:
                criteria = [self.judge_item(k, "criterion") for k in component.criteria]
                judgment = self.judge_item(component, "component")
                if judgment.state == "not-rated" and judgment.override is None and criteria:
                    method = component.roll_up or section.roll_up or self.rubric.roll_up
                    judgment = self.roll_up(component, "component", method, list(zip(component.criteria, criteria)))
                items.append(judgment)
                items += criteria
                standing.append((component, judgment))
            method = section.roll_up or self.rubric.roll_up
            if method != "none":
                sections.append(self.roll_up(section, "section", method, standing))
        return items + sections

    # -- one item from its ratings ---------------------------------------------------------------

    def judge_item(self, item: Criterion, kind: str) -> Judgment:
        scale = self.rubric.scale_of(item)
        ratings = self.ratings.get(item.id, [])
        inputs = [Input(name=r.reviewer, value=r.level, role=self.roles[r.reviewer],
                        evidence=list(r.evidence), note=r.rationale) for r in ratings]
        evidence = sorted({ref for r in ratings for ref in r.evidence})
        flags: list[Flag] = []
        trail: list[str] = []
        if ratings:
            trail.append("ratings: " + ", ".join(f"{i.name} ({i.role}) {i.value}" for i in inputs))
            verdict = self._aggregate(item, scale, ratings)
            trail.append(f"strategy {self.rule.plugin}/{self.rule.id} {self.rule.version}: {verdict.because}")
            trail += verdict.trail
            flags += self._flags(item, scale, ratings)
        else:
            verdict = Verdict(None, "not-rated", f"No reviewer rated {item.title!r}.")
            flags.append(Flag(code="not-rated", message="No reviewer rated this item: missing, not good."))
            trail.append("ratings: none")
        judgment = Judgment(
            subject=Subject.of(kind, item.id), title=item.title, scale=scale.id, state=verdict.state,
            rating=verdict.level, computed=verdict.level, rule=self.rule, because=verdict.because,
            inputs=inputs, evidence=evidence, flags=flags, trail=trail,
        )
        return self._override(judgment)

    def _aggregate(self, item: Criterion, scale: Scale, ratings: Sequence[Rating]) -> Verdict:
        given = [ReviewerRating(r.reviewer, self.roles[r.reviewer], r.level) for r in ratings]
        origin = self.run.strategy_origin
        try:
            verdict = self.run.strategy.aggregate(given, scale)
            problem = _check_verdict(verdict, scale)
        except PASS_THROUGH:
            raise
        except BaseException as err:  # a plugin's bug (or exit) must not abort the review
            problem = f"raised {describe(err)}"
        if problem is None and isinstance(verdict, Verdict):  # the check says it is one
            return verdict
        self.failures.append(PluginFailure.of(origin, f"strategy {self.run.strategy.id!r} on {item.id!r}",
                                              str(problem)))
        return Verdict(None, "not-rated",
                       f"The strategy {self.run.strategy.id!r} failed ({problem}); no level was formed.")

    def _flags(self, item: Criterion, scale: Scale, ratings: Sequence[Rating]) -> list[Flag]:
        flags = []
        ranks = {r.reviewer: scale.rank(r.level) for r in ratings}
        best, worst = min(ranks.values()), max(ranks.values())  # once: a review may have 40,000 reviewers
        spread = worst - best
        self.spreads[item.id] = (spread, sorted({r.level for r in ratings}, key=scale.rank))
        if spread >= DISAGREEMENT:
            high = [r.reviewer for r in ratings if ranks[r.reviewer] == best]
            low = [r.reviewer for r in ratings if ranks[r.reviewer] == worst]
            flags.append(Flag(code="disagreement", message=(
                f"Ratings span {spread + 1} levels, from {scale.codes[best]} "
                f"({', '.join(high)}) to {scale.codes[worst]} ({', '.join(low)})."
            )))
        roles = [self.roles[r.reviewer] for r in ratings]
        if all(role == "self-review" for role in roles):
            flags.append(Flag(code="self-review-only", message=(
                "Rated by self-review only: the joint team (delivery unit, system leaders, "
                "independent reviewer) has not rated it."
            )))
        independent = [r.level for r, role in zip(ratings, roles) if role == "independent"]
        if independent:
            anchor = sorted(independent, key=scale.rank)[len(independent) // 2]
            above = [f"{r.reviewer} ({r.level})" for r, role in zip(ratings, roles)
                     if role == "self-review" and scale.rank(anchor) - ranks[r.reviewer] >= 2]
            if above:
                flags.append(Flag(code="self-review-above-independent", message=(
                    f"Self-review two or more levels above the independent review ({anchor}): "
                    f"{', '.join(above)}."
                )))
        no_rationale = [r.reviewer for r in ratings if not r.rationale.strip()]
        if no_rationale:
            flags.append(Flag(code="no-rationale",
                              message=f"No rationale from {', '.join(no_rationale)}."))
        no_evidence = [r.reviewer for r in ratings if not r.evidence]
        if no_evidence:
            flags.append(Flag(code="no-evidence",
                              message=f"No evidence cited by {', '.join(no_evidence)}."))
        refs = (ref for r in ratings for ref in r.evidence)
        flags += [Flag(code=code, message=message) for code, message in
                  dating_problems(refs, self.evidence, self.review.date, what="the review", oldest=self.oldest)]
        return flags

    def _override(self, judgment: Judgment) -> Judgment:
        """Apply the team's agreed level. One signed by no joint-team member is flagged
        ``agreed-without-joint-team`` and applied only if it does not lift the computed level: the
        self-review comes before the joint team's interviews, so it can pull a level down, never up."""
        item_id = judgment.subject.id
        agreed = self.agreed.get(item_id)
        if agreed is None:
            return judgment
        level = agreed.level
        who = ", ".join(f"{r} ({self.roles[r]})" for r in agreed.agreed_by)
        flags = list(judgment.flags)
        computed = judgment.computed or "no level"
        without_team = not any(self.roles[r] in JOINT_TEAM for r in agreed.agreed_by)
        if without_team and not self._at_or_below(level, judgment):
            flags.append(Flag(code="agreed-without-joint-team", message=(
                f"Agreed {level} by {who}, no member of the joint team (delivery unit, system leaders, "
                f"independent reviewer): not applied, as it would lift the level above the computed {computed}."
            )))
            return judgment.model_copy(update={
                "flags": flags,
                "trail": [*judgment.trail, f"agreed judgment {level} by {who} not applied: no joint-team "
                                           f"member agreed it and it is above the computed {computed}"],
            })
        if level != judgment.computed:
            flags.append(Flag(code="overridden", message=f"Agreed {level} by {who}; the rules gave {computed}."))
        if without_team:
            flags.append(Flag(code="agreed-without-joint-team", message=(
                f"Agreed {level} by {who}, no member of the joint team (delivery unit, system leaders, "
                f"independent reviewer): applied, as it does not lift the computed {computed}."
            )))
        return judgment.model_copy(update={
            "rating": level,
            "state": "rated",
            "override": Override(level=level, reason=agreed.reason, by=list(agreed.agreed_by)),
            "flags": flags,
            "because": f"Agreed {level} by {who}: {agreed.reason} (computed: {computed}).",
            "trail": [*judgment.trail, f"agreed judgment {level} by {who} replaces computed {computed}: "
                                       f"{agreed.reason}"],
        })

    def _at_or_below(self, level: str, judgment: Judgment) -> bool:
        """Whether ``level`` is no higher than the judgment's computed level (False without one:
        missing data is never lifted to a level)."""
        if judgment.computed is None:
            return False
        scale = self.rubric.scale_of(self.rubric.item(judgment.subject.id))  # type: ignore[arg-type]
        return scale.rank(level) >= scale.rank(judgment.computed)

    # -- roll-ups --------------------------------------------------------------------------------

    def roll_up(self, owner: Section | Component, kind: str, method: str,
                parts: list[tuple[Any, Judgment]]) -> Judgment:
        scale = self.rubric.default_scale if kind == "section" else self.rubric.scale_of(owner)  # type: ignore[arg-type]
        rule = RuleRef(plugin=CORE, id=f"roll-up/{method}", version=__version__)
        inputs = [Input(name=item.id, value=j.rating, role=j.state, evidence=list(j.evidence))
                  for item, j in parts]
        evidence = sorted({ref for _, j in parts for ref in j.evidence})
        rated = [(item, j) for item, j in parts if j.rating is not None and j.scale == scale.id]
        missing = [item.id for item, j in parts if j.rating is None]
        trail = ["parts: " + ", ".join(f"{i.name} {i.value or '(' + i.role + ')'}" for i in inputs)]
        flags: list[Flag] = []
        title = owner.title
        if method == "none" or not rated:
            because = ("No level: roll-up method 'none'." if method == "none"
                       else f"No part of {title!r} has a level.")
            return Judgment(subject=Subject.of(kind, owner.id), title=title, scale=scale.id, state="not-rated",
                            rating=None, computed=None, rule=rule, because=because, inputs=inputs,
                            evidence=evidence, flags=[Flag(code="not-rated", message=because)], trail=trail)
        lowest = len(scale.codes) - 1
        settled = method == "worst" and any(scale.rank(str(j.rating)) == lowest for _, j in rated)
        if len(rated) * 2 < len(parts) and not settled:  # settled: no missing part could change the worst
            because = (f"No level: a level needs at least half the parts of {title!r} rated "
                       f"({math.ceil(len(parts) / 2)} of {len(parts)}); only {len(rated)} of {len(parts)} "
                       f"{'has' if len(rated) == 1 else 'have'} one.")
            flags.append(Flag(code="too-few-rated", message=(
                f"{len(missing)} of {len(parts)} parts have no level ({', '.join(missing)}): too few "
                "are rated to form a level."
            )))
            trail.append(f"roll-up {method}: not formed, fewer than half the parts have a level")
            return Judgment(subject=Subject.of(kind, owner.id), title=title, scale=scale.id, state="partial",
                            rating=None, computed=None, rule=rule, because=because, inputs=inputs,
                            evidence=evidence, flags=flags, trail=trail)
        level, how = roll_up(method, [str(j.rating) for _, j in rated], scale)
        state = "partial" if missing else "rated"
        because = f"{how}."
        if missing:
            flags.append(Flag(code="incomplete", message=(
                f"{len(missing)} of {len(parts)} parts have no level ({', '.join(missing)}); "
                f"{level} is formed from the rest only."
            )))
            because = f"{how} that have one; {len(missing)} of {len(parts)} have none."
        trail.append(f"roll-up {method}: {how}")
        return Judgment(subject=Subject.of(kind, owner.id), title=title, scale=scale.id, state=state,
                        rating=level, computed=level, rule=rule, because=because, inputs=inputs,
                        evidence=evidence, flags=flags, trail=trail)


def _check_verdict(verdict: Any, scale: Scale) -> str | None:
    """Why a strategy's return value is unusable, or None if it is fine."""
    if not isinstance(verdict, Verdict):
        return f"returned {type(verdict).__name__}, not a Verdict"
    if verdict.level is not None and (not isinstance(verdict.level, str) or verdict.level not in scale.codes):
        return f"returned level {shown(verdict.level)}, not one of {scale.describe_codes()}"
    if verdict.state not in _STATES or (verdict.level is None) == (verdict.state == "rated"):
        return f"returned state {shown(verdict.state)} with level {shown(verdict.level)}"
    if not isinstance(verdict.because, str) or not verdict.because:
        return "returned no 'because' sentence"
    if not isinstance(verdict.trail, (tuple, list)) or not all(isinstance(step, str) for step in verdict.trail):
        return f"returned the trail {shown(verdict.trail)}, not a tuple of texts"
    return None


_STATES = frozenset(get_args(JudgmentState))


def _summary(components: list[Judgment], rubric: Rubric, spreads: dict[str, tuple[int, list[str]]]) -> ReviewSummary:
    scale = rubric.default_scale
    counts = dict.fromkeys(scale.codes, 0)
    counts.update({"not-rated": 0, "no-consensus": 0})
    for j in components:
        key = j.rating if j.rating is not None else j.state
        counts[key] = counts.get(key, 0) + 1
    rated = [j for j in components if j.rating is not None and j.scale == scale.id]
    weakest: list[str] = []
    lowest = max((scale.rank(str(j.rating)) for j in rated), default=-1)
    if rated and scale.low(scale.codes[lowest]):
        weakest = [j.subject.id for j in rated if scale.rank(str(j.rating)) == lowest]
    order = {j.subject.id: i for i, j in enumerate(components)}
    disputed = sorted(((cid, s) for cid, s in spreads.items() if s[0] >= DISAGREEMENT and cid in order),
                      key=lambda kv: (-kv[1][0], order[kv[0]]))
    return ReviewSummary(
        counts=counts,
        weakest=weakest,
        most_disputed=[Disputed(component=cid, spread=s, levels=levels)
                       for cid, (s, levels) in disputed[:MOST_DISPUTED]],
        disputed=len(disputed),
        self_review_only=[j.subject.id for j in components
                          if any(f.code == "self-review-only" for f in j.flags)],
        agreed_without_joint_team=[j.subject.id for j in components
                                   if any(f.code == "agreed-without-joint-team" for f in j.flags)],
    )


def _toward_green(components: list[Judgment], rubric: Rubric, review: CapacityReview) -> list[TowardGreen]:
    out = []
    for j in components:
        if j.rating is None:
            continue
        item_id = j.subject.id
        item = rubric.item(item_id)
        assert item is not None
        scale = rubric.scale_of(item)
        if not scale.low(j.rating):
            continue
        out.append(TowardGreen(
            component=item_id, title=item.title, level=j.rating,
            rubric_near_term=list(item.actions.near_term),
            rubric_longer_term=list(item.actions.longer_term),
            team=[a.text for a in review.actions if a.component == item_id],
        ))
    return out
