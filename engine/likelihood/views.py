"""Markdown and HTML views of a likelihood-of-delivery result: one view model
(:func:`assessment_view`) rendered by ``assessment.md.j2`` and ``assessment.html.j2``; each
priority by ``_priority.md.j2`` or the ``priority`` macro (shared with the delivery report)."""

from __future__ import annotations

from typing import Any

from stocktake.core.markup import MOVES, environment, markdown_environment
from stocktake.likelihood.result import DeliveryAssessmentResult, PriorityResult

__all__ = ["assessment_html", "assessment_markdown", "assessment_view", "trajectory_charts"]


def trajectory_charts(priorities: list[PriorityResult]) -> dict[str, Any]:
    """Each priority's trajectory chart as SVG markup, by priority id (HTML only)."""
    from markupsafe import Markup

    from stocktake.likelihood.charts import trajectory_svg

    return {p.id: Markup(trajectory_svg(p.trajectory, f"Trajectory of {p.title}")) for p in priorities}


def assessment_view(result: DeliveryAssessmentResult, fmt: str) -> dict[str, Any]:
    """The result arranged for reading in ``fmt`` (``md`` or ``html``): the result, the words for
    movement, and (HTML only; Markdown has no pictures) each priority's chart."""
    return {"result": result, "moves": MOVES, "charts": trajectory_charts(result.priorities) if fmt == "html" else {}}


def assessment_markdown(result: DeliveryAssessmentResult) -> str:
    """The assessment as Markdown (``assessment.md.j2``)."""
    return str(markdown_environment().get_template("assessment.md.j2").render(**assessment_view(result, "md")))


def assessment_html(result: DeliveryAssessmentResult) -> str:
    """The assessment as one self-contained HTML page (``assessment.html.j2``)."""
    return str(environment().get_template("assessment.html.j2").render(**assessment_view(result, "html")))
