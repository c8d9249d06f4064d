"""The ``DeliveryAssessmentResult`` document: each priority's likelihood judgment with its trail,
the trajectory analysis, what would change it, and the league table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Literal, cast

from pydantic import BaseModel, Field

from stocktake.core.models import Date, Model, SchemaVersion
from stocktake.judgment.envelope import EngineRef, InputFile, PluginFailure
from stocktake.judgment.evidence import Evidence
from stocktake.judgment.model import Judgment
from stocktake.judgment.scale import Scale

__all__ = [
    "AssessmentSummary", "Change", "DeliveryAssessmentResult", "LeagueRow", "PriorityResult", "RuleSetUsed",
    "TrajectoryCheck", "TrajectorySummary", "WhatWouldChange", "assemble", "league", "shape",
]

MOVEMENT_ORDER = {"up": 0, "same": 1, "down": 2, "new": 3}
"""Movement since the previous judgment, in the order the league table ranks it."""


class RuleSetUsed(Model):
    plugin: str
    id: str
    version: str
    title: str
    hit_policy: str | None = None
    sha256: str | None = None
    """Hash of the rule set's file, for data tables."""


class TrajectoryCheck(Model):
    date: Date
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
    date: Date
    title: str = ""
    priorities: list[PriorityResult]
    league: list[LeagueRow]
    """Priorities ranked by likelihood, then movement, then distance to target."""
    evidence: dict[str, Evidence]
    summary: AssessmentSummary
    failures: list[PluginFailure] = Field(default_factory=list)


class _Missing:
    """A field left out of data built from a :func:`shape`: neither validates nor serialises."""

    def __repr__(self) -> str:
        return "<missing field>"


_MISSING = _Missing()


def shape(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s fields in its declared order (by alias where one is given), each holding a marker.

    Plain data built as ``dict(shape(model), field=value, ...)`` has its keys in the model's order,
    so ``pydantic_core.to_json`` of it writes what the model writes (large batches serialise it
    without validating). A field left out keeps the marker, which fails validation and
    serialisation; a field the model does not have fails validation: neither is ever silent."""
    return dict.fromkeys((f.serialization_alias or f.alias or name for name, f in model.model_fields.items()),
                         _MISSING)


# -- the assessment -------------------------------------------------------------------------------


def assemble(results: list[PriorityResult], scale: Scale, rules: RuleSetUsed, inputs: list[InputFile],
             failures: list[PluginFailure], *, period: str, date: dt.date, title: str,
             evidence: dict[str, Evidence]) -> DeliveryAssessmentResult:
    """The judged assessment: ``results`` (on ``scale``) counted, by movement too, and ranked."""
    from stocktake._version import __version__

    counts = dict.fromkeys(scale.codes, 0)
    counts["not-rated"] = 0
    movement = dict.fromkeys(MOVEMENT_ORDER, 0)
    for r in results:
        counts[r.judgment.rating or "not-rated"] += 1
        movement[r.movement] += 1
    return DeliveryAssessmentResult(
        kind="DeliveryAssessmentResult", schema_version=1,
        engine=EngineRef(name="stocktake", version=__version__),
        inputs=inputs, rules=rules, period=period, date=date, title=title,
        priorities=results, league=league(results, scale), evidence=evidence,
        summary=AssessmentSummary(counts=counts, movement=movement), failures=failures,
    )


def league(results: Sequence[PriorityResult], scale: Scale) -> list[LeagueRow]:
    """Rank by likelihood (best first), then movement (up, same, down, new), then how much of
    the way to the target remains, then id. Priorities without a level come last."""
    def key(r: PriorityResult) -> tuple[Any, ...]:
        rating = r.judgment.rating
        target, baseline = cast(float, r.trajectory.target["value"]), cast(float, r.trajectory.baseline["value"])
        span = abs(float(target) - float(baseline)) or 1.0
        remaining = r.trajectory.distance_to_target
        return (scale.rank(rating) if rating in scale.codes else len(scale.codes),
                MOVEMENT_ORDER[r.movement],
                remaining / span if remaining is not None else float("inf"), r.id)

    rows = []
    for rank, r in enumerate(sorted(results, key=key), 1):
        rows.append(LeagueRow(rank=rank, id=r.id, title=r.title, owner=r.owner, rating=r.judgment.rating,
                              computed=r.judgment.computed, agreed=r.judgment.override is not None,
                              previous=r.previous, movement=r.movement,
                              distance_to_target=r.trajectory.distance_to_target, unit=r.trajectory.unit))
    return rows
