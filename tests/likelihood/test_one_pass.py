"""The one-pass trajectory analysis held to the two-pass one it replaced (kept here as the
reference): the same Analysis with the default checks, and, with the explained result's check
maker, the same exported checks as rounding the reference's afterwards."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stocktake.likelihood.judge import _check_data
from stocktake.likelihood.trajectory import (
    PROJECTION_POINTS,
    RULES_READ_OFF_TRACK,
    STEP_PROJECTION,
    ActualCheck,
    Analysis,
    PlanPoint,
    analyse,
    classify,
    plan_values,
    planned_on,
    project,
    relative_gap,
    trajectory_level,
)

START = dt.date(2024, 1, 1)


def reference_analyse(*, points, interpolation, actuals, direction, target, as_of, absolute=None, relative=None,
                      explain=True) -> Analysis:
    """``analyse`` as it was before the one pass: ActualChecks built, then read back."""
    ordered = sorted(actuals, key=lambda a: a.date)
    target_passed = as_of > target.date or (bool(ordered) and ordered[-1].date >= target.date)
    if not ordered:
        return Analysis((), "no-data", 0, False, None, "no actuals: no projection", None, None,
                        target_passed, None, "No actuals yet: performance against the trajectory is unknown.")
    sign = 1.0 if direction == "increase" else -1.0
    linear = interpolation != "step"
    checks = []
    off_track, below = 0, True
    for actual, planned in zip(reversed(ordered), plan_values(points, [a.date for a in reversed(ordered)], linear)):
        gap, band, state = classify(planned, actual.value, sign, absolute, relative)
        checks.append(ActualCheck(actual.date, actual.value, planned, gap, relative_gap(gap, planned), band, state))
        if below:
            below = state == "below"
            off_track += below
        if not explain and (not below or off_track == RULES_READ_OFF_TRACK):
            break
    checks.reverse()
    widening = off_track >= 2 and checks[-1].gap < checks[-2].gap
    recent = ordered[-PROJECTION_POINTS:]
    projection = project([a.date.toordinal() for a in recent], [a.value for a in recent], target.date.toordinal())
    if projection is None:
        shortfall, method = None, "one actual: no trend to project"
    else:
        shortfall = sign * (target.value - projection)
        method = (f"least-squares line through the latest {len(recent)} actuals "
                  f"({recent[0].date} to {recent[-1].date}), read at the target date {target.date}"
                  f"{STEP_PROJECTION if not linear else ''}") if explain else ""
    latest = checks[-1]
    level, because = trajectory_level(latest.state, latest.gap, off_track, widening, shortfall)
    return Analysis(tuple(checks), latest.state, off_track, widening, projection, method, shortfall,
                    sign * (target.value - latest.actual), target_passed, level, because)


def reference_export(checks: Sequence[ActualCheck]) -> list[dict]:
    """The summary's checks as ``_exported`` made them from the reference's ActualChecks."""
    return [{"date": c.date, "actual": c.actual, "planned": round(c.planned, 6), "gap": round(c.gap, 6),
             "relative_gap": round(c.relative_gap, 6) if c.relative_gap is not None else None,
             "tolerance": round(c.tolerance, 6), "state": c.state} for c in checks]


values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
near = st.sampled_from([0.0, 1.0, 50.0, 50.01, 49.99, -3.0, 1e-12])


@st.composite
def trajectories(draw):
    """Plans, actuals and tolerances that reach every state: values near each other (on the band's
    edge, equal gaps), any value, actuals before, between, on and after the plan's dates."""
    value = st.one_of(near, values)
    days = sorted(draw(st.sets(st.integers(1, 900), min_size=1, max_size=6)))
    points = [PlanPoint(START, draw(value)), *(PlanPoint(START + dt.timedelta(d), draw(value)) for d in days[:-1])]
    target = PlanPoint(START + dt.timedelta(days[-1]), draw(value))
    actual_days = sorted(draw(st.sets(st.integers(-30, 1000), max_size=8)))
    actuals = [PlanPoint(START + dt.timedelta(d), draw(value)) for d in actual_days]
    tolerance = draw(st.sampled_from(["absolute", "relative", "none"]))
    return {"points": [*points, target], "interpolation": draw(st.sampled_from(["linear", "step"])),
            "actuals": draw(st.permutations(actuals)), "direction": draw(st.sampled_from(["increase", "decrease"])),
            "target": target, "as_of": START + dt.timedelta(draw(st.integers(0, 1000))),
            "absolute": draw(st.sampled_from([0.0, 0.5, 1.0])) if tolerance == "absolute" else None,
            "relative": draw(st.sampled_from([0.0, 0.02, 0.1])) if tolerance == "relative" else None}


@settings(max_examples=400, deadline=None)
@given(trajectories(), st.booleans())
def test_one_pass_analysis_is_the_two_pass_one(args, explain):
    expected = reference_analyse(**args, explain=explain)
    assert analyse(**args, explain=explain) == expected
    exported = analyse(**args, explain=explain, check=_check_data)
    assert list(exported.checks) == reference_export(expected.checks)
    assert exported[1:] == expected[1:]


@settings(max_examples=300, deadline=None)
@given(trajectories(), st.lists(st.integers(-30, 1000), max_size=8))
def test_one_date_looked_up_alone_is_the_walk_along_the_plan(args, days):
    """planned_on (bisection, the bulk path's) reads the value plan_values (walking back, the
    explained path's) reads, on plans of either kind, at dates before, on, between and after them."""
    dates = sorted({START + dt.timedelta(d) for d in days}, reverse=True)
    for linear in (True, False):
        assert [planned_on(args["points"], d, linear) for d in dates] == list(plan_values(args["points"], dates, linear))


def test_the_cases_exercise_every_level_and_widening():
    """The strategy is not vacuous: it reaches every level, widening and none."""
    seen = set()

    @settings(max_examples=300, deadline=None, database=None)
    @given(trajectories())
    def collect(args):
        found = analyse(**args)
        seen.add((found.level, found.widening))

    collect()
    assert {level for level, _ in seen} >= {None, "G", "AG", "AR", "R"}
    assert {widening for _, widening in seen} == {True, False}


@pytest.mark.parametrize("name", ["likelihood-default", "severity-default"])
def test_a_remembered_decision_is_the_checked_one_for_every_combination(name):
    """Both judgments decide through decide_remembered: for a decision table it equals deciding
    afresh on every combination of its inputs (an unknown value too), asked once per combination."""
    from stocktake.likelihood.decision import CompiledTable, decide_checked, decide_remembered
    from stocktake.testing import make_engine

    engine = make_engine()
    table, _, _ = engine.rule_set(name)
    assert isinstance(table, CompiledTable)
    scale = engine.scales()[table.output_scale]
    memo: dict = {}
    every = list(itertools.product(*([*table.domains[i], "bogus"] for i in table.inputs)))
    combos = every[::max(1, len(every) // 5_000)]  # spread over the whole space
    apart = CompiledTable(table.ruleset, engine.scales())  # compiled again: no memo shared with ``table``
    for combo in combos * 2:
        values = dict(zip(table.inputs, combo))
        fresh = decide_checked(apart, values, scale)
        assert decide_remembered(table, values, scale, memo) == fresh
    assert len(memo) == len(set(combos))
    assert {d.level for d, problem in memo.values() if problem is None} == set(scale.codes)  # not all refused


def test_a_python_rule_set_is_asked_every_time():
    from stocktake.likelihood.decision import Decision, decide_remembered
    from stocktake.testing import make_engine

    asked = []

    class Counting:
        id, version, inputs, output_scale = "counting", "1", ("challenge",), "delivery"

        def decide(self, values):
            asked.append(values)
            return Decision("G", ("r1",))

    scale = make_engine().scales()["delivery"]
    memo: dict = {}
    for _ in range(3):
        assert decide_remembered(Counting(), {"challenge": "L"}, scale, memo) == (Decision("G", ("r1",)), None)
    assert len(asked) == 3 and not memo


def test_the_summary_holds_every_field_of_the_analysis_by_name():
    """``_summary`` names the analysis's fields one by one: each is the analysis's value as the
    by-name filling gave it (floats rounded to 6 places, the checks as made)."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from benchmarks.generate import priority as synthetic
    from stocktake.likelihood.features import derive
    from stocktake.likelihood.judge import JudgingRun, _summary
    from stocktake.likelihood.model import Priority
    from stocktake.likelihood.result import RuleSetUsed
    from stocktake.testing import make_engine

    engine = make_engine()
    rubric = engine.rubric("likelihood-of-delivery").rubric
    context = {**engine._context(), "rubric": rubric, "evidence_ids": set()}
    ruleset, origin, _ = engine.rule_set("likelihood-default")
    run = JudgingRun(ruleset, origin, RuleSetUsed(plugin="p", id=ruleset.id, version="1", title="t"), rubric,
                     engine.scales())
    for seed in range(40):
        doc = synthetic(seed, points=seed % 4)
        if seed % 5 == 0:
            doc["actuals"] = []
        p = Priority.model_validate(doc, context=context)
        analysis = derive(p, dt.date(2026, 1, 1), run, check=_check_data).analysis
        summary = _summary(p, analysis)
        for name in Analysis._fields:
            value = getattr(analysis, name)
            expected = round(value, 6) if isinstance(value, float) else list(value) if name == "checks" else value
            assert summary[name] == expected, (seed, name)
