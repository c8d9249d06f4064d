"""A review's state is the fold of its stream's events, in order: nothing else is stored.

:func:`fold` applies each event as :func:`apply` says; the service decides (and refuses) what may
be appended, so applying never fails on an event the service wrote.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from stocktake.server.workflow.model import ACTIONS, ReviewState

if TYPE_CHECKING:
    from stocktake.ledger import Event

__all__ = ["SIGNOFF", "TARGET", "apply", "fold", "stream_of"]

TARGET = {"submitted": "submitted", "accepted": "accepted", "rejected": "rejected",
          "changes-requested": "drafting", "revoked": "revoked"}
"""The state each sign-off event leads to."""

SIGNOFF = dict(zip(ACTIONS, ("submitted", "accepted", "rejected", "changes-requested", "revoked"), strict=True))
"""The event kind of each sign-off action."""


def stream_of(review_id: str) -> str:
    return f"review:{review_id}"


def fold(review_id: str, events: Iterable[Event], state: ReviewState | None = None) -> ReviewState:
    """``state`` (a new review's, if None) with ``events`` applied in order."""
    data = (state or ReviewState(id=review_id)).model_dump()
    for event in events:
        apply(data, event)
    return ReviewState.model_validate(data)


def apply(review: dict[str, Any], event: Event) -> None:  # long: one branch per event kind, read as a table
    """Apply ``event`` to the review's fields (a :class:`ReviewState` as a dict), in place."""
    data, kind = event.data, event.kind
    review["position"], review["last_seq"] = event.position, event.seq
    if kind == "created":
        review.update({key: data[key] for key in ("system", "title", "date", "rubric", "moderator", "reviewers")})
    elif kind == "evidence-added":
        review["evidence"].append(data["item"])
    elif kind == "rated":
        mine = review["ratings"].setdefault(data["reviewer"], {})
        mine[data["component"]] = {"level": data["level"], "rationale": data.get("rationale", ""),
                                   "evidence": list(data.get("evidence", []))}
    elif kind == "ratings-submitted":
        if data["reviewer"] not in review["submitted"]:
            review["submitted"].append(data["reviewer"])
    elif kind == "reopened":
        review["submitted"] = [r for r in review["submitted"] if r != data["reviewer"]]
    elif kind == "agreed":
        review["agreed"][data["component"]] = {"level": data["level"], "reason": event.reason, "by": event.actor,
                                               "agreed_by": list(data.get("agreed_by", []))}
    elif kind == "agreed-withdrawn":
        review["agreed"].pop(data["component"], None)
    elif kind in TARGET:
        review["state"] = TARGET[kind]
        review["signoff"].append({"action": kind, "actor": event.actor, "reason": event.reason,
                                  "recorded_at": event.recorded_at})
