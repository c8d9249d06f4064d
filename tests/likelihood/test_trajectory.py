"""Trajectory analysis, worked by hand."""

import datetime as dt

import pytest

from stocktake.likelihood.trajectory import PlanPoint, analyse, planned_value

D = dt.date


def plan(*pairs):
    return [PlanPoint(D(*d), v) for d, v in pairs]


LINEAR = plan(((2025, 1, 1), 60.0), ((2026, 1, 1), 64.0), ((2027, 1, 1), 70.0))


def test_linear_interpolation():
    assert planned_value(LINEAR, D(2025, 1, 1), "linear") == 60.0
    assert planned_value(LINEAR, D(2026, 1, 1), "linear") == 64.0
    # 2026-07-02 is 182 of 365 days into the second segment: 64 + 6 * 182/365
    assert planned_value(LINEAR, D(2026, 7, 2), "linear") == pytest.approx(64 + 6 * 182 / 365)
    assert planned_value(LINEAR, D(2024, 6, 1), "linear") == 60.0   # before the baseline
    assert planned_value(LINEAR, D(2030, 1, 1), "linear") == 70.0   # after the target: the target holds


def test_step_interpolation_holds_each_point_until_the_next():
    assert planned_value(LINEAR, D(2025, 12, 31), "step") == 60.0
    assert planned_value(LINEAR, D(2026, 1, 1), "step") == 64.0
    assert planned_value(LINEAR, D(2026, 12, 31), "step") == 64.0


AS_OF = D(2026, 10, 31)


def run(actuals, direction="increase", points=LINEAR, absolute=None, relative=None, as_of=AS_OF,
        interpolation="linear"):
    return analyse(points=points, interpolation=interpolation, actuals=plan(*actuals), direction=direction,
                   target=points[-1], as_of=as_of, absolute=absolute, relative=relative)


def test_no_actuals_is_its_own_state():
    result = run([])
    assert (result.latest, result.level, result.projection) == ("no-data", None, None)
    assert result.checks == ()


def test_one_actual_gives_no_projection():
    result = run([((2026, 1, 1), 64.5)], absolute=1.0)
    assert result.latest == "within" and result.projection is None
    assert result.projection_method == "one actual: no trend to project"
    # On the plan, but G needs the trend reaching the target, and one actual has no trend.
    assert result.level == "AG" and "no trend yet" in result.because


def test_increasing_metric_gaps_and_states():
    result = run([((2025, 7, 2), 60.0), ((2026, 1, 1), 66.0)], absolute=1.0)
    first, second = result.checks
    assert first.planned == pytest.approx(62.0, abs=0.01) and first.state == "below"
    assert second.gap == pytest.approx(2.0) and second.state == "above"
    assert second.relative_gap == pytest.approx(2 / 64)


def test_decreasing_metric_counts_lower_as_better():
    points = plan(((2025, 1, 1), 18.0), ((2027, 1, 1), 12.0))
    result = run([((2026, 1, 1), 14.0)], direction="decrease", points=points, absolute=0.5)
    # planned at 2026-01-01 is 18 - 6 * 365/730 = 15; actual 14 is one point better.
    assert result.checks[0].gap == pytest.approx(1.0) and result.checks[0].state == "above"
    assert result.distance_to_target == pytest.approx(2.0)


def test_actual_exactly_on_the_tolerance_edge_is_within():
    result = run([((2026, 1, 1), 63.0)], absolute=1.0)
    assert result.checks[0].gap == -1.0 and result.checks[0].state == "within"
    relative = run([((2026, 1, 1), 64.0 * 0.95)], relative=0.05)
    assert relative.checks[0].state == "within"


def test_two_below_with_the_gap_widening_is_red():
    result = run([((2025, 7, 2), 61.0), ((2026, 1, 1), 61.5), ((2026, 7, 2), 62.0)], absolute=0.5)
    assert result.off_track == 3 and result.widening and result.level == "R"


def test_two_below_with_the_gap_closing_is_amber_red():
    result = run([((2026, 1, 1), 62.0), ((2026, 7, 2), 66.0)], absolute=0.5)
    # planned 64 then ~67.0: gaps -2.0 then ~-0.99, closing
    assert result.off_track == 2 and not result.widening and result.level == "AR"


def test_projection_is_a_least_squares_line_read_at_the_target_date():
    points = plan(((2025, 1, 1), 0.0), ((2025, 1, 31), 30.0))
    actuals = [((2025, 1, 1), 0.0), ((2025, 1, 11), 10.0), ((2025, 1, 21), 20.0)]
    result = analyse(points=points, interpolation="linear", actuals=plan(*actuals), direction="increase",
                     target=points[-1], as_of=D(2025, 1, 21))
    assert result.projection == pytest.approx(30.0)
    assert result.shortfall == pytest.approx(0.0)
    assert "least-squares line through the latest 3 actuals" in result.projection_method


def test_projection_uses_only_the_latest_four_actuals():
    points = plan(((2025, 1, 1), 0.0), ((2025, 3, 1), 100.0))
    actuals = [((2025, 1, 1), 50.0)] + [((2025, 1, 2 + i), float(i)) for i in range(4)]
    result = analyse(points=points, interpolation="linear", actuals=plan(*actuals), direction="increase",
                     target=points[-1], as_of=D(2025, 1, 6))
    # the first (outlying) actual is ignored: the last four lie on y = day - 2
    assert result.projection == pytest.approx((D(2025, 3, 1) - D(2025, 1, 2)).days)


def test_target_date_passed_is_reported():
    result = run([((2026, 1, 1), 64.0)], as_of=D(2027, 6, 1))
    assert result.target_passed


def test_projection_short_of_target_is_amber_green_even_on_plan():
    result = run([((2025, 7, 2), 62.0), ((2026, 1, 1), 64.0)], points=plan(((2025, 1, 1), 60.0), ((2026, 1, 1), 64.0),
                                                                           ((2026, 6, 1), 90.0)), absolute=1.0)
    assert result.latest == "within" and result.shortfall > 0 and result.level == "AG"


def test_the_analysis_and_the_published_summary_name_the_same_fields_in_the_same_order():
    """The trajectory part of TrajectorySummary is the analysis, field for field: the summary is
    filled from Analysis by name, so the two cannot drift apart silently."""
    from stocktake.likelihood.result import TrajectorySummary
    from stocktake.likelihood.trajectory import Analysis

    published = list(TrajectorySummary.model_fields)
    assert published[-len(Analysis._fields):] == list(Analysis._fields)
