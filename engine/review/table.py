"""A capacity review's judgments as rows of the flat table (:mod:`stocktake.judgment.table`)."""

from __future__ import annotations

from stocktake.judgment.table import Row, judgment_row
from stocktake.review.result import CapacityReviewResult

__all__ = ["review_rows"]


def review_rows(result: CapacityReviewResult) -> list[Row]:
    """One row per judgment, in the result's order (each component followed by its criteria, then
    the stages), aspect ``capacity``: components and stages with the rubric's code, a component's
    parent its stage, a criterion's the component before it."""
    codes: dict[str, str | None] = {}
    stage_of: dict[str, str] = {}
    for section in result.rubric.sections:
        codes[f"section:{section.id}"] = section.code
        for item in section.components:
            codes[f"component:{item.id}"] = item.code
            stage_of[f"component:{item.id}"] = f"section:{section.id}"
    rows: list[Row] = []
    component = ""
    for judgment in result.judgments:
        subject = str(judgment.subject)
        if judgment.subject.kind == "component":
            component = subject
        parent = component if judgment.subject.kind == "criterion" else stage_of.get(subject, "")
        rows.append(judgment_row(judgment, aspect="capacity", code=codes.get(subject), parent=parent))
    return rows
