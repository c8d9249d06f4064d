"""The ``CapacityReview`` document: a joint team's ratings of a rubric's components, with evidence.

References are checked when the document is validated: reviewers and evidence ids inside the
document, and (when the validation context has a ``rubric`` resolver, as the engine's loader
provides) components, criteria and level codes against the named rubric version. Component
references may use the item's id or its code (``3A``); both are normalised to the id, and level
names to their canonical code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, ValidationInfo, model_validator

from stocktake.core.models import Id, Model, SchemaVersion, StrictInt, Text, invalid
from stocktake.judgment.evidence import Evidence
from stocktake.rubric.model import Rubric, RubricNotInstalled, RubricRef, RubricResolver

__all__ = [
    "Action",
    "AgreedJudgment",
    "CapacityReview",
    "Finding",
    "Rating",
    "ReviewSettings",
    "Reviewer",
    "ReviewerRole",
]

ReviewerRole = Literal["self-review", "delivery-unit", "system-leader", "independent"]
"""A reviewer's place in the joint team."""


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
    level: str | StrictInt
    """A level code or alias of the item's scale."""
    rationale: str = ""
    evidence: list[Id] = Field(default_factory=list)
    """Ids of evidence items defined in this review."""


class AgreedJudgment(Model):
    """The team's agreed level for a component; it overrides the computed one (both are kept)."""

    component: str
    level: str | StrictInt
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
    evidence_max_age_days: StrictInt = Field(default=730, ge=1)
    """Evidence older than this many days before the review date is flagged."""


class CapacityReview(Model):
    """A delivery capacity review by a joint team."""

    kind: Literal["CapacityReview"]
    schema_version: SchemaVersion
    rubric: RubricRef
    system: Text
    """The system reviewed."""
    date: dt.date
    """When the review was concluded."""
    title: str = ""
    reviewers: list[Reviewer] = Field(min_length=1)
    evidence: list[Evidence] = Field(default_factory=list)
    ratings: list[Rating] = Field(default_factory=list)
    ratings_file: str | None = None
    """A CSV or XLSX file of further ratings (one row per rating: component, reviewer, level,
    rationale, evidence), relative to this document."""
    judgments: list[AgreedJudgment] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    settings: ReviewSettings = Field(default_factory=ReviewSettings)

    @model_validator(mode="after")
    def _check_references(self, info: ValidationInfo) -> CapacityReview:
        context: Mapping[str, Any] = info.context if isinstance(info.context, Mapping) else {}
        reviewers = _unique(self.reviewers, "reviewers")
        evidence = _unique(self.evidence, "evidence")
        resolve: RubricResolver | None = context.get("rubric")
        rubric: Rubric | None = None
        if resolve is not None:
            try:
                rubric = resolve(self.rubric.id, self.rubric.version)
            except RubricNotInstalled as err:
                raise invalid(err.expected, err.found, path=("rubric", err.field)) from None
        items = _item_index(rubric) if rubric is not None else None

        def item_id(ref: str, path: tuple[str | int, ...]) -> str:
            if items is None:
                return ref
            found = items.get(ref)
            if found is None:
                raise invalid(
                    f"a component or criterion of rubric {self.rubric.id} {self.rubric.version} "
                    "(its id or code)", repr(ref), path=path,
                )
            return found

        def level_code(item: str, level: str | int, path: tuple[str | int, ...]) -> str:
            if rubric is None:
                return str(level)
            scale = rubric.scale_of(rubric.item(item))  # type: ignore[arg-type]
            code = scale.resolve(level)
            if code is None:
                raise invalid(f"a level of scale {scale.id!r} ({scale.describe_codes()})", repr(level), path=path)
            return code

        seen: dict[tuple[str, str], int] = {}
        for i, rating in enumerate(self.ratings):
            path = ("ratings", i)
            if rating.reviewer not in reviewers:
                raise invalid(f"a reviewer id defined under 'reviewers' ({', '.join(reviewers)})",
                              repr(rating.reviewer), path=(*path, "reviewer"))
            for j, ref in enumerate(rating.evidence):
                if ref not in evidence:
                    raise invalid("an evidence id defined under 'evidence'", repr(ref),
                                  path=(*path, "evidence", j))
            rating.component = item_id(rating.component, (*path, "component"))
            rating.level = level_code(rating.component, rating.level, (*path, "level"))
            key = (rating.component, rating.reviewer)
            if key in seen:
                raise invalid("one rating per reviewer per component",
                              f"a second rating by {rating.reviewer!r} of {rating.component!r} "
                              f"(first at $.ratings[{seen[key]}])", path=path)
            seen[key] = i
        agreed: dict[str, int] = {}
        for i, judgment in enumerate(self.judgments):
            path = ("judgments", i)
            judgment.component = item_id(judgment.component, (*path, "component"))
            judgment.level = level_code(judgment.component, judgment.level, (*path, "level"))
            if judgment.component in agreed:
                raise invalid("one agreed judgment per component",
                              f"a second one for {judgment.component!r}", path=(*path, "component"))
            agreed[judgment.component] = i
            for j, who in enumerate(judgment.agreed_by):
                if who not in reviewers:
                    raise invalid("a reviewer id defined under 'reviewers'", repr(who),
                                  path=(*path, "agreed_by", j))
        for i, finding in enumerate(self.findings):
            finding.components = [item_id(ref, ("findings", i, "components", j))
                                  for j, ref in enumerate(finding.components)]
        for i, action in enumerate(self.actions):
            if action.component is not None:
                action.component = item_id(action.component, ("actions", i, "component"))
        return self


def _unique(items: list[Any], field: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i, item in enumerate(items):
        if item.id in out:
            raise invalid(f"{field} ids unique", f"{item.id!r} again", path=(field, i, "id"))
        out[item.id] = item
    return out


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
