"""Output documents. Every result records the engine, its inputs by content hash, what judged it,
the judgments with their trails, the evidence cited and a summary. Serialised with sorted keys, so
the same inputs give byte-identical JSON.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from engine.models.base import Model, SchemaVersion
from engine.models.judgment import Judgment
from engine.models.review import Action, Evidence, Finding, Reviewer

__all__ = [
    "ChainSummary", "DeliveryChainResult", "DetectorFinding", "DetectorUsed",
    "AssessmentSummary", "Change", "DeliveryAssessmentResult", "LeagueRow", "PriorityResult",
    "RuleSetUsed", "TrajectoryCheck", "TrajectorySummary", "WhatWouldChange",
    "CapacityReviewResult", "Disputed", "EngineRef", "InputFile", "Movement", "MovementKind",
    "PluginFailure", "ReviewSummary", "RubricUsed", "StrategyUsed", "TowardGreen",
]


class EngineRef(Model):
    name: str
    version: str


class InputFile(Model):
    """A file that was read, by content hash."""

    path: str
    sha256: str


class ItemOutline(Model):
    id: str
    code: str | None = None
    title: str


class SectionOutline(Model):
    id: str
    code: str | None = None
    title: str
    components: list[ItemOutline]


class RubricUsed(Model):
    """The rubric that judged: id, version, file hash, its outline, a hash of each item's wording."""

    id: str
    version: str
    sha256: str
    title: str
    sections: list[SectionOutline]
    """Sections and their components, in reading order."""
    items: dict[str, str]
    """Item id -> sha256 of its title, questions, scale and descriptors (to detect wording changes)."""


class StrategyUsed(Model):
    plugin: str
    id: str
    version: str
    title: str


class PluginFailure(Model):
    """A plugin failed while judging; the rest of the result stands (exit code 3)."""

    plugin: str
    distribution: str | None
    version: str | None
    where: str
    message: str


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
    """Components at the lowest standing level present."""
    most_disputed: list[Disputed]
    """Up to five components with the widest spread of ratings (spread of at least one level)."""
    movement: dict[str, int] | None = None
    """Components per kind of movement, when a baseline was given."""


class BaselineRef(Model):
    system: str
    date: dt.date
    rubric: str
    """``id version`` of the baseline's rubric."""
    source: InputFile


class CapacityReviewResult(Model):
    """The scored review: ``stocktake review`` output."""

    kind: Literal["CapacityReviewResult"]
    schema_version: SchemaVersion
    engine: EngineRef
    inputs: list[InputFile]
    rubric: RubricUsed
    strategy: StrategyUsed
    system: str
    date: dt.date
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


# -- likelihood of delivery ------------------------------------------------------------------------


class RuleSetUsed(Model):
    plugin: str
    id: str
    version: str
    title: str
    hit_policy: str | None = None
    sha256: str | None = None
    """Hash of the rule set's file, for data tables."""


class TrajectoryCheck(Model):
    date: dt.date
    actual: float
    planned: float
    gap: float
    """Actual minus planned, signed so that positive is better than planned."""
    relative_gap: float | None
    tolerance: float
    state: Literal["above", "within", "below"]


class TrajectorySummary(Model):
    """The trajectory analysis of one priority."""

    metric: str
    unit: str
    direction: Literal["increase", "decrease"]
    baseline: dict[str, object]
    target: dict[str, object]
    planned: list[dict[str, object]]
    """The plan's points (baseline, interim points, target) with the interpolation."""
    interpolation: str
    tolerance: dict[str, float] | None = None
    """The band: ``{"absolute": x}`` in metric units or ``{"relative": f}`` of the planned value."""
    checks: list[TrajectoryCheck]
    latest: str
    """``above``, ``within``, ``below`` or ``no-data``."""
    off_track: int
    widening: bool
    projection: float | None
    projection_method: str
    shortfall: float | None
    distance_to_target: float | None
    target_passed: bool
    level: str | None
    because: str


class Change(Model):
    """The smallest change of one input that moves the judgment one level."""

    input: str
    from_value: str
    to_value: str
    result: str


class WhatWouldChange(Model):
    up: Change | None = None
    """The smallest single-input change that raises the judgment one level (None: none does)."""
    down: Change | None = None
    """The smallest single-input change that lowers it one level (None: none does)."""


class PriorityResult(Model):
    id: str
    title: str
    owner: str
    judgment: Judgment
    trajectory: TrajectorySummary
    what_would_change: WhatWouldChange
    previous: str | None
    movement: Literal["up", "down", "same", "new"]


class LeagueRow(Model):
    rank: int
    id: str
    title: str
    owner: str
    rating: str | None
    computed: str | None
    agreed: bool
    previous: str | None
    movement: Literal["up", "down", "same", "new"]
    distance_to_target: float | None
    unit: str


class AssessmentSummary(Model):
    counts: dict[str, int]
    movement: dict[str, int]


class DeliveryAssessmentResult(Model):
    """The judged assessment: ``stocktake judge`` output."""

    kind: Literal["DeliveryAssessmentResult"]
    schema_version: SchemaVersion
    engine: EngineRef
    inputs: list[InputFile]
    rules: RuleSetUsed
    period: str
    date: dt.date
    title: str = ""
    priorities: list[PriorityResult]
    league: list[LeagueRow]
    """Priorities ranked by likelihood, then movement, then distance to target."""
    evidence: dict[str, Evidence]
    summary: AssessmentSummary
    failures: list[PluginFailure] = Field(default_factory=list)


# -- delivery chains -----------------------------------------------------------------------------------


class DetectorUsed(Model):
    plugin: str
    id: str
    version: str
    title: str


class DetectorFinding(Model):
    """A weak point a detector found, and the level it caps the chain at."""

    detector: str
    code: str
    level: str
    message: str
    actors: list[str] = Field(default_factory=list)
    links: list[str] = Field(default_factory=list)
    """Links as ``from->to``."""
    evidence: list[str] = Field(default_factory=list)
    count: int = 1


class ChainSummary(Model):
    actors: int
    links: int
    absent_links: int
    front_line: int
    reachable_front_line: int
    route_strength: dict[str, int]
    """Front-line actors by the strength of their strongest route (plus ``unreachable``)."""
    findings: dict[str, int]
    """Findings per code."""


class DeliveryChainResult(Model):
    """The analysed chain: ``stocktake chain`` output."""

    kind: Literal["DeliveryChainResult"]
    schema_version: SchemaVersion
    engine: EngineRef
    inputs: list[InputFile]
    chain: dict[str, str]
    """id, priority and title of the chain."""
    detectors: list[DetectorUsed]
    judgment: Judgment
    findings: list[DetectorFinding]
    evidence: dict[str, Evidence]
    summary: ChainSummary
    failures: list[PluginFailure] = Field(default_factory=list)
