"""Markdown and HTML views of a likelihood-of-delivery result: one view model
(:func:`assessment_view`) rendered by ``assessment.md.j2`` and ``assessment.html.j2``; each
priority by ``_priority.md.j2`` or the ``priority`` macro (shared with the delivery report).
Both show each priority's severity, commentary, actions (overdue ones marked, with days overdue)
and milestones (missed ones marked), as :func:`follow_up` arranges them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from stocktake.core.markup import MOVES, environment, markdown_environment
from stocktake.likelihood.result import DeliveryAssessmentResult, PriorityResult
from stocktake.likelihood.severity import missed_milestones, overdue_actions

__all__ = ["assessment_html", "assessment_markdown", "assessment_view", "follow_up", "trajectory_charts"]


def follow_up(priorities: list[PriorityResult], as_of: dt.date) -> dict[str, dict[str, Any]]:
    """By priority id: its actions as ``(action, days overdue or None)`` and its milestones as
    ``(milestone, missed)``, at ``as_of`` (the assessment's date), in the order written."""
    out = {}
    for p in priorities:
        overdue = {id(a) for a in overdue_actions(p.actions, as_of)}
        missed = {id(m) for m in missed_milestones(p.milestones, as_of)}
        out[p.id] = {"actions": [(a, (as_of - a.due).days if id(a) in overdue else None) for a in p.actions],
                     "milestones": [(m, id(m) in missed) for m in p.milestones]}
    return out


def trajectory_charts(priorities: list[PriorityResult]) -> dict[str, Any]:
    """Each priority's trajectory chart as SVG markup, by priority id (HTML only)."""
    from markupsafe import Markup

    from stocktake.likelihood.charts import trajectory_svg

    return {p.id: Markup(trajectory_svg(p.trajectory, f"Trajectory of {p.title}")) for p in priorities}


def assessment_view(result: DeliveryAssessmentResult, fmt: str) -> dict[str, Any]:
    """The result arranged for reading in ``fmt`` (``md`` or ``html``): the result, the words for
    movement, each priority's actions and milestones (:func:`follow_up`) and (HTML only; Markdown
    has no pictures) each priority's chart."""
    return {"result": result, "moves": MOVES, "charts": trajectory_charts(result.priorities) if fmt == "html" else {},
            "follow": follow_up(result.priorities, result.date)}


def assessment_markdown(result: DeliveryAssessmentResult) -> str:
    """The assessment as Markdown (``assessment.md.j2``)."""
    return str(markdown_environment().get_template("assessment.md.j2").render(**assessment_view(result, "md")))


def assessment_html(result: DeliveryAssessmentResult) -> str:
    """The assessment as one self-contained HTML page (``assessment.html.j2``)."""
    return str(environment().get_template("assessment.html.j2").render(**assessment_view(result, "html")))
