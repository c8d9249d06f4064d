"""Performance against a trajectory: planned values, gaps, tolerance, projection, a derived level.

Pure functions over plain numbers and dates. A trajectory is the planned path of the target metric
from the baseline to the target; between planned points it is linear or steps (the plan holds a
point's value until the next point). "Good" is up for an ``increase`` metric and down for a
``decrease`` one; every gap here is signed so that positive means better than planned.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from operator import attrgetter
from typing import Any, Literal, NamedTuple, Protocol

__all__ = [
    "ActualCheck", "Analysis", "PlanPoint", "analyse", "classify", "plan_values", "planned_at", "planned_on",
    "planned_value",
    "project", "trajectory_level",
]

TrackState = Literal["above", "within", "below"]
PROJECTION_POINTS = 4
"""The projection fits a least-squares line through at most this many latest actuals."""
RULES_READ_OFF_TRACK = 2
"""The rules tell apart none, one, and two or more consecutive latest actuals below the band."""
STEP_PROJECTION = ("; a line although the plan steps: the target is one value at one date, the actuals need "
                   "not step when the plan does, and the trend read at the target date is what the target "
                   "is judged by (each actual is checked against the step it falls in)")
"""Why a step plan is projected with a line (said in the projection method)."""


class Dated(Protocol):
    """A dated value: a :class:`PlanPoint`, or a document's point."""

    @property
    def date(self) -> dt.date: ...

    @property
    def value(self) -> float: ...


class PlanPoint(NamedTuple):
    date: dt.date
    value: float


class ActualCheck(NamedTuple):
    """One actual against the plan."""

    date: dt.date
    actual: float
    planned: float
    gap: float
    """actual - planned, signed so that positive is better than planned."""
    relative_gap: float | None
    """gap / |planned|; None when planned is 0 (or within a hair of it: see :func:`relative_gap`)."""
    tolerance: float
    """The band's half-width in metric units at this point (0 without a tolerance)."""
    state: TrackState


class Analysis(NamedTuple):
    """Everything the rules and the report need about one priority's trajectory: the values of
    the trajectory fields of :class:`stocktake.likelihood.result.TrajectorySummary`, by the same
    names, unrounded."""

    checks: tuple[Any, ...]
    """Each actual against the plan, in date order: an :class:`ActualCheck` unless ``analyse``
    was given another ``check``."""
    latest: TrackState | Literal["no-data"]
    off_track: int
    """Consecutive latest actuals below the band (0 if the latest is not below)."""
    widening: bool
    """The gap grew between the last two actuals that were both below the band."""
    projection: float | None
    """Value projected at the target date from the recent trend, or None."""
    projection_method: str
    shortfall: float | None
    """How far the projection falls short of the target (positive = short; negative = beyond)."""
    distance_to_target: float | None
    """Target minus the latest actual, signed so that positive means still to go."""
    target_passed: bool
    """The assessment date is after the target date."""
    level: str | None
    """Performance against trajectory on the delivery scale; None when there are no actuals."""
    because: str


_date_of = attrgetter("date")


def planned_value(points: Sequence[PlanPoint], when: dt.date, interpolation: str) -> float:
    """The planned value at ``when``. Before the first point: the first value; after the last:
    the last value (the target holds)."""
    return planned_on(points, when, interpolation != "step")


def planned_on(points: Sequence[Dated], when: dt.date, linear: bool) -> float:
    """The planned value at ``when`` on the plan through ``points`` (see :func:`plan_values`),
    its segment found by bisection alone: for one date, or a few."""
    first, last = points[0], points[-1]
    if when >= last.date:
        return last.value
    if when <= first.date:
        return first.value
    i = bisect_right(points, when, key=_date_of)
    return _on_segment(points[i - 1], points[i], when, linear)


def _on_segment(left: Dated, right: Dated, when: dt.date, linear: bool) -> float:
    """The planned value at ``when`` between ``left`` (on or before it) and ``right`` (after it)."""
    if not linear or when == left.date:
        return left.value
    x0 = left.date.toordinal()
    return left.value + (right.value - left.value) * (when.toordinal() - x0) / (right.date.toordinal() - x0)


def planned_at(plan_x: Sequence[int], plan_y: Sequence[float], x: int, linear: bool) -> float:
    """The planned value at ordinal day ``x`` of the plan through days ``plan_x`` and values
    ``plan_y`` (see :func:`plan_values`)."""
    points = [PlanPoint(dt.date.fromordinal(day), value) for day, value in zip(plan_x, plan_y)]
    return planned_on(points, dt.date.fromordinal(x), linear)


def plan_values(points: Sequence[Dated], dates: Iterable[dt.date], linear: bool) -> Iterator[float]:
    """The planned value at each of ``dates`` (latest first, never rising) on the plan through
    ``points`` (in date order): the first value before it, the last after it, else read on the
    segment holding the date. The segment is found by bisection, then by walking back, and the
    plan's lists are never built; :func:`planned_on` reads the same segment for one date."""
    first, last = points[0], points[-1]
    start, end = first.date, last.date
    i, left = 0, first  # the segment: points[i - 1] (left) to points[i], once found
    for when in dates:
        if when >= end:
            yield last.value
            continue
        if when <= start:
            yield first.value
            continue
        if not i:
            i = bisect_right(points, when, key=_date_of)
            left = points[i - 1]
        while left.date > when:
            i -= 1
            left = points[i - 1]
        yield _on_segment(left, points[i], when, linear)


MAX_RATIO = 1e300
"""A relative gap larger than this (a planned value within a hair of zero) is reported as None."""


def relative_gap(gap: float, planned: float) -> float | None:
    """``gap / |planned|``; None when planned is 0, or so near 0 that the ratio is no usable number."""
    if not planned:
        return None
    ratio = gap / abs(planned)
    return ratio if abs(ratio) <= MAX_RATIO else None


def classify(planned: float, actual: float, sign: float, absolute: float | None,
             relative: float | None) -> tuple[float, float, str]:
    """(gap, band, state) of one actual against its planned value."""
    gap = sign * (actual - planned)
    band = absolute if absolute is not None else (abs(planned) * relative if relative is not None else 0.0)
    # Values are typed in decimal; an actual exactly on the band's edge must count as within
    # even when binary floating point lands it a hair outside.
    slack = 1e-9 * max(1.0, abs(planned), abs(actual))
    return gap, band, ("above" if gap > band + slack else "below" if gap < -band - slack else "within")


def project(xs: Sequence[int], ys: Sequence[float], at: int) -> float | None:
    """Least squares through the latest PROJECTION_POINTS actuals, read at ordinal day ``at``."""
    n = min(len(xs), PROJECTION_POINTS)
    if n < 2:
        return None
    rx, ry = xs[-n:], ys[-n:]
    x0 = rx[0]
    mx = (sum(rx) - n * x0) / n  # days are counted from the first point's day
    my = sum(ry) / n
    sxx = sxy = 0.0
    for x, y in zip(rx, ry):
        dx = x - x0 - mx
        sxx += dx * dx
        sxy += dx * (y - my)
    b = sxy / sxx if sxx else 0.0
    return my - b * mx + b * (at - x0)


# long: one pass over the actuals for every check and the rules' inputs; split, it would walk them twice
def analyse(
    *,
    points: Sequence[Dated],
    interpolation: str,
    actuals: Sequence[Dated],
    direction: str,
    target: Dated,
    as_of: dt.date,
    absolute: float | None = None,
    relative: float | None = None,
    explain: bool = True,
    in_date_order: bool = False,
    check: Callable[[dt.date, float, float, float, float | None, float, TrackState], Any] = ActualCheck,
) -> Analysis:
    """Compare ``actuals`` with the plan through ``points`` (baseline ... target, sorted).

    The one derivation of a trajectory's features. With ``explain=False`` only what the rules read
    is computed: ``level``, ``latest`` and ``widening`` are the same, but ``checks`` holds only the
    latest actuals back to the first one not below the band (or the second one below),
    ``off_track`` stops counting at two and a projection's method is not described. ``in_date_order``:
    the actuals are already sorted by date (a validated priority's are). ``check`` makes each of
    ``checks`` from the fields of an :class:`ActualCheck` (the default), in the same pass that
    computes them: the explained result makes its exported data directly."""
    ordered = actuals if in_date_order else sorted(actuals, key=_date_of)
    # The outcome is in once the date is past, or on the day itself when an actual is dated on it.
    target_passed = as_of > target.date or (bool(ordered) and ordered[-1].date >= target.date)
    if not ordered:
        return Analysis((), "no-data", 0, False, None, "no actuals: no projection", None, None,
                        target_passed, None, "No actuals yet: performance against the trajectory is unknown.")
    sign = 1.0 if direction == "increase" else -1.0
    linear = interpolation != "step"
    if not explain:
        return _for_the_rules(ordered, points, linear, sign, target, target_passed, absolute, relative, check)
    # Backwards from the latest actual, counting the run below the band. The latest two gaps
    # (unrounded) are kept for the rules, whatever ``check`` makes.
    checks: list[Any] = []
    gaps: list[float] = []
    off_track, below = 0, True
    latest_state: TrackState = "within"
    for actual, planned in zip(reversed(ordered), plan_values(points, map(_date_of, reversed(ordered)), linear)):
        value = actual.value
        gap, band, state = classify(planned, value, sign, absolute, relative)
        checks.append(check(actual.date, value, planned, gap, relative_gap(gap, planned), band,
                            state))  # type: ignore[arg-type]
        if below:
            if not gaps:
                latest_state = state  # type: ignore[assignment]
            if len(gaps) < 2:
                gaps.append(gap)
            below = state == "below"
            off_track += below
    checks.reverse()
    widening = off_track >= 2 and gaps[0] < gaps[1]
    recent = ordered[-PROJECTION_POINTS:]
    projection = project([a.date.toordinal() for a in recent], [a.value for a in recent], target.date.toordinal())
    if projection is None:
        shortfall, method = None, "one actual: no trend to project"
    else:
        shortfall = sign * (target.value - projection)
        method = (f"least-squares line through the latest {len(recent)} actuals "
                  f"({recent[0].date} to {recent[-1].date}), read at the target date {target.date}"
                  f"{STEP_PROJECTION if not linear else ''}")
    level, because = trajectory_level(latest_state, gaps[0], off_track, widening, shortfall)
    return Analysis(tuple(checks), latest_state, off_track, widening, projection, method, shortfall,
                    sign * (target.value - ordered[-1].value), target_passed, level, because)


def _for_the_rules(ordered: Sequence[Dated], points: Sequence[Dated], linear: bool, sign: float, target: Dated,
                   target_passed: bool, absolute: float | None, relative: float | None,
                   check: Callable[..., Any]) -> Analysis:
    """:func:`analyse` with ``explain=False``: the latest actual, and the one before it when the
    latest is below the band, are all the rules read (the run below the band stops counting at
    two); each planned value is found alone."""
    latest = ordered[-1]
    planned = planned_on(points, latest.date, linear)
    gap, band, state = classify(planned, latest.value, sign, absolute, relative)
    checks = [check(latest.date, latest.value, planned, gap, relative_gap(gap, planned), band, state)]
    off_track, widening = 0, False
    if state == "below":
        off_track = 1
        if len(ordered) > 1:
            before = ordered[-2]
            planned = planned_on(points, before.date, linear)
            earlier, band, was = classify(planned, before.value, sign, absolute, relative)
            checks.insert(0, check(before.date, before.value, planned, earlier, relative_gap(earlier, planned), band,
                                   was))
            if was == "below":
                off_track, widening = RULES_READ_OFF_TRACK, gap < earlier
    recent = ordered[-PROJECTION_POINTS:]
    projection = project([a.date.toordinal() for a in recent], [a.value for a in recent], target.date.toordinal())
    shortfall = None if projection is None else sign * (target.value - projection)
    level, because = trajectory_level(state, gap, off_track, widening, shortfall)  # type: ignore[arg-type]
    return Analysis(tuple(checks), state, off_track, widening, projection,  # type: ignore[arg-type]
                    "one actual: no trend to project" if projection is None else "", shortfall,
                    sign * (target.value - latest.value), target_passed, level, because)


def trajectory_level(latest: TrackState, gap: float, off_track: int, widening: bool,
                     shortfall: float | None) -> tuple[str, str]:
    """The project's rule for performance against the trajectory (the field guide gives none).

    G: on or above the plan at the latest actual, and the trend reaches the target.
    AG: within the band but below the plan, or on plan with the trend falling short (or, with one
    actual, no trend yet).
    AR: below the band at the latest actual (or at the latest two, with the gap not widening).
    R: below the band at the latest two or more actuals, with the gap widening.
    """
    if off_track >= 2 and widening:
        return "R", f"Below the trajectory beyond tolerance at the latest {off_track} actuals, gap widening."
    if off_track >= 1:
        extra = f" ({off_track} in a row, gap not widening)" if off_track >= 2 else ""
        return "AR", f"Below the trajectory beyond tolerance at the latest actual{extra}."
    short = shortfall is not None and shortfall > 0
    if gap >= 0 and shortfall is None:  # one actual: no trend, and missing data is never good
        return "AG", (f"{'Above' if latest == 'above' else 'On'} the trajectory at the only actual, but with one "
                      "actual there is no trend yet to show the target being reached.")
    if gap >= 0 and not short:
        return "G", (f"{'Above' if latest == 'above' else 'On'} the trajectory at the latest actual and the trend "
                     "reaches the target.")
    if gap >= 0 and shortfall is not None:  # so the trend falls short
        return "AG", (f"On or above the trajectory, but the recent trend falls short of the target "
                      f"(by {round(shortfall, 6):.15g} at the target date).")
    return "AG", "Below the planned value but within tolerance at the latest actual."
