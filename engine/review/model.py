"""The ``CapacityReview`` document: a joint team's ratings of a rubric's components, with evidence.

References are checked when the document is validated: reviewers and evidence ids inside the
document, and (when the validation context has the ``rubric`` the review names, as the engine's
loader looks it up and provides) components, criteria and level codes against that rubric version.
Component references may use the item's id or its code (``3A``); both are normalised to the id,
and level names to their canonical code (levels are text either way).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ModelWrapValidatorHandler, ValidationInfo, model_validator

from stocktake.core.models import (
    Date,
    Id,
    LevelText,
    Model,
    Problems,
    SchemaVersion,
    StrictInt,
    Text,
    as_written,
    invalid,
    unique_ids,
)
from stocktake.core.suggest import did_you_mean, listing
from stocktake.judgment.evidence import Evidence
from stocktake.rubric.model import Rubric, RubricRef, context_rubric

__all__ = [
    "JOINT_TEAM",
    "Action",
    "AgreedJudgment",
    "CapacityReview",
    "Finding",
    "Rating",
    "ReviewSettings",
    "Reviewer",
    "ReviewerRole",
]

MAX_EVIDENCE_AGE_DAYS = 36_500
"""The longest ``evidence_max_age_days``: a hundred years (800,000 days overflowed the date arithmetic)."""

ReviewerRole = Literal["self-review", "delivery-unit", "system-leader", "independent"]
"""A reviewer's place in the joint team."""

JOINT_TEAM: frozenset[ReviewerRole] = frozenset({"delivery-unit", "system-leader", "independent"})
"""The roles of the joint review team (seed 000, module 1B); ``self-review`` is not among them:
it comes before the team's interviews."""


class Reviewer(Model):
    """A member of the joint review team."""

    id: Id
    name: Text
    role: ReviewerRole
    organisation: str = ""


class Rating(Model):
    """One reviewer's level for one component (or criterion)."""

    component: str
    """The rubric item's id or code."""
    reviewer: Id
    level: LevelText
    """A level code or alias of the item's scale."""
    rationale: str = ""
    evidence: list[Id] = Field(default_factory=list)
    """Ids of evidence items defined in this review."""


class AgreedJudgment(Model):
    """The team's agreed level for a component; it overrides the computed one (both are kept)."""

    component: str
    level: LevelText
    reason: Text
    agreed_by: list[Id] = Field(min_length=1)


class Finding(Model):
    """A strength, weakness or observation the team wants the leader to read."""

    text: Text
    kind: Literal["strength", "weakness", "observation"] = "observation"
    components: list[str] = Field(default_factory=list)


class Action(Model):
    """An action the team proposes ("moving toward green")."""

    text: Text
    component: str | None = None
    horizon: Literal["near-term", "longer-term"] = "near-term"
    owner: str = ""


class ReviewSettings(Model):
    """How this review is scored."""

    strategy: Id | None = None
    """Aggregation strategy; default: the rubric's, else ``lower-median``."""
    evidence_max_age_days: StrictInt = Field(default=730, ge=1, le=MAX_EVIDENCE_AGE_DAYS)
    """Evidence older than this many days before the review date is flagged (at most 36,500)."""


class CapacityReview(Model):
    """A delivery capacity review by a joint team."""

    kind: Literal["CapacityReview"]
    schema_version: SchemaVersion
    rubric: RubricRef
    system: Text
    """The system reviewed."""
    date: Date
    """When the review was concluded."""
    title: str = ""
    reviewers: list[Reviewer] = Field(min_length=1)
    evidence: list[Evidence] = Field(default_factory=list)
    ratings: list[Rating] = Field(default_factory=list)
    ratings_file: str | None = None
    """A CSV or XLSX file of further ratings, relative to this document: one row per rating
    (component, reviewer, level, rationale, evidence), or a matrix (one row per component, a level
    column per reviewer id), as ``stocktake template`` writes them."""
    ratings_sheet: Text | None = None
    """The worksheet of ``ratings_file`` holding the ratings; default: the sheet named ``ratings``,
    else the first whose first row has a ``component`` column."""
    ratings_notes: list[Text] = Field(default_factory=list)
    """Further columns of ``ratings_file`` that hold notes for people, read past (a column not
    declared here, nor one the template writes, is an error: it may be a misspelt one)."""
    judgments: list[AgreedJudgment] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    settings: ReviewSettings = Field(default_factory=ReviewSettings)

    @model_validator(mode="wrap")
    @classmethod
    def _check_references(cls, data: Any, handler: ModelWrapValidatorHandler[CapacityReview],
                          info: ValidationInfo) -> CapacityReview:
        """After the fields: ids unique, references resolved (component codes to ids, level
        aliases to codes) against the rubric in the context; ``data`` is read only to quote a bad
        level as the document wrote it."""
        review = handler(data)
        _References(review, data, info.context).check()
        return review


class _References:
    """The cross-reference checks of one review; each problem is reported, not only the first."""

    def __init__(self, review: CapacityReview, data: Any, context: Any) -> None:
        self.review, self.data = review, data
        self.problems = Problems()
        self.reviewers = unique_ids(review.reviewers, "reviewers", "reviewers ids unique", problems=self.problems)
        self.evidence = unique_ids(review.evidence, "evidence", "evidence ids unique", problems=self.problems)
        self.rubric: Rubric | None = None
        with self.problems:
            self.rubric = context_rubric(context)
        self.items = _item_index(self.rubric) if self.rubric is not None else None

    def check(self) -> None:
        self.ratings()
        self.judgments()
        problems = self.problems
        for i, finding in enumerate(self.review.findings):
            components = []
            for j, ref in enumerate(finding.components):
                with problems:
                    components.append(self.item_id(ref, ("findings", i, "components", j)))
            finding.components = components
        for i, action in enumerate(self.review.actions):
            if action.component is not None:
                with problems:
                    action.component = self.item_id(action.component, ("actions", i, "component"))
        problems.check()

    def item_id(self, ref: str, path: tuple[str | int, ...]) -> str:
        """The id of the rubric item ``ref`` names (by id or code)."""
        if self.items is None:
            return ref
        found = self.items.get(ref)
        if found is None:
            rubric = self.review.rubric
            known = sorted({*(i.code or i.id for i in self.rubric.components())} if self.rubric else set())
            raise invalid(f"a component or criterion of rubric {rubric.id} {rubric.version} "
                          f"(its id or code: {listing(known)})", repr(ref) + did_you_mean(ref, self.items),
                          path=path)
        return found

    def resolve(self, owner: Rating | AgreedJudgment, path: tuple[str | int, ...]) -> None:
        """Replace ``owner.component`` by the item's id and ``owner.level`` by its code on the
        item's scale (pydantic's ``__setattr__`` is slow: each only when it changes)."""
        component = self.item_id(owner.component, (*path, "component"))
        if component != owner.component:
            owner.component = component
        if self.rubric is None:
            return
        scale = self.rubric.scale_of(self.rubric.item(component))  # type: ignore[arg-type]
        code = scale.resolve(owner.level)
        if code is None:
            raise invalid(f"a level of scale {scale.id!r} ({scale.describe_codes()})",
                          repr(as_written(self.data, (*path, "level"), owner.level)), path=(*path, "level"))
        if code != owner.level:
            owner.level = code

    def reviewer(self, who: str, path: tuple[str | int, ...]) -> None:
        """An error unless ``who`` is a reviewer id defined under 'reviewers'."""
        if who not in self.reviewers:
            raise invalid(f"a reviewer id defined under 'reviewers' ({listing(self.reviewers)})",
                          repr(who) + did_you_mean(who, self.reviewers), path=path)

    def ratings(self) -> None:
        seen: dict[tuple[str, str], int] = {}
        problems = self.problems
        for i, rating in enumerate(self.review.ratings):
            path = ("ratings", i)
            known = True
            with problems:
                self.reviewer(rating.reviewer, (*path, "reviewer"))
            for j, ref in enumerate(rating.evidence):
                if ref not in self.evidence:
                    problems.add(invalid(f"an evidence id defined under 'evidence' ({listing(self.evidence)})",
                                         repr(ref) + did_you_mean(ref, self.evidence), path=(*path, "evidence", j)))
            with problems:
                known = False
                self.resolve(rating, path)
                known = True
            key = (rating.component, rating.reviewer)
            if known and key in seen:
                problems.add(invalid("one rating per reviewer per component",
                                     f"a second rating by {rating.reviewer!r} of {rating.component!r} "
                                     f"(first at $.ratings[{seen[key]}])", path=path))
            seen.setdefault(key, i)

    def judgments(self) -> None:
        agreed: dict[str, int] = {}
        problems = self.problems
        for i, judgment in enumerate(self.review.judgments):
            path = ("judgments", i)
            with problems:
                self.resolve(judgment, path)
                if judgment.component in agreed:
                    raise invalid("one agreed judgment per component",
                                  f"a second one for {judgment.component!r}", path=(*path, "component"))
                agreed[judgment.component] = i
            for j, who in enumerate(judgment.agreed_by):
                with problems:
                    self.reviewer(who, (*path, "agreed_by", j))


def _item_index(rubric: Rubric) -> dict[str, str]:
    """Map every id and every code (any case) of the rubric's rateable items to the item's id."""
    index: dict[str, str] = {}
    for component in rubric.components():
        index[component.id] = component.id
        if component.code:
            index.setdefault(component.code, component.id)
            index.setdefault(component.code.lower(), component.id)
            index.setdefault(component.code.upper(), component.id)
        for criterion in component.criteria:
            index[criterion.id] = criterion.id
    return index
