"""Finite extremes: numbers in an assessment are bounded (MAX_VALUE either side of zero) so that
plans, gaps, projections and charts computed from them never overflow. 1e308 made planned values
NaN that were judged "within" tolerance, and then ``report`` refused the engine's own output."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from bounded import refused, stocktake_bounded

from stocktake.likelihood.model import MAX_VALUE
from stocktake.likelihood.trajectory import analyse, relative_gap

FIXTURE = (Path(__file__).resolve().parents[1] / "fixtures" / "assessment.yaml").read_text()

FIELDS = {
    "baseline": ("baseline: {date: 2025-01-01, value: 60}", "baseline: {{date: 2025-01-01, value: {v}}}",
                 "$.priorities[0].baseline.value"),
    "target": ("target: {date: 2028-01-01, value: 75}", "target: {{date: 2028-01-01, value: {v}}}",
               "$.priorities[0].target.value"),
    "actual": ("{date: 2025-07-01, value: 62.5}", "{{date: 2025-07-01, value: {v}}}",
               "$.priorities[0].actuals[0].value"),
    "tolerance": ("tolerance: {absolute: 1.0}", "tolerance: {{absolute: {v}}}", "$.priorities[0].tolerance.absolute"),
}


def _assessment(tmp_path: Path, **values: str) -> Path:
    text = FIXTURE
    for name, value in values.items():
        old, new, _ = FIELDS[name]
        assert old in text
        text = text.replace(old, new.format(v=value), 1)
    path = tmp_path / "assessment.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("value", ["1.0e+308", "-1.0e+308", "1.0e+16"])
@pytest.mark.parametrize("field", sorted(FIELDS))
def test_a_number_past_the_bound_is_refused_where_it_is(tmp_path, field, value):
    if field == "tolerance" and value.startswith("-"):
        value = "1.0e+308"
    result = stocktake_bounded("judge", str(_assessment(tmp_path, **{field: value})), cwd=tmp_path)
    bound = f"at least {-MAX_VALUE}" if value.startswith("-") else f"at most {MAX_VALUE}"
    assert refused(result, "assessment.yaml:", FIELDS[field][2], f"expected a number {bound}",
                   f"found {float(value)!r}")


def _svg_coordinates(html: str) -> list[str]:
    numbers = []
    for svg in re.findall(r"<svg.*?</svg>", html, flags=re.S):
        for attribute in re.findall(r'\s(?:x|y|x1|y1|x2|y2|points|d)="([^"]*)"', svg):
            numbers += re.findall(r"[-+]?[^\s,MLlz]+", attribute)
    return numbers


@pytest.mark.parametrize("values", [
    {"baseline": str(-MAX_VALUE), "target": str(MAX_VALUE), "actual": str(MAX_VALUE), "tolerance": str(MAX_VALUE)},
    {"baseline": str(MAX_VALUE), "target": str(-MAX_VALUE), "actual": str(-MAX_VALUE), "tolerance": "0"},
    {"tolerance": str(MAX_VALUE)},  # a huge band drew nan coordinates
    {"baseline": "5.0e-324", "target": "1.0e-320", "actual": str(MAX_VALUE)},
], ids=["widest-rising", "widest-falling", "huge-tolerance", "near-zero"])
def test_extremes_within_the_bound_are_judged_drawn_finite_and_reported(tmp_path, values):
    path = _assessment(tmp_path, **values)
    judged = stocktake_bounded("judge", str(path), "--format", "json", "-o", "result.json", cwd=tmp_path)
    assert judged.returncode == 0, judged.stderr
    text = (tmp_path / "result.json").read_text()
    assert not re.search(r"NaN|Infinity", text)
    for priority in json.loads(text)["priorities"]:
        for check in priority["trajectory"]["checks"]:
            assert all(math.isfinite(check[k]) for k in ("planned", "gap", "tolerance"))
    report = stocktake_bounded("report", "result.json", "-o", "report.html", cwd=tmp_path)
    assert report.returncode == 0, report.stderr  # our own output is read back
    coordinates = _svg_coordinates((tmp_path / "report.html").read_text())
    assert coordinates and all(math.isfinite(float(c)) for c in coordinates), coordinates[:20]


def test_a_relative_gap_over_a_planned_value_within_a_hair_of_zero_is_none():
    assert relative_gap(1e15, 5e-324) is None
    assert relative_gap(1.0, 0.0) is None
    assert relative_gap(1.0, 4.0) == 0.25


def test_a_huge_band_is_a_finite_band():
    class P:
        def __init__(self, day: int, value: float) -> None:
            import datetime as dt

            self.date, self.value = dt.date(2025, 1, day), value

    analysis = analyse(points=[P(1, -MAX_VALUE), P(30, MAX_VALUE)], interpolation="linear",
                       actuals=[P(10, MAX_VALUE), P(20, -MAX_VALUE)], direction="increase", target=P(30, MAX_VALUE),
                       as_of=P(31, 0).date, absolute=MAX_VALUE)
    assert all(math.isfinite(c.planned) and math.isfinite(c.gap) for c in analysis.checks)
    assert analysis.projection is not None and math.isfinite(analysis.projection)
    assert analysis.latest == "below" and analysis.level == "AR"
