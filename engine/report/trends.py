"""Trends: each priority's likelihood across past periods and each capacity component's level
across past reviews, from a history the caller gives (the ledger's entries, read by the facade or
the CLI: the report itself knows no ledger).

A history maps a subject (``priority:reading``, ``component:define-aspiration``) to its earlier
judgments, oldest first, each an object with the attributes ``date``, ``period``, ``level`` and
``rule`` (text, a date or None; empty text is none) and optionally ``aspect`` and ``system`` (a
:class:`stocktake.ledger.Entry` has them all). A trend is the earlier points of its subject, one
per period (a priority) or review date (a component), the later of two for one period, then the
report's own judgment as the last point: a point of the report's period or date, or later, is left
out, so a trend never runs past what the report says. Points of another aspect (a priority's
severity) or another system than the review's are not the subject's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from stocktake.report.model import Trend, TrendPoint

if TYPE_CHECKING:
    from stocktake.judgment.scale import Scale
    from stocktake.likelihood.result import DeliveryAssessmentResult
    from stocktake.review.result import CapacityReviewResult

__all__ = ["History", "build_trends"]

History = Mapping[str, Sequence[Any]]
"""Subject -> earlier judgments of it, oldest first (see the module docstring)."""


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return text or None


def _point(found: Any) -> TrendPoint:
    date = _text(getattr(found, "date", None))
    return TrendPoint(period=_text(getattr(found, "period", None)),
                      date=dt.date.fromisoformat(date[:10]) if date else None,
                      level=_text(getattr(found, "level", None)), rule=_text(getattr(found, "rule", None)))


def _same_system(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _earlier(history: History, subject: str, aspect: str, *, before: dt.date, period: str | None = None,
             system: str | None = None) -> list[TrendPoint]:
    """The subject's points before ``before`` (and not of ``period``), one per period or date."""
    kept: dict[str | dt.date | None, TrendPoint] = {}
    for found in history.get(subject, ()):
        if (getattr(found, "aspect", None) or aspect) != aspect:
            continue
        other = _text(getattr(found, "system", None))
        if system is not None and other is not None and not _same_system(other, system):
            continue
        point = _point(found)
        if (point.date is not None and point.date >= before) or (period is not None and point.period == period):
            continue
        kept[point.period or point.date] = point  # of two for one period (or date), the later stands
    return sorted(kept.values(), key=lambda p: (p.date or dt.date.min, p.period or ""))


def build_trends(history: History, assessment: DeliveryAssessmentResult | None,
                 reviews: Sequence[CapacityReviewResult], scales: Mapping[str, Scale]) -> list[Trend]:
    """The report's trends (:attr:`stocktake.report.model.DeliveryReport.trends`): each priority
    in league order, then each review's components in rubric order."""
    trends = []
    if assessment is not None:
        by_id = {p.id: p for p in assessment.priorities}
        for row in assessment.league:
            p = by_id[row.id]
            subject = f"priority:{p.id}"
            points = _earlier(history, subject, "likelihood", before=assessment.date, period=assessment.period)
            points.append(TrendPoint(period=assessment.period, date=assessment.date, level=p.judgment.rating,
                                     rule=p.judgment.rule.id))
            trends.append(Trend(subject=subject, title=p.title, levels=_codes(scales, p.judgment.scale),
                                points=points))
    for review in reviews:
        for j in review.judgments:
            if j.subject.kind != "component":
                continue
            subject = str(j.subject)
            points = _earlier(history, subject, "capacity", before=review.date, system=review.system)
            points.append(TrendPoint(date=review.date, level=j.rating, rule=j.rule.id))
            trends.append(Trend(subject=subject, title=j.title or j.subject.id, system=review.system,
                                levels=_codes(scales, j.scale), points=points))
    return trends


def _codes(scales: Mapping[str, Scale], scale_id: str) -> list[str]:
    return [level.code for level in scales[scale_id].levels]
