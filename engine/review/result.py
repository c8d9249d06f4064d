"""The ``CapacityReviewResult`` document: component and section judgments with their trails,
the summary, movement since a baseline and the actions toward green. Serialised in the schema's
key order, so the same inputs give byte-identical JSON."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, model_validator

from stocktake.core.models import Date, Model, SchemaVersion
from stocktake.judgment.checked import check_judgment, context_scales
from stocktake.judgment.envelope import EngineRef, InputFile, PluginFailure
from stocktake.judgment.evidence import Evidence
from stocktake.judgment.model import Flag, Judgment
from stocktake.review.model import Action, Finding, Reviewer
from stocktake.rubric.model import RubricUsed


class StrategyUsed(Model):
    plugin: str
    id: str
    version: str
    title: str


class Disputed(Model):
    component: str
    spread: int
    """Levels between the highest and the lowest rating."""
    levels: list[str]


MovementKind = Literal["improved", "declined", "unchanged", "new", "removed", "wording-changed", "not-rated"]
"""``wording-changed``: the item's wording differs between the two rubric versions, so the two
levels are shown but not compared. ``not-rated``: one side has no level."""


class Movement(Model):
    component: str
    title: str
    baseline: str | None
    current: str | None
    movement: MovementKind
    note: str = ""


class TowardGreen(Model):
    """For a component in the lower half of the scale: the rubric's actions beside the team's."""

    component: str
    title: str
    level: str
    rubric_near_term: list[str]
    rubric_longer_term: list[str]
    team: list[str]


class ReviewSummary(Model):
    counts: dict[str, int]
    """Components per standing level, plus ``not-rated`` and ``no-consensus``."""
    weakest: list[str]
    """Components at the lowest standing level present, when that level is in the bottom half of
    the scale (AR, R on the four-point scale); none when every level present is in the top half."""
    most_disputed: list[Disputed]
    """The components with real disagreement (ratings two or more levels apart, the
    ``disagreement`` flag's rule), widest spread first, then in rubric order; at most five."""
    disputed: int = 0
    """How many components have real disagreement (``most_disputed`` lists the first five)."""
    self_review_only: list[str] = Field(default_factory=list)
    """Components rated by self-reviewers only, without the joint team, in rubric order."""
    agreed_without_joint_team: list[str] = Field(default_factory=list)
    """Components with an agreed judgment signed by no member of the joint team (flag
    ``agreed-without-joint-team``), in rubric order."""
    movement: dict[str, int] | None = None
    """Components per kind of movement, when a baseline was given."""


class BaselineRef(Model):
    system: str
    date: Date
    rubric: str
    """``id version`` of the baseline's rubric."""
    source: InputFile
    flags: list[Flag] = Field(default_factory=list)
    """What to check before trusting the movement, e.g. ``baseline-other-system``."""


class CapacityReviewResult(Model):
    """The scored review: ``stocktake review`` output."""

    kind: Literal["CapacityReviewResult"]
    schema_version: SchemaVersion
    engine: EngineRef
    inputs: list[InputFile]
    rubric: RubricUsed
    strategy: StrategyUsed
    system: str
    date: Date
    title: str = ""
    reviewers: list[Reviewer]
    judgments: list[Judgment]
    """Components (and rated criteria) in rubric order, then sections."""
    evidence: dict[str, Evidence]
    """The evidence items cited by any rating, by id."""
    findings: list[Finding] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    toward_green: list[TowardGreen] = Field(default_factory=list)
    baseline: BaselineRef | None = None
    movement: list[Movement] | None = None
    summary: ReviewSummary
    failures: list[PluginFailure] = Field(default_factory=list)

    def _repr_html_(self) -> str:
        """The review as a notebook shows it: the HTML view, in a frame."""
        from stocktake.core.notebook import notebook_frame
        from stocktake.review.views import review_html

        return notebook_frame(review_html(self))

    @model_validator(mode="after")
    def _check_judgments(self, info: ValidationInfo) -> CapacityReviewResult:
        """Each judgment's subject and levels well formed (see :mod:`stocktake.judgment.checked`)."""
        scales = context_scales(info.context)
        for i, judgment in enumerate(self.judgments):
            check_judgment(judgment, scales, ("judgments", i))
        return self
