"""The ``DeliveryAssessmentResult`` document: each priority's likelihood judgment with its trail,
the trajectory analysis, what would change it, and the league table."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from stocktake.core.models import Model, SchemaVersion
from stocktake.judgment.envelope import EngineRef, InputFile, PluginFailure
from stocktake.judgment.evidence import Evidence
from stocktake.judgment.model import Judgment


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
