"""A likelihood-of-delivery result as rows of the flat table (:mod:`stocktake.judgment.table`)."""

from __future__ import annotations

from stocktake.judgment.model import Judgment
from stocktake.judgment.table import Row, judgment_row
from stocktake.likelihood.result import DeliveryAssessmentResult, PriorityResult

__all__ = ["assessment_rows", "judgment_rows", "priority_rows"]


def assessment_rows(result: DeliveryAssessmentResult) -> list[Row]:
    """Per priority, in the result's (the assessment's) order: its likelihood judgment, then its
    severity judgment if it was classified: two rows of one subject, told apart by ``aspect``
    (``likelihood``, ``severity``), so every row is one judgment and both share every column."""
    return [row for priority in result.priorities for row in priority_rows(priority)]


def priority_rows(priority: PriorityResult) -> list[Row]:
    """One priority's rows (see :func:`assessment_rows`)."""
    return judgment_rows(priority.judgment, priority.severity.judgment if priority.severity is not None else None)


def judgment_rows(likelihood: Judgment, severity: Judgment | None) -> list[Row]:
    """A priority's likelihood judgment, then its ``severity`` judgment (None: not classified), as rows."""
    rows = [judgment_row(likelihood, aspect="likelihood")]
    if severity is not None:
        rows.append(judgment_row(severity, aspect="severity"))
    return rows
