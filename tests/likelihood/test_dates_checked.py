"""A priority's dates: the check that finds them in order in C first gives what the loop over
every date gives (the first date out of place, one actual per date, actuals judged sorted)."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from pydantic import ValidationError

from stocktake.likelihood.model import Priority

BASELINE, TARGET = dt.date(2025, 1, 1), dt.date(2026, 1, 1)


def _doc(points: list[dt.date], actuals: list[dt.date]) -> dict:
    return {"id": "p1", "title": "P", "metric": {"name": "M", "unit": "%", "direction": "increase"},
            "baseline": {"date": str(BASELINE), "value": 1}, "target": {"date": str(TARGET), "value": 2},
            "trajectory": {"points": [{"date": str(d), "value": 1.5} for d in points]},
            "actuals": [{"date": str(d), "value": float(i)} for i, d in enumerate(actuals)]}


def _expected(points: list[dt.date], actuals: list[dt.date]) -> tuple[str, tuple] | list[dt.date]:
    """What the date rules say, written out directly: the first problem, or the actuals' dates as judged."""
    last = BASELINE
    for i, day in enumerate(points):
        if not last < day < TARGET:
            return "dates rising strictly", ("trajectory", "points", i, "date")
        last = day
    if len(set(actuals)) != len(actuals):
        return "one actual per date", ("actuals",)
    return sorted(actuals)


@pytest.mark.parametrize("seed", range(300))
def test_dates_are_checked_as_the_rules_say(seed):
    rng = random.Random(seed)
    days = lambda n, lo, hi: [BASELINE + dt.timedelta(days=rng.randint(lo, hi)) for _ in range(n)]  # noqa: E731
    points = days(rng.randint(0, 5), -5, 370)
    if rng.random() < 0.6:  # mostly well formed, so the actuals are reached
        points = sorted({d for d in points if BASELINE < d < TARGET})
    actuals = days(rng.randint(0, 6), 0, 30)
    if rng.random() < 0.3:
        actuals.sort()
    expected = _expected(points, actuals)
    if isinstance(expected, list):
        priority = Priority.model_validate(_doc(points, actuals))
        assert [a.date for a in priority.actuals] == expected
        assert [a.value for a in priority.actuals] == [float(actuals.index(d)) for d in expected]
    else:
        with pytest.raises(ValidationError) as caught:
            Priority.model_validate(_doc(points, actuals))
        (error,) = caught.value.errors()
        assert expected[0] in error["msg"]
        assert tuple(error.get("ctx", {}).get("path", error["loc"])) == expected[1], error
