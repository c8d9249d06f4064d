"""Evidence: the items ratings and judgments cite (interviews, documents, data, ...), shared by
every document kind."""

from __future__ import annotations

from typing import Literal

from stocktake.core.models import Date, Id, Model, Text

EvidenceKind = Literal[
    "interview", "focus-group", "document", "data", "survey", "observation", "self-assessment"
]
"""Where a piece of evidence came from."""


class Evidence(Model):
    """One piece of evidence that ratings cite."""

    id: Id
    kind: EvidenceKind
    source: Text
    """Who or what it came from."""
    date: Date | None = None
    """When it was collected; evidence older than the review's limit is flagged."""
    summary: str = ""
