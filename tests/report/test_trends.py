"""The report's trends (issue 16, item 4): which earlier judgments a trend takes from the history
it is given, and how Markdown and HTML show it (codes beside every point, never colour alone)."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from example_system import EXAMPLE
from pydantic import ValidationError

from stocktake import Engine
from stocktake.render import render_report
from stocktake.report.charts import trend_line, trend_svg
from stocktake.report.model import Trend, TrendPoint

DOCUMENTS = [EXAMPLE / n for n in ("assessment-2026-h2.yaml", "capacity-review-2026.yaml", "capacity-review-2024.yaml")]
SYSTEM = "Northshire Department of Education"


def point(date: str, level: str, *, period: str = "", aspect: str = "likelihood", system: str = "") -> SimpleNamespace:
    """A judgment as the ledger gives it back: every value text, empty where there is none."""
    return SimpleNamespace(date=date, period=period, level=level, rule="likelihood-default", aspect=aspect,
                           system=system)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine()


def _trends(engine, history):
    return {t.subject: t for t in engine.report(DOCUMENTS, history=history).trends}


def test_without_a_history_the_report_has_no_trends(engine):
    report = engine.report(DOCUMENTS)
    assert report.trends == []
    assert "## Trends" not in render_report(report, "md") and 'id="trends"' not in render_report(report, "html")


def test_a_trend_is_the_earlier_periods_then_the_reports_own_judgment(engine):
    history = {"priority:attendance": [
        point("2025-10-31", "G", period="2025-H2"),
        point("2026-04-30", "AG", period="2026-H1"),
        point("2026-05-02", "AR", period="2026-H1"),            # the period judged again: the later one stands
        point("2026-04-30", "scrutiny", period="2026-H1", aspect="severity"),   # another aspect: not this trend
        point("2026-10-31", "G", period="2026-H2"),             # the report's own period: the report's level
        point("2027-04-30", "G", period="2027-H1"),             # later than the report: left out
    ]}
    trend = _trends(engine, history)["priority:attendance"]
    assert [(p.period, p.level) for p in trend.points] == [("2025-H2", "G"), ("2026-H1", "AR"), ("2026-H2", "R")]
    assert trend.levels == ["G", "AG", "AR", "R"] and trend.system is None


def test_a_component_trend_takes_earlier_reviews_of_its_own_system(engine):
    history = {"component:define-aspiration": [
        point("2022-10-01", "R", aspect="capacity", system="northshire  department of education"),  # case, spaces aside
        point("2023-10-01", "AR", aspect="capacity", system="Eastvale Department of Education"),
        point("2024-10-20", "", aspect="capacity", system=SYSTEM),
    ]}
    trend = _trends(engine, history)["component:define-aspiration"]
    assert [(str(p.date), p.level) for p in trend.points][:2] == [("2022-10-01", "R"), ("2024-10-20", None)]
    assert len(trend.points) == 3 and trend.system == SYSTEM


def test_every_priority_and_component_has_a_trend_in_league_then_rubric_order(engine):
    report = engine.report(DOCUMENTS, history={})
    subjects = [t.subject for t in report.trends]
    assert subjects[:3] == [f"priority:{row.id}" for row in report.summary.priorities]
    components = [str(j.subject) for j in report.reviews[0].judgments if j.subject.kind == "component"]
    assert subjects[3:] == components and all(len(t.points) == 1 for t in report.trends)


def test_markdown_shows_each_trend_as_a_line_and_components_by_review(engine):
    history = {"priority:reading": [point("2026-04-30", "", period="2026-H1")],
               "component:define-aspiration": [point("2024-10-20", "AR", aspect="capacity", system=SYSTEM)]}
    text = render_report(engine.report(DOCUMENTS, history=history), "md")
    assert "| Grade 3 reading proficiency | 2026-H1 not rated -> 2026-H2 AG |" in text
    assert f"Capacity to deliver, {SYSTEM}, by review:" in text
    assert "| Define the aspiration | AR | " in text
    assert re.search(r"\| Review the current state of delivery \| - \| [A-Z]+ \|", text)


def test_the_chart_prints_every_level_and_period_and_describes_itself():
    trend = Trend(subject="priority:reading", title="Reading <b>", levels=["G", "AG", "AR", "R"],
                  points=[TrendPoint(period="2025-H2", level="AR"), TrendPoint(period="2026-H1", level=None),
                          TrendPoint(period="2026-H2", level="G")])
    svg = trend_svg(trend)
    assert trend_line(trend) == "2025-H2 AR -> 2026-H1 not rated -> 2026-H2 G"
    assert re.findall(r'class="point-label"[^>]*>([^<]+)<', svg) == ["AR", "not rated", "G"]
    assert re.findall(r'class="period"[^>]*>([^<]+)<', svg) == ["2025-H2", "2026-H1", "2026-H2"]
    assert "<desc>2025-H2 AR -&gt; 2026-H1 not rated -&gt; 2026-H2 G</desc>" in svg
    assert "<title>Reading &lt;b&gt;</title>" in svg and "<b>" not in svg
    assert 'role="img"' in svg and trend_svg(trend) == svg


def test_a_trend_level_off_its_scale_is_refused():
    with pytest.raises(ValidationError, match=r"one of the trend.s levels \(G, R\) or null, found .AG."):
        Trend(subject="priority:x", title="X", levels=["G", "R"], points=[TrendPoint(period="2026-H1", level="AG")])
