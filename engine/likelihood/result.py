"""The ``DeliveryAssessmentResult`` document: each priority's likelihood judgment with its trail,
the trajectory analysis, what would change it, and the league table."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Sequence
from typing import Any, Literal, cast

from pydantic import BaseModel, Field, ValidationInfo, model_validator

from stocktake.core.models import Date, Finite, Model, SchemaVersion, invalid
from stocktake.judgment.checked import check_judgment, check_level, context_scales
from stocktake.judgment.envelope import EngineRef, InputFile, PluginFailure
from stocktake.judgment.evidence import Evidence
from stocktake.judgment.model import Judgment
from stocktake.judgment.scale import Scale
from stocktake.likelihood.model import MAX_COMMENTARY, MAX_VALUE, Action, Milestone, Number

__all__ = [
    "AssessmentSummary", "Change", "DeliveryAssessmentResult", "LeagueRow", "PriorityResult", "RuleSetUsed",
    "SeverityResult", "TrajectoryCheck", "TrajectorySummary", "WhatWouldChange", "assemble", "league", "shape",
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

    @classmethod
    def of(cls, ruleset: Any, origin: Any, sha: str | None) -> RuleSetUsed:
        """The record of ``ruleset`` as registered by ``origin`` (an :class:`~stocktake.hooks.registry.Origin`)."""
        return cls(plugin=origin.plugin or origin.via or "user", id=ruleset.id, version=str(ruleset.version),
                   title=ruleset.title, hit_policy=getattr(getattr(ruleset, "ruleset", None), "hit_policy", None),
                   sha256=sha)


class TrajectoryCheck(Model):
    date: Date
    actual: Number
    planned: Finite
    gap: Finite
    """Actual minus planned, signed so that positive is better than planned."""
    relative_gap: Finite | None
    tolerance: Finite
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
    tolerance: dict[str, Finite] | None = None
    """The band: ``{"absolute": x}`` in metric units or ``{"relative": f}`` of the planned value."""
    checks: list[TrajectoryCheck]
    latest: str
    """``above``, ``within``, ``below`` or ``no-data``."""
    off_track: int
    widening: bool
    projection: Finite | None
    projection_method: str
    shortfall: Finite | None
    distance_to_target: Finite | None
    target_passed: bool
    level: str | None
    because: str

    @model_validator(mode="after")
    def _check_plan(self) -> TrajectorySummary:
        """The plan is what a priority's is (a result file may have been edited by hand): the
        baseline, rising dates, the target; numbers as an assessment's; one tolerance."""
        baseline, target = _plan_point(self.baseline, ("baseline",)), _plan_point(self.target, ("target",))
        if len(self.planned) < 2:
            raise invalid("a plan of at least the baseline and the target", f"{len(self.planned)} point(s)",
                          path=("planned",))
        points = [_plan_point(p, ("planned", i)) for i, p in enumerate(self.planned)]
        for i in range(1, len(points)):
            if points[i][0] <= points[i - 1][0]:
                raise invalid(f"dates rising after {points[i - 1][0]}", str(points[i][0]), path=("planned", i, "date"))
        for end, point, i in (("baseline", baseline, 0), ("target", target, len(points) - 1)):
            if points[i] != point:
                raise invalid(f"the {end} ({point[0]}, {point[1]})", f"{points[i][0]}, {points[i][1]}",
                              path=("planned", i))
        if self.tolerance is not None:
            (kind, value), = self.tolerance.items() if len(self.tolerance) == 1 else (("", 0.0),)
            top = MAX_VALUE if kind == "absolute" else 1
            if kind not in ("absolute", "relative") or not 0 <= value <= top:
                raise invalid("{'absolute': 0 to 1e15} or {'relative': 0 to 1}", repr(self.tolerance),
                              path=("tolerance",))
        return self


def _plan_point(point: dict[str, object], path: tuple[str | int, ...]) -> tuple[dt.date, float]:
    """(date, value) of a point of a result's plan, checked as an assessment's point."""
    if set(point) != {"date", "value"}:
        raise invalid("a point with 'date' and 'value'", f"keys {', '.join(sorted(point)) or 'none'}", path=path)
    date, value = point["date"], point["value"]
    day: dt.date | None = date if isinstance(date, dt.date) else None
    if day is None and isinstance(date, str) and _ISO_DATE.fullmatch(date):
        with contextlib.suppress(ValueError):  # an impossible day such as 2025-02-30
            day = dt.date.fromisoformat(date)
    if day is None:
        raise invalid("a date written YYYY-MM-DD", repr(date), path=(*path, "date"))
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not -MAX_VALUE <= value <= MAX_VALUE:
        raise invalid(f"a number of at most {MAX_VALUE:.0e} either side of 0", repr(value), path=(*path, "value"))
    return day, float(value)


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


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


class SeverityResult(Model):
    """How severe a priority's problems are (the ``severity`` scale), and what would change that."""

    judgment: Judgment
    what_would_change: WhatWouldChange
    """Up is less severe, down more severe."""


class PriorityResult(Model):
    id: str
    title: str
    owner: str
    judgment: Judgment
    trajectory: TrajectorySummary
    what_would_change: WhatWouldChange
    previous: str | None
    movement: Literal["up", "down", "same", "new"]
    severity: SeverityResult | None = None
    """The severity classification, judged after the likelihood (None: judged without a classifier)."""
    actions: list[Action] = Field(default_factory=list)
    milestones: list[Milestone] = Field(default_factory=list)
    commentary: str = Field(default="", max_length=MAX_COMMENTARY)


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
    distance_to_target: Finite | None
    unit: str
    severity: str | None = None
    """The severity classification's level (None: not classified)."""


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
    severity_rules: RuleSetUsed | None = None
    """The rule set that classified each priority's severity."""
    period: str
    date: Date
    title: str = ""
    priorities: list[PriorityResult]
    league: list[LeagueRow]
    """Priorities ranked by likelihood, then movement, then distance to target."""
    evidence: dict[str, Evidence]
    summary: AssessmentSummary
    failures: list[PluginFailure] = Field(default_factory=list)

    def _repr_html_(self) -> str:
        """The judgments as a notebook shows them: the HTML view, in a frame."""
        from stocktake.core.notebook import notebook_frame
        from stocktake.likelihood.views import assessment_html

        return notebook_frame(assessment_html(self))

    @model_validator(mode="after")
    def _check_judgments(self, info: ValidationInfo) -> DeliveryAssessmentResult:
        """Subjects and levels well formed (see :mod:`stocktake.judgment.checked`); the league
        ranks the priorities, each once."""
        scales = context_scales(info.context)
        delivery = scales.get("delivery") if scales is not None else None
        by_id: dict[str, Scale | None] = {}
        for i, priority in enumerate(self.priorities):
            path: tuple[str | int, ...] = ("priorities", i)
            by_id[priority.id] = check_judgment(priority.judgment, scales, (*path, "judgment"))
            check_level(priority.trajectory.level, delivery, (*path, "trajectory", "level"))
            if priority.severity is not None:
                check_judgment(priority.severity.judgment, scales, (*path, "severity", "judgment"))
        ranked: set[str] = set()
        for i, row in enumerate(self.league):
            if row.id not in by_id or row.id in ranked:
                raise invalid("each priority's id once", repr(row.id), path=("league", i, "id"))
            ranked.add(row.id)
            for name in ("rating", "computed"):
                check_level(getattr(row, name), by_id[row.id], ("league", i, name))
            check_level(row.severity, scales.get("severity") if scales is not None else None, ("league", i, "severity"))
        if len(ranked) != len(by_id):
            missing = next(p for p in by_id if p not in ranked)
            raise invalid("a row for every priority", f"none for {missing!r}", path=("league",))
        return self


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
             evidence: dict[str, Evidence], severity_rules: RuleSetUsed | None = None) -> DeliveryAssessmentResult:
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
        inputs=inputs, rules=rules, severity_rules=severity_rules, period=period, date=date, title=title,
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
                              distance_to_target=r.trajectory.distance_to_target, unit=r.trajectory.unit,
                              severity=r.severity.judgment.rating if r.severity is not None else None))
    return rows
