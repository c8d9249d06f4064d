"""A fast read of one JSON Lines priority: decoded and validated in C by msgspec, checked by the model's own checks.

:func:`fast_priority` decodes a line into :class:`Priority`, a msgspec ``Struct`` that mirrors
:class:`stocktake.likelihood.model.Priority` field for field (the same names, constraints and
defaults; the same attributes, so the judge reads either), then runs the model's own checks
(:func:`~stocktake.likelihood.model.priority_problems`: dates, levels resolved to codes,
evidence). It returns None for anything it is not sure of: a line msgspec refuses, a key given
twice, a value at or near a limit (the guards of :func:`~stocktake.core.json_lines.plain_line`),
a failed check. The caller then reads that line the exact way, which gives the pydantic model or
the error with its line, column and path. The structs accept and reject what the models do
(tested on valid, hostile and mutated priorities).

Optional fields are decoded as ``UNSET`` when absent, so the keys given can be counted (encoded
again, each key brings one colon: fewer colons than the line's means a key was given twice), and
are then given the model's defaults.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from stocktake.core.json_lines import plain_counts
from stocktake.core.parsed import Limits
from stocktake.likelihood.model import MAX_COMMENTARY, MAX_VALUE, priority_problems

__all__ = ["Priority", "fast_priority", "struct_priority"]

Id = Annotated[str, Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*\Z", max_length=100)]
Text = Annotated[str, Meta(min_length=1)]
Number = Annotated[float, Meta(ge=-MAX_VALUE, le=MAX_VALUE)]
Level = str | int
"""Text or an integer, as :data:`~stocktake.core.models.LevelText`; an integer is made its digits."""


class _Struct(Struct, forbid_unknown_fields=True):
    def model_dump(self, *, mode: Literal["json"]) -> Any:
        """What the model's ``model_dump(mode="json")`` gives: the fields in order, dates as text."""
        return msgspec.to_builtins(self)


class Point(_Struct, kw_only=True):
    date: dt.date
    value: Number
    note: str | UnsetType = UNSET


class Metric(_Struct, kw_only=True):
    name: Text
    unit: str | UnsetType = UNSET
    direction: Literal["increase", "decrease"]


class Trajectory(_Struct, kw_only=True):
    interpolation: Literal["linear", "step"] | UnsetType = UNSET
    points: list[Point] | UnsetType = UNSET


class Tolerance(_Struct, kw_only=True):
    absolute: Annotated[float, Meta(ge=0, le=MAX_VALUE)] | UnsetType | None = UNSET
    relative: Annotated[float, Meta(ge=0, le=1)] | UnsetType | None = UNSET


class Indicator(_Struct, kw_only=True):
    name: Text
    level: Level | UnsetType | None = UNSET
    values: list[Point] | UnsetType = UNSET
    note: str | UnsetType = UNSET


class CriterionRating(_Struct, kw_only=True):
    level: Level
    rationale: str | UnsetType = UNSET
    evidence: list[Id] | UnsetType = UNSET


class CategoryRating(_Struct, kw_only=True):
    level: Level | UnsetType | None = UNSET
    rationale: str | UnsetType = UNSET
    evidence: list[Id] | UnsetType = UNSET
    criteria: dict[str, CriterionRating | str | int] | UnsetType = UNSET


Rated = CategoryRating | str | int | UnsetType | None


class Ratings(_Struct, kw_only=True):
    challenge: Rated = UNSET
    planning: Rated = UNSET
    capacity: Rated = UNSET
    stage: Rated = UNSET


class Previous(_Struct, kw_only=True):
    level: Level
    date: dt.date | UnsetType | None = UNSET


class Agreed(_Struct, kw_only=True):
    level: Level
    reason: Text
    agreed_by: Annotated[list[Text], Meta(min_length=1)]


class Action(_Struct, kw_only=True):
    text: Text
    owner: Text
    due: dt.date
    status: Literal["open", "done"] | UnsetType = UNSET


class Milestone(_Struct, kw_only=True):
    name: Text
    due: dt.date
    done: dt.date | UnsetType | None = UNSET


class Priority(_Struct, kw_only=True):
    """A priority as :class:`stocktake.likelihood.model.Priority` holds it, once :func:`fast_priority` has filled it."""

    id: Id
    title: Text
    owner: str | UnsetType = UNSET
    metric: Metric
    baseline: Point
    target: Point
    trajectory: Trajectory | UnsetType = UNSET
    actuals: list[Point] | UnsetType = UNSET
    tolerance: Tolerance | UnsetType | None = UNSET
    leading_indicators: list[Indicator] | UnsetType = UNSET
    ratings: Ratings | UnsetType = UNSET
    previous: Previous | UnsetType | None = UNSET
    agreed: Agreed | UnsetType | None = UNSET
    actions: list[Action] | UnsetType = UNSET
    milestones: list[Milestone] | UnsetType = UNSET
    commentary: Annotated[str, Meta(max_length=MAX_COMMENTARY)] | UnsetType = UNSET


_DECODER = msgspec.json.Decoder(Priority)
_ENCODER = msgspec.json.Encoder()


def fast_priority(line: bytes, context: dict[str, Any], limits: Limits) -> Priority | None:
    """The priority on ``line``, validated and checked in ``context`` as the model would be, or
    None when the exact reader must read the line (see the module's docstring)."""
    try:
        priority = _DECODER.decode(line)
    # Not valid, or not JSON as msgspec reads it (msgspec 0.18 raises UnicodeDecodeError for bad UTF-8).
    except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError):
        return None
    if not plain_counts(line, _ENCODER.encode(priority), limits):
        return None
    return _checked(priority, context)


def struct_priority(line: bytes, context: dict[str, Any]) -> Priority | None:
    """The priority on ``line`` as the structs take it (None: they refuse it), without the guards
    of :func:`fast_priority`: what the structs alone accept, for testing them against the model."""
    try:
        return _checked(_DECODER.decode(line), context)
    except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError):
        return None


def _checked(priority: Priority, context: dict[str, Any]) -> Priority | None:
    """``priority`` filled (see :func:`_fill`) if the model's checks find nothing wrong, else None."""
    _fill(priority)
    if priority_problems(priority, None, context).errors:  # type: ignore[arg-type]  # duck-typed: same attributes
        return None
    return priority


def _fill(p: Priority) -> None:
    """Give every field left ``UNSET`` the model's default, and integer levels their digits."""
    _fill_note(p.baseline)
    _fill_note(p.target)
    if p.owner is UNSET:
        p.owner = ""
    if p.metric.unit is UNSET:
        p.metric.unit = ""
    if p.trajectory is UNSET:
        p.trajectory = Trajectory(interpolation="linear", points=[])
    else:
        if p.trajectory.interpolation is UNSET:
            p.trajectory.interpolation = "linear"
        p.trajectory.points = _points_of(p.trajectory.points)
    p.actuals = _points_of(p.actuals)
    if p.tolerance is UNSET:
        p.tolerance = None
    elif p.tolerance is not None:
        if p.tolerance.absolute is UNSET:
            p.tolerance.absolute = None
        if p.tolerance.relative is UNSET:
            p.tolerance.relative = None
    if p.leading_indicators is UNSET:
        p.leading_indicators = []
    for indicator in p.leading_indicators:
        if indicator.level is UNSET:
            indicator.level = None
        elif type(indicator.level) is int:
            indicator.level = str(indicator.level)
        indicator.values = _points_of(indicator.values)
        if indicator.note is UNSET:
            indicator.note = ""
    p.ratings = _ratings(p.ratings)
    for name in ("previous", "agreed"):
        held = getattr(p, name)
        if held is UNSET:
            setattr(p, name, None)
        elif held is not None and type(held.level) is int:
            held.level = str(held.level)
    if isinstance(p.previous, Previous) and p.previous.date is UNSET:
        p.previous.date = None
    p.actions = [] if p.actions is UNSET else p.actions
    for action in p.actions:
        if action.status is UNSET:
            action.status = "open"
    p.milestones = [] if p.milestones is UNSET else p.milestones
    for milestone in p.milestones:
        if milestone.done is UNSET:
            milestone.done = None
    if p.commentary is UNSET:
        p.commentary = ""


def _fill_note(point: Point) -> None:
    if point.note is UNSET:
        point.note = ""


def _points_of(points: list[Point] | UnsetType) -> list[Point]:
    """``points`` with each note filled (the loop written out: a line holds dozens), or [] if unset."""
    if points is UNSET:
        return []
    for point in points:
        if point.note is UNSET:
            point.note = ""
    return points


def _ratings(ratings: Ratings | UnsetType) -> Ratings:
    if ratings is UNSET:
        return Ratings(challenge=None, planning=None, capacity=None, stage=None)
    for name in ("challenge", "planning", "capacity", "stage"):
        rating = getattr(ratings, name)
        setattr(ratings, name, None if rating is UNSET or rating is None else _category(rating))
    return ratings


def _category(rating: CategoryRating | str | int) -> CategoryRating:
    """A category's rating, its short form (the level alone) made the whole rating, as the model's union does."""
    if not isinstance(rating, CategoryRating):
        return CategoryRating(level=str(rating), rationale="", evidence=[], criteria={})
    if rating.level is UNSET:
        rating.level = None
    elif type(rating.level) is int:
        rating.level = str(rating.level)
    if rating.rationale is UNSET:
        rating.rationale = ""
    if rating.evidence is UNSET:
        rating.evidence = []
    if rating.criteria is UNSET:
        rating.criteria = {}
    else:
        rating.criteria = {key: _criterion(value) for key, value in rating.criteria.items()}
    return rating


def _criterion(rating: CriterionRating | str | int) -> CriterionRating:
    if not isinstance(rating, CriterionRating):
        return CriterionRating(level=str(rating), rationale="", evidence=[])
    if type(rating.level) is int:
        rating.level = str(rating.level)
    if rating.rationale is UNSET:
        rating.rationale = ""
    if rating.evidence is UNSET:
        rating.evidence = []
    return rating
