"""A priority's features: the one derivation of the rule set's inputs from its document.

Both paths call :func:`derive`: the explained one (:func:`~stocktake.likelihood.judge.priority_data`)
with the inputs, flags and trail lines it shows, the bulk one
(:func:`~stocktake.likelihood.judge.decide_levels`) with the values alone.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from operator import attrgetter
from typing import Any, NamedTuple, Protocol

from stocktake.judgment.model import Flag, Input
from stocktake.judgment.rollup import roll_up
from stocktake.judgment.scale import Scale
from stocktake.likelihood.decision import OFF_TRACK_STATES
from stocktake.likelihood.model import CATEGORY_ITEMS, CategoryRating, Point, Priority
from stocktake.likelihood.result import shape
from stocktake.likelihood.ruleset import NO_DATA
from stocktake.likelihood.trajectory import ActualCheck, Analysis, analyse
from stocktake.rubric.model import Rubric

__all__ = ["Derived", "Reading", "deadline_state", "derive", "flag", "outcome_actual"]


class Reading(Protocol):
    """What a derivation reads of the judging run (:class:`~stocktake.likelihood.judge.JudgingRun`)."""

    @property
    def rubric(self) -> Rubric: ...

    @property
    def scales(self) -> Mapping[str, Scale]: ...

    @property
    def read_categories(self) -> tuple[tuple[str, str], ...]: ...

    @property
    def reads_indicators(self) -> bool: ...

_date_of = attrgetter("date")

# Every dict is built as ``dict(_MODEL, field=value, ...)``: keys in the model's order.
_INPUT, _FLAG = shape(Input), shape(Flag)


def flag(code: str, message: str) -> dict[str, str]:
    """A :class:`Flag` as data."""
    return dict(_FLAG, code=code, message=message)


class Derived(NamedTuple):
    """A priority's trajectory features and the rule set's inputs (see :func:`derive`)."""

    analysis: Analysis
    values: dict[str, str]
    """The rule set's input values by name (a level, a state or ``no-data``)."""
    inputs: dict[str, dict[str, Any]]
    """Each input as :class:`Input` data (when explained; else empty)."""
    flags: list[dict[str, str]]
    """Flags raised on the way, as :class:`Flag` data (when explained; else empty)."""
    trail: list[str]
    """Trail lines of the derivation (when explained; else empty)."""


def derive(priority: Priority, as_of: dt.date, run: Reading, *, explain: bool = True,
           check: Callable[..., Any] = ActualCheck) -> Derived:
    """The one derivation of a priority's trajectory features and the rule set's inputs.

    The judgment is as at ``as_of``: actuals dated after it are left out (and flagged
    ``future-actual``), so a judgment derived again later from the same document is the same.
    ``explain=False`` (bulk decisions) skips what only the explanation shows: inputs, flags, notes,
    the checks the rules do not read (see :func:`~stocktake.likelihood.trajectory.analyse`) and
    the categories and indicators the rule set does not read; it also takes the actuals to be in
    date order, as a validated priority's are. The values the rule set reads are the same.
    ``check`` makes each of the analysis's checks (see :func:`~stocktake.likelihood.trajectory.analyse`)."""
    tolerance = priority.tolerance
    actuals: Sequence[Point] = priority.actuals
    # In date order (bulk), only the latest can tell whether any is dated after ``as_of``.
    future = ([a for a in actuals if a.date > as_of] if explain or (actuals and actuals[-1].date > as_of)
              else ())
    if future:
        actuals = [a for a in actuals if a.date <= as_of]
    analysis = analyse(points=[priority.baseline, *priority.trajectory.points, priority.target],
                       interpolation=priority.trajectory.interpolation, actuals=actuals,
                       direction=priority.metric.direction, target=priority.target, as_of=as_of,
                       absolute=tolerance.absolute if tolerance else None,
                       relative=tolerance.relative if tolerance else None, explain=explain,
                       in_date_order=not explain, check=check)
    values: dict[str, str] = {}
    inputs: dict[str, dict[str, Any]] = {}
    flags: list[dict[str, str]] = []
    trail: list[str] = []
    for name, item_id in CATEGORY_ITEMS.items() if explain else run.read_categories:
        rating: CategoryRating | None = getattr(priority.ratings, name)
        if explain:
            level, note, evidence = _category(name, item_id, rating, run.rubric, flags)
            inputs[name] = dict(_INPUT, name=name, value=None if level == NO_DATA else level, role="rating",
                                evidence=evidence, note=note)
        elif rating is not None and rating.level is not None:
            level = rating.level
        else:  # rolled up from its sub-criteria, or no-data
            level = _category(name, item_id, rating, run.rubric, [])[0]
        values[name] = level
    values["performance"] = analysis.level or NO_DATA
    values["off_track"] = OFF_TRACK_STATES[min(analysis.off_track, 2)] if analysis.checks else NO_DATA
    values["trajectory"] = analysis.latest
    outcome = outcome_actual(actuals, priority.target.date) if analysis.target_passed else None
    values["deadline"] = deadline_state(analysis, outcome, priority.target.value, priority.metric.direction)
    if explain or run.reads_indicators:
        levels = [i.level for i in priority.leading_indicators if i.level is not None]
        values["indicators"] = max(levels, key=run.scales["delivery"].rank) if levels else NO_DATA
    if explain:
        _explain_features(priority, analysis, outcome, values, inputs, flags, trail)
        if future:
            excluded = ", ".join(f"{a.date} ({_value(a.value)})" for a in future)
            flags.append(flag("future-actual", f"Actuals dated after the assessment date ({as_of}) are left "
                                                f"out of the judgment: {excluded}."))
            trail.append(f"actuals: excluded, dated after the assessment date {as_of}: {excluded}; the judgment "
                         f"is as at that date")
    return Derived(analysis, values, inputs, flags, trail)


def outcome_actual(actuals: Sequence[Point], target_date: dt.date) -> Point | None:
    """The actual that shows whether a target was met: the first dated on or after the target date
    (``actuals`` in date order), or None. Not a later one (a dip after a target met on time does not
    un-deliver it) and not an earlier one (a measurement on the way is not the outcome)."""
    found = bisect_left(actuals, target_date, key=_date_of)
    return actuals[found] if found < len(actuals) else None


def deadline_state(analysis: Analysis, outcome: Point | None, target: float, direction: str) -> str:
    """The ``deadline`` input: ``open`` before the target date; after it, ``met`` or ``missed`` by
    the ``outcome`` actual (direction-aware, no tolerance: the target is the target), or ``no-data``
    when there is none."""
    if not analysis.target_passed:
        return "open"
    if outcome is None:
        return NO_DATA
    gap = (target - outcome.value) * (1.0 if direction == "increase" else -1.0)  # positive: still to go
    slack = 1e-9 * max(1.0, abs(outcome.value) + abs(gap))  # an actual typed equal to the target counts as met
    return "met" if gap <= slack else "missed"


def _value(value: float) -> str:
    """A metric value as written (up to 15 significant digits)."""
    return format(value, ".15g")


def _explain_features(priority: Priority, analysis: Analysis, outcome: Point | None, values: Mapping[str, str],
                      inputs: dict[str, dict[str, Any]], flags: list[dict[str, str]], trail: list[str]) -> None:
    """The trajectory, deadline and indicator inputs as :class:`Input` data, and their flags."""
    inputs["performance"] = dict(_INPUT, name="performance", value=analysis.level, role="trajectory",
                                   evidence=[], note=analysis.because)
    inputs["off_track"] = dict(_INPUT, name="off_track", value=values["off_track"], role="trajectory", evidence=[],
                                 note=f"{analysis.off_track} consecutive latest actual(s) below the band")
    inputs["trajectory"] = dict(_INPUT, name="trajectory", value=analysis.latest, role="trajectory", evidence=[],
                                note="")
    deadline = values["deadline"]
    target = priority.target
    value = _value(target.value)
    if deadline == "open":
        note = f"The target {value} due {target.date} is still to come."
    elif outcome is None:
        note = (f"The target date ({target.date}) has passed with no actual on or after it to show whether the "
                f"target {value} was met.")
    else:
        note = (f"The actual at the target date, {_value(outcome.value)} ({outcome.date}), "
                f"{'meets' if deadline == 'met' else 'falls short of'} the target {value} due {target.date}.")
    inputs["deadline"] = dict(_INPUT, name="deadline", value=None if deadline == NO_DATA else deadline,
                              role="trajectory", evidence=[], note=note)
    worst = values["indicators"]
    given = [i for i in priority.leading_indicators if i.level]
    at_worst = ", ".join(i.name for i in given if i.level == worst)
    others = "; ".join(f"{i.name} {i.level}" for i in given if i.level != worst)
    inputs["indicators"] = dict(
        _INPUT, name="indicators", value=None if worst == NO_DATA else worst, role="indicators", evidence=[],
        note="no leading indicator has a level" if worst == NO_DATA
        else f"worst {worst}: {at_worst}" + (f"; others: {others}" if others else ""))
    if analysis.target_passed:
        flags.append(flag("target-date-passed", f"The target date ({priority.target.date}) has passed."))
        trail.append(f"deadline: {note} " + (
            "After the target date the judgment is the outcome, and nothing measured can change it."
            if outcome is not None else "Reporting the outcome, an actual at or after the target date, decides it: "
            "met is G, short of the target R."))
    trail.append(f"projection: {analysis.projection_method}")


def _category(name: str, item_id: str, rating: CategoryRating | None, rubric: Rubric,
              flags: list[dict[str, str]]) -> tuple[str, str, list[str]]:
    """(level or no-data, note, evidence) of one category; flags what is missing."""
    if rating is None:
        return NO_DATA, "not rated", []
    evidence = sorted({*rating.evidence, *(e for c in rating.criteria.values() for e in c.evidence)})
    if rating.level is not None:
        return rating.level, rating.rationale, evidence
    item = rubric.item(item_id)
    assert item is not None
    scale = rubric.scale_of(item)
    method = getattr(item, "roll_up", None) or "worst"
    given = [c.level for c in rating.criteria.values()]
    level, how = roll_up(method if method != "none" else "worst", given, scale)
    expected = [k.id for k in getattr(item, "criteria", [])]
    missing = [k for k in expected if k not in rating.criteria]
    note = f"{how} of its sub-criteria"
    if missing and scale.rank(level) < 1:
        capped = scale.codes[1]
        flags.append(flag("incomplete-category",
                           f"{name}: no rating for {', '.join(missing)}; the category is capped at {capped}."))
        level, note = capped, f"{note}, capped at {capped}: {', '.join(missing)} not rated"
    elif missing:
        flags.append(flag("incomplete-category", f"{name}: no rating for {', '.join(missing)}."))
    return level, note, evidence
