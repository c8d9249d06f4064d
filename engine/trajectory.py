"""Performance against a trajectory: planned values, gaps, tolerance, projection, a derived level.

Pure functions over plain numbers and dates. A trajectory is the planned path of the target metric
from the baseline to the target; between planned points it is linear or steps (the plan holds a
point's value until the next point). "Good" is up for an ``increase`` metric and down for a
``decrease`` one; every gap here is signed so that positive means better than planned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ActualCheck", "Analysis", "PlanPoint", "analyse", "planned_value", "trajectory_level",
]

TrackState = Literal["above", "within", "below"]
PROJECTION_POINTS = 4
"""The projection fits a least-squares line through at most this many latest actuals."""


@dataclass(frozen=True)
class PlanPoint:
    date: dt.date
    value: float


@dataclass(frozen=True)
class ActualCheck:
    """One actual against the plan."""

    date: dt.date
    actual: float
    planned: float
    gap: float
    """actual - planned, signed so that positive is better than planned."""
    relative_gap: float | None
    """gap / |planned|; None when planned is 0."""
    tolerance: float
    """The band's half-width in metric units at this point (0 without a tolerance)."""
    state: TrackState


@dataclass(frozen=True)
class Analysis:
    """Everything the rules and the report need about one priority's trajectory."""

    checks: tuple[ActualCheck, ...]
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


def planned_value(points: Sequence[PlanPoint], when: dt.date, interpolation: str) -> float:
    """The planned value at ``when``. Before the first point: the first value; after the last:
    the last value (the target holds)."""
    if when <= points[0].date:
        return points[0].value
    for left, right in zip(points, points[1:]):
        if when < right.date:
            if interpolation == "step":
                return left.value
            span = (right.date - left.date).days
            return left.value + (right.value - left.value) * (when - left.date).days / span
        if when == right.date:
            return right.value
    return points[-1].value


def _band(planned: float, absolute: float | None, relative: float | None) -> float:
    if absolute is not None:
        return absolute
    if relative is not None:
        return abs(planned) * relative
    return 0.0


def _fit(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float]:
    """Least squares line y = a + b x."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else 0.0
    return my - b * mx, b


def analyse(
    *,
    points: Sequence[PlanPoint],
    interpolation: str,
    actuals: Sequence[PlanPoint],
    direction: str,
    target: PlanPoint,
    as_of: dt.date,
    absolute: float | None = None,
    relative: float | None = None,
) -> Analysis:
    """Compare ``actuals`` with the plan through ``points`` (baseline ... target, sorted)."""
    sign = 1.0 if direction == "increase" else -1.0
    checks = []
    for actual in sorted(actuals, key=lambda a: a.date):
        planned = planned_value(points, actual.date, interpolation)
        gap = sign * (actual.value - planned)
        band = _band(planned, absolute, relative)
        # Values are typed in decimal; an actual exactly on the band's edge must count as within
        # even when binary floating point lands it a hair outside.
        slack = 1e-9 * max(1.0, abs(planned), abs(actual.value))
        state: TrackState = "above" if gap > band + slack else "below" if gap < -band - slack else "within"
        relative_gap = gap / abs(planned) if planned else None
        checks.append(ActualCheck(actual.date, actual.value, planned, gap, relative_gap, band, state))
    target_passed = as_of > target.date
    if not checks:
        return Analysis((), "no-data", 0, False, None, "no actuals: no projection", None, None,
                        target_passed, None, "No actuals yet: performance against the trajectory is unknown.")
    off_track = 0
    for check in reversed(checks):
        if check.state != "below":
            break
        off_track += 1
    widening = off_track >= 2 and checks[-1].gap < checks[-2].gap
    recent = checks[-PROJECTION_POINTS:]
    if len(recent) >= 2:
        origin = recent[0].date
        a, b = _fit([(c.date - origin).days for c in recent], [c.actual for c in recent])
        projection: float | None = a + b * (target.date - origin).days
        method = (f"least-squares line through the latest {len(recent)} actuals "
                  f"({recent[0].date} to {recent[-1].date}), read at the target date {target.date}")
        shortfall: float | None = sign * (target.value - projection)
    else:
        projection, shortfall = None, None
        method = "one actual: no trend to project"
    latest = checks[-1]
    distance = sign * (target.value - latest.actual)
    level, because = trajectory_level(latest.state, latest.gap, off_track, widening, shortfall)
    return Analysis(tuple(checks), latest.state, off_track, widening, projection, method, shortfall,
                    distance, target_passed, level, because)


def trajectory_level(latest: TrackState, gap: float, off_track: int, widening: bool,
                     shortfall: float | None) -> tuple[str, str]:
    """The project's rule for performance against the trajectory (the field guide gives none).

    G: on or above the plan at the latest actual, and the trend reaches the target.
    AG: within the band but below the plan, or on plan with the trend falling short.
    AR: below the band at the latest actual (or at the latest two, with the gap not widening).
    R: below the band at the latest two or more actuals, with the gap widening.
    """
    if off_track >= 2 and widening:
        return "R", f"Below the trajectory beyond tolerance at the latest {off_track} actuals, gap widening."
    if off_track >= 1:
        extra = f" ({off_track} in a row, gap not widening)" if off_track >= 2 else ""
        return "AR", f"Below the trajectory beyond tolerance at the latest actual{extra}."
    short = shortfall is not None and shortfall > 0
    if gap >= 0 and not short:
        return "G", f"{'Above' if latest == 'above' else 'On'} the trajectory at the latest actual" + (
            " and the trend reaches the target." if shortfall is not None else ".")
    if gap >= 0:
        return "AG", "On or above the trajectory, but the recent trend falls short of the target."
    return "AG", "Below the planned value but within tolerance at the latest actual."
