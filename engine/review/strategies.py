"""Aggregation strategies: how several reviewers' ratings of one item become one level.

A strategy is any object with ``id``, ``version``, ``title``, ``description`` and an
``aggregate(ratings, scale)`` method returning a :class:`Verdict`. Plugins register them through
``stocktake_register_strategies``; the built-in ones live in ``plugins/aggregation.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from stocktake.judgment.model import JudgmentState
from stocktake.judgment.scale import Scale

__all__ = ["ReviewerRating", "Strategy", "Verdict"]


@dataclass(frozen=True)
class ReviewerRating:
    """One reviewer's rating as a strategy sees it."""

    reviewer: str
    role: str
    """``self-review``, ``delivery-unit``, ``system-leader`` or ``independent``."""
    level: str
    """Canonical level code of the scale."""


@dataclass(frozen=True)
class Verdict:
    """What a strategy decided for one item."""

    level: str | None
    """A level code of the scale, or None if the strategy forms no level."""
    state: JudgmentState
    """``rated`` with a level; ``no-consensus`` (or ``not-rated``) without one."""
    because: str
    """One sentence."""
    trail: tuple[str, ...] = ()
    """Extra steps worth showing, in order."""


@runtime_checkable
class Strategy(Protocol):
    """The contract of an aggregation strategy."""

    id: str
    version: str
    title: str
    description: str

    def aggregate(self, ratings: Sequence[ReviewerRating], scale: Scale) -> Verdict:
        """Combine ``ratings`` (at least one, each with a valid level of ``scale``) into a verdict.

        Must be deterministic and must not average colours unless its description says so.
        """
        ...
