"""Evidence: the items ratings and judgments cite (interviews, documents, data, ...), shared by
every document kind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Literal

from stocktake.core.models import Date, Id, Model, Text

__all__ = ["Evidence", "EvidenceKind", "dating_problems"]

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


def dating_problems(refs: Iterable[str], evidence: Mapping[str, Evidence], as_of: dt.date, *,
                    what: str, oldest: dt.date | None = None) -> list[tuple[str, str]]:
    """(flag code, message) for each way the cited evidence ``refs`` is badly dated for a judgment
    made at ``as_of`` (``what`` names it, e.g. "the review"): ``evidence-after-date`` (dated after
    it: a typo, or evidence the judgment could not have had), ``undated-evidence`` (no date, so its
    age cannot be checked) and, given ``oldest``, ``stale-evidence`` (dated before it). Each code
    at most once, naming every piece it covers in id order; refs not in ``evidence`` are ignored."""
    cited = sorted({ref for ref in refs if ref in evidence})
    dated = [(ref, evidence[ref].date) for ref in cited]
    after = [f"{ref} ({day})" for ref, day in dated if day is not None and day > as_of]
    undated = [ref for ref, day in dated if day is None]
    stale = [f"{ref} ({day})" for ref, day in dated if day is not None and oldest is not None and day < oldest]
    problems = []
    if after:
        problems.append(("evidence-after-date", f"Evidence dated after {what} ({as_of}): {', '.join(after)}."))
    if undated:
        problems.append(("undated-evidence", f"Evidence with no date, so its age is unknown: {', '.join(undated)}."))
    if stale:
        age = (as_of - oldest).days if oldest is not None else 0
        problems.append(("stale-evidence", f"Evidence older than {age} days at {what} ({as_of}): {', '.join(stale)}."))
    return problems
