"""Performance against a trajectory: planned values, gaps, tolerance, projection, a derived level.

Pure functions over plain numbers and dates. A trajectory is the planned path of the target metric
from the baseline to the target; between planned points it is linear or steps (the plan holds a
point's value until the next point). "Good" is up for an ``increase`` metric and down for a
``decrease`` one; every gap here is signed so that positive means better than planned.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple, Protocol

__all__ = [
    "ActualCheck", "Analysis", "PlanPoint", "analyse", "classify", "planned_at", "planned_value",
    "project", "track",
    "trailing_below", "trajectory_level",
]

TrackState = Literal["above", "within", "below"]
PROJECTION_POINTS = 4
"""The projection fits a least-squares line through at most this many latest actuals."""


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
    return planned_at([p.date.toordinal() for p in points], [p.value for p in points], when.toordinal(),
                      interpolation != "step")


def planned_at(plan_x: Sequence[int], plan_y: Sequence[float], x: int, linear: bool) -> float:
    """The planned value at ordinal day ``x`` (the plan's first value before it, last after it)."""
    if x <= plan_x[0]:
        return plan_y[0]
    last = len(plan_x) - 1
    if x >= plan_x[last]:
        return plan_y[last]
    seg = bisect_right(plan_x, x) - 1
    x0 = plan_x[seg]
    if x == x0 or not linear:
        return plan_y[seg]
    return plan_y[seg] + (plan_y[seg + 1] - plan_y[seg]) * (x - x0) / (plan_x[seg + 1] - x0)


def classify(planned: float, actual: float, sign: float, absolute: float | None,
             relative: float | None) -> tuple[float, float, str]:
    """(gap, band, state) of one actual against its planned value."""
    gap = sign * (actual - planned)
    band = absolute if absolute is not None else (abs(planned) * relative if relative is not None else 0.0)
    # Values are typed in decimal; an actual exactly on the band's edge must count as within
    # even when binary floating point lands it a hair outside.
    slack = 1e-9 * max(1.0, abs(planned), abs(actual))
    return gap, band, ("above" if gap > band + slack else "below" if gap < -band - slack else "within")


def track(plan_x: Sequence[int], plan_y: Sequence[float], interpolation: str, xs: Sequence[int],
          ys: Sequence[float], sign: float, absolute: float | None, relative: float | None,
          ) -> tuple[list[float], list[float], list[float], list[str]]:
    """For actuals at ordinal days ``xs`` with values ``ys``: (planned, gap, band, state) lists."""
    linear = interpolation != "step"
    planned = [planned_at(plan_x, plan_y, x, linear) for x in xs]
    rows = [classify(p, y, sign, absolute, relative) for p, y in zip(planned, ys)]
    return planned, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


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


def trailing_below(states: Sequence[str]) -> int:
    count = 0
    for state in reversed(states):
        if state != "below":
            break
        count += 1
    return count


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
) -> Analysis:
    """Compare ``actuals`` with the plan through ``points`` (baseline ... target, sorted)."""
    sign = 1.0 if direction == "increase" else -1.0
    ordered = sorted(actuals, key=lambda a: a.date)
    xs = [a.date.toordinal() for a in ordered]
    ys = [a.value for a in ordered]
    planned, gaps, bands, states = track([p.date.toordinal() for p in points], [p.value for p in points],
                                         interpolation, xs, ys, sign, absolute, relative)
    checks = [ActualCheck(a.date, a.value, p, g, g / abs(p) if p else None, b, st)  # type: ignore[arg-type]
              for a, p, g, b, st in zip(ordered, planned, gaps, bands, states)]
    target_passed = as_of > target.date
    if not checks:
        return Analysis((), "no-data", 0, False, None, "no actuals: no projection", None, None,
                        target_passed, None, "No actuals yet: performance against the trajectory is unknown.")
    off_track = trailing_below(states)
    widening = off_track >= 2 and gaps[-1] < gaps[-2]
    projection = project(xs, ys, target.date.toordinal())
    if projection is not None:
        recent = checks[-PROJECTION_POINTS:]
        method = (f"least-squares line through the latest {len(recent)} actuals "
                  f"({recent[0].date} to {recent[-1].date}), read at the target date {target.date}")
        shortfall: float | None = sign * (target.value - projection)
    else:
        shortfall = None
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
