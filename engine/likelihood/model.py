"""The ``DeliveryAssessment`` document: priorities with targets, trajectories, actuals and ratings.

Category ratings follow the likelihood rubric named in ``rubric`` (by default the built-in
``likelihood-of-delivery``): ``challenge``, ``planning``, ``capacity`` and ``stage`` map to its
items, so the sub-criteria of planning and capacity are that rubric's criteria and every level is
checked against the item's scale.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, GetCoreSchemaHandler, ModelWrapValidatorHandler, ValidationInfo, model_validator
from pydantic_core import core_schema

from stocktake.core.models import (
    Date,
    Id,
    LevelText,
    Model,
    Problems,
    SchemaVersion,
    Text,
    as_written,
    invalid,
    unique_ids,
)
from stocktake.core.suggest import did_you_mean, listing
from stocktake.judgment.evidence import Evidence
from stocktake.rubric.model import Rubric, RubricRef, context_rubric

__all__ = [
    "CATEGORY_ITEMS", "DEFAULT_RUBRIC", "MAX_COMMENTARY", "MAX_VALUE", "Action", "Agreed", "CategoryRating",
    "CriterionRating", "DeliveryAssessment", "Indicator", "Metric", "Milestone", "Number", "Point", "Previous",
    "Priority", "Ratings", "Tolerance", "Trajectory", "priority_problems",
]

MAX_VALUE = 10**15
"""The largest magnitude of a number in an assessment (values, tolerances): every integer up to it
is exact in floating point, and plans, gaps and projections computed from such numbers stay far
from overflow (1e308 made planned values NaN, judged "within" tolerance)."""

Number = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=-MAX_VALUE, le=MAX_VALUE)]
"""A finite number of at most :data:`MAX_VALUE` either side of zero (an integer is fine; text is not)."""

Level = LevelText
"""A level code or alias, as text (stage levels may be written as numbers: ``3`` is ``"3"``)."""

DEFAULT_RUBRIC = ("likelihood-of-delivery", "1.0.0")
"""The likelihood rubric an assessment follows unless it names another."""

CATEGORY_ITEMS = {
    "challenge": "degree-of-challenge",
    "planning": "quality-of-planning",
    "capacity": "capacity-to-drive-progress",
    "stage": "stage-of-delivery",
}
"""Category name in an assessment -> item id in the likelihood rubric."""


class Point(Model):
    """A dated value of the target metric."""

    date: Date
    value: Number
    note: str = ""


class Metric(Model):
    name: Text
    unit: str = ""
    direction: Literal["increase", "decrease"]
    """Which way is good."""


class Trajectory(Model):
    """Planned values between the baseline and the target."""

    interpolation: Literal["linear", "step"] = "linear"
    points: list[Point] = Field(default_factory=list)
    """Interim planned values, dates strictly between the baseline's and the target's."""


class Tolerance(Model):
    """A band around the trajectory within which an actual counts as on track (one of the two)."""

    absolute: Number | None = Field(default=None, ge=0)
    """Half-width of the band in the metric's units."""
    relative: Number | None = Field(default=None, ge=0, le=1)
    """Half-width as a fraction of the planned value (0.05 is 5%)."""


class Indicator(Model):
    """A leading indicator: a level, or values (shown in the report)."""

    name: Text
    level: Level | None = None
    values: list[Point] = Field(default_factory=list)
    note: str = ""


class _OrLevel:
    """A rating, or its short form: the level alone (``planning: AG``, ``stage: 3``), which is
    ``{level: AG}``. The schema is the union of the two (the rating, or text or an integer)."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> Any:
        def rating(level: str) -> Any:
            return source(level=level)

        short = core_schema.no_info_after_validator_function(rating, handler.generate_schema(Level))
        return core_schema.union_schema([handler(source), short])


class CriterionRating(Model):
    level: Level
    rationale: str = ""
    evidence: list[Id] = Field(default_factory=list)


class CategoryRating(Model):
    """A category's rating: its own level, or its sub-criteria's (or both)."""

    level: Level | None = None
    rationale: str = ""
    evidence: list[Id] = Field(default_factory=list)
    criteria: dict[str, Annotated[CriterionRating, _OrLevel()]] = Field(default_factory=dict)
    """Sub-criteria by id: each a rating, or its level alone (``criteria: {planning-targets: AG}``)."""


Rated = Annotated[CategoryRating, _OrLevel()]
"""A category's rating, or its level alone."""


class Ratings(Model):
    challenge: Rated | None = None
    planning: Rated | None = None
    capacity: Rated | None = None
    stage: Rated | None = None


class Previous(Model):
    """The judgment at the previous delivery report."""

    level: Level
    date: Date | None = None


class Agreed(Model):
    """A level agreed by the delivery unit and the department; it overrides the computed one."""

    level: Level
    reason: Text
    agreed_by: list[Text] = Field(min_length=1)


class Action(Model):
    """Something a named owner has agreed to do by a date (seed 003: "actions for relevant
    departments, with dates and named responsibilities")."""

    text: Text
    """What is to be done."""
    owner: Text
    """Who answers for it: a named person or post."""
    due: Date
    status: Literal["open", "done"] = "open"
    """``open`` until it is done. An open action due before the assessment's date is overdue."""


class Milestone(Model):
    """A dated step of the delivery plan. Missed when due before the assessment's date and not done
    by then (one due on the day is not yet missed)."""

    name: Text
    due: Date
    done: Date | None = None
    """The day it was done (None: not done). A day after the assessment's date is not done by then."""


MAX_COMMENTARY = 2000
"""Most characters of a priority's commentary: a short paragraph for the leader, not a report."""


class Priority(Model):
    """One priority area and everything its likelihood judgment reads."""

    id: Id
    title: Text
    owner: str = ""
    metric: Metric
    baseline: Point
    target: Point
    trajectory: Trajectory = Field(default_factory=Trajectory)
    actuals: list[Point] = Field(default_factory=list)
    tolerance: Tolerance | None = None
    leading_indicators: list[Indicator] = Field(default_factory=list)
    ratings: Ratings = Field(default_factory=Ratings)
    previous: Previous | None = None
    agreed: Agreed | None = None
    actions: list[Action] = Field(default_factory=list)
    milestones: list[Milestone] = Field(default_factory=list)
    commentary: str = Field(default="", max_length=MAX_COMMENTARY)
    """The delivery unit's short word to the leader on this priority."""

    @model_validator(mode="wrap")
    @classmethod
    def _check(cls, data: Any, handler: ModelWrapValidatorHandler[Priority], info: ValidationInfo) -> Priority:
        """After the fields: dates in order, one tolerance, levels resolved to codes on their
        scales (the likelihood rubric's items, the delivery scale) and evidence cited from the
        assessment's. ``data`` is read only to quote a bad level as the document wrote it."""
        priority = handler(data)
        priority_problems(priority, data, info.context).check()
        return priority


def priority_problems(priority: Priority, data: Any, context: Any) -> Problems:
    """What is wrong with ``priority`` once its fields are valid (see ``Priority._check``; ``data``,
    its raw input, is read only to quote a bad level as written), its levels resolved to codes and
    its actuals sorted by date. The one check of a priority, for every way one is read."""
    problems = Problems()
    with problems:
        _check_dates(priority)
    _Levels(priority, data, context, problems).check()
    return problems


def _check_dates(priority: Priority) -> None:
    """Target after baseline, trajectory between them, one tolerance, one actual per date (sorted)."""
    baseline, target = priority.baseline.date, priority.target.date
    if target <= baseline:
        raise invalid(f"a target date after the baseline date ({baseline})", str(target), path=("target", "date"))
    planned = [baseline, *(point.date for point in priority.trajectory.points), target]
    if not _rising(planned):  # found in C; the loop only names the first date out of place
        last = baseline
        for i, point in enumerate(priority.trajectory.points):
            if not last < point.date < target:
                raise invalid(f"dates rising strictly between the baseline ({baseline}) "
                              f"and the target ({target})", str(point.date),
                              path=("trajectory", "points", i, "date"))
            last = point.date
    tolerance = priority.tolerance
    if tolerance is not None and (tolerance.absolute is None) == (tolerance.relative is None):
        raise invalid("exactly one of 'absolute' or 'relative'", "both" if tolerance.absolute is not None
                      else "neither", path=("tolerance",))
    dates = [a.date for a in priority.actuals]
    if _rising(dates):  # the usual case, found in C: sorted and one per date
        return
    if len(set(dates)) != len(dates):
        twice = next(d for d in dates if dates.count(d) > 1)
        raise invalid("one actual per date", f"{twice} twice", path=("actuals",))
    priority.actuals.sort(key=lambda a: a.date)  # judged in date order, whatever the file's order


def _rising(values: list[Any]) -> bool:
    """Whether ``values`` rise strictly: in order (a sort that changes nothing) and none twice."""
    return values == sorted(values) and len(set(values)) == len(values)


class _Levels:
    """Resolves a priority's levels to codes and checks what they cite, in the order errors are
    reported. Reads from the context: ``rubric`` (the likelihood rubric), ``evidence_ids`` and
    ``scales``; without them nothing is checked."""

    def __init__(self, priority: Priority, data: Any, context: Any, problems: Problems) -> None:
        self.problems = problems
        context = context if isinstance(context, Mapping) else {}
        found = context.get("rubric")
        self.rubric: Rubric | None = found if isinstance(found, Rubric) else None
        self.evidence: set[str] | None = context.get("evidence_ids")
        self.delivery = context.get("scales", {}).get("delivery")
        self.priority, self.data = priority, data

    def check(self) -> None:
        """Each problem is added to the problems, not raised."""
        for name, item_id in CATEGORY_ITEMS.items():
            rating: CategoryRating | None = getattr(self.priority.ratings, name)
            if rating is not None:
                self.category(name, item_id, rating)
        for i, indicator in enumerate(self.priority.leading_indicators):
            if indicator.level is not None:
                self.resolve(indicator, self.delivery, ("leading_indicators", i, "level"))
        if self.priority.previous is not None:
            self.resolve(self.priority.previous, self.delivery, ("previous", "level"))
        if self.priority.agreed is not None:
            self.resolve(self.priority.agreed, self.delivery, ("agreed", "level"))

    def category(self, name: str, item_id: str, rating: CategoryRating) -> None:
        rubric = self.rubric
        path: tuple[str | int, ...] = ("ratings", name)
        scale, known = _category_scales(rubric, item_id) if rubric is not None else (None, None)
        if rating.level is not None:
            self.resolve(rating, scale, self.level_at(path))
        self.cite(rating.evidence, path)
        for key, criterion in rating.criteria.items():
            cpath = (*path, "criteria", key)
            if known is not None and key not in known:
                self.problems.add(invalid(f"a sub-criterion of {name} ({listing(known)})",
                                          repr(key) + did_you_mean(key, known), path=cpath, on_key=True))
                continue
            cscale = known[key] if known else scale
            self.resolve(criterion, cscale, self.level_at(cpath))
            self.cite(criterion.evidence, cpath)
        if rating.level is None and not rating.criteria:
            self.problems.add(invalid("a 'level' or 'criteria'", "neither", path=path))

    def level_at(self, path: tuple[str | int, ...]) -> tuple[str | int, ...]:
        """Where the level of the rating at ``path`` is written: its ``level``, or the rating
        itself in the short form (``stage: 3``)."""
        return (*path, "level") if isinstance(as_written(self.data, path, {}), dict) else path

    def resolve(self, owner: Any, scale: Any, path: tuple[str | int, ...]) -> None:
        """Replace ``owner.level`` (at ``path``) by its code on ``scale`` (None: kept as written)."""
        value = owner.level
        if scale is None:
            return
        code: str | None = scale.resolve(value)
        if code is None:
            self.problems.add(invalid(f"a level of scale {scale.id!r} ({scale.describe_codes()})",
                                      repr(as_written(self.data, path, value)), path=path))
            return
        if code != value:
            owner.level = code  # pydantic's __setattr__ is slow: only when it changes

    def cite(self, ids: list[str], path: tuple[str | int, ...]) -> None:
        if self.evidence is None:
            return
        for j, ref in enumerate(ids):
            if ref not in self.evidence:
                self.problems.add(invalid(
                    f"an evidence id defined under the assessment's 'evidence' ({listing(sorted(self.evidence))})",
                    repr(ref) + did_you_mean(ref, self.evidence), path=(*path, "evidence", j)))


_SCALES_BY_RUBRIC: dict[int, tuple[Rubric, dict[str, tuple[Any, dict[str, Any] | None]]]] = {}
"""The scales of each rubric's categories (see :func:`_category_scales`), by the rubric's id()
(the rubric is kept with them, so the id is not reused while they are)."""


def _category_scales(rubric: Rubric, item_id: str) -> tuple[Any, dict[str, Any] | None]:
    """The scale of rubric item ``item_id`` and its sub-criteria's scales by id (both None when
    the rubric has no such item), looked up once per rubric: every priority of a batch asks."""
    found = _SCALES_BY_RUBRIC.get(id(rubric))
    if found is None or found[0] is not rubric:
        if len(_SCALES_BY_RUBRIC) >= 16:  # rubrics are few; an engine made per test must not pile up
            _SCALES_BY_RUBRIC.clear()
        found = _SCALES_BY_RUBRIC[id(rubric)] = (rubric, {})
    scales = found[1]
    if item_id not in scales:
        item = rubric.item(item_id)
        scales[item_id] = ((None, None) if item is None else
                           (rubric.scale_of(item), {k.id: rubric.scale_of(k) for k in getattr(item, "criteria", [])}))
    return scales[item_id]


class DeliveryAssessment(Model):
    """A six-monthly assessment of every priority's likelihood of delivery."""

    kind: Literal["DeliveryAssessment"]
    schema_version: SchemaVersion
    period: Text
    """The reporting period, e.g. ``2026-H2``."""
    date: Date
    """The date the assessment is made at: the judgment is as at this date, so actuals dated after
    it are left out (and flagged) and cited evidence dated after it, or undated, is flagged."""
    title: str = ""
    rubric: RubricRef = Field(default_factory=lambda: RubricRef(id=DEFAULT_RUBRIC[0], version=DEFAULT_RUBRIC[1]))
    """The likelihood rubric whose items the ratings follow."""
    rules: Id | None = None
    """The rule set that judges; default ``likelihood-default``."""
    severity_rules: Id | None = None
    """The rule set that classifies each priority's severity; default ``severity-default``."""
    evidence: list[Evidence] = Field(default_factory=list)
    priorities: list[Priority] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _share_context(cls, data: Any, info: ValidationInfo) -> Any:
        """Before anything else, report a rubric the loader found not installed (the ratings
        follow it); give each priority the evidence ids it may cite (``evidence_ids``)."""
        context = info.context
        if not isinstance(context, dict) or not isinstance(data, dict):
            return data
        context_rubric(context)
        evidence = data.get("evidence")
        if isinstance(evidence, list):
            context["evidence_ids"] = {e["id"] for e in evidence
                                       if isinstance(e, dict) and isinstance(e.get("id"), str)}
        return data

    @model_validator(mode="after")
    def _unique(self) -> DeliveryAssessment:
        problems = Problems()
        unique_ids(self.priorities, "priorities", "priority ids unique", problems=problems)
        unique_ids(self.evidence, "evidence", "evidence ids unique", problems=problems)
        problems.check()
        return self
