"""The review service: every action of the workflow, checked against who asks and the review's
state (the fold of its events), then written as events expecting the position it was decided on
(see :mod:`~stocktake.server.workflow.base`). Creating and listing reviews are here; the
writing actions in :mod:`~stocktake.server.workflow.actions`, the documents in
:mod:`~stocktake.server.workflow.reading`."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from stocktake.core.errors import DocumentError, UsageError
from stocktake.ledger import EventConflict
from stocktake.server.workflow import rules
from stocktake.server.workflow.actions import WritingActions
from stocktake.server.workflow.base import new_review_id
from stocktake.server.workflow.bodies import relocated
from stocktake.server.workflow.documents import review_data
from stocktake.server.workflow.errors import Conflict
from stocktake.server.workflow.model import ReviewState, ReviewSummary, ReviewView
from stocktake.server.workflow.reading import Reading
from stocktake.server.workflow.state import stream_of

if TYPE_CHECKING:
    from stocktake.server.identity import Principal

__all__ = ["ReviewService"]

_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


class ReviewService(WritingActions, Reading):
    """The review workflow over one ledger (``ReviewService(ledger_target, engine, *,
    allow_self_approval=False, trusted_proxy_header=None)``); every method takes the principal
    asking and refuses what they may not do, or what the review's state does not allow, with
    nothing written."""

    # -- reviews -------------------------------------------------------------------------------

    def create(self, who: Principal, *, system: str, rubric: str, date: str, title: str = "",
               reviewers: list[dict[str, Any]], review_id: str | None = None) -> ReviewState:
        """Create a review moderated by ``who`` (a moderator or an admin, not bound to a review).

        :raises DocumentError: the review it starts is not a valid CapacityReview (a reviewer's
            role, a date, an unknown rubric), located in the request.
        :raises Conflict: a review with ``review_id`` exists.
        """
        rules.creating(who)
        if review_id is not None and not _SLUG.fullmatch(review_id):
            raise UsageError(f"a review id is lowercase letters, digits and '-' (at most 63, starting with a letter "
                             f"or digit), found {review_id!r}")
        rubric_id, _, version = rubric.partition("@")
        found = self.engine.rubric(rubric_id, version or None).rubric
        draft = ReviewState(id=review_id or "new", system=system, title=title, date=date,
                            rubric=f"{found.id}@{found.version}", moderator=who.name,
                            reviewers=[dict(r) for r in reviewers])
        try:  # errors before writing, located in the request (whose fields the document's are)
            loaded = self.engine.load(review_data(draft, found), kinds=("CapacityReview",)).model
        except DocumentError as err:
            raise relocated(err) from None
        data = {"system": system, "title": title, "date": loaded.date.isoformat(), "rubric": draft.rubric,
                "moderator": who.name, "reviewers": [r.model_dump() for r in loaded.reviewers]}
        chosen = review_id or new_review_id()
        with self._lock:
            try:
                self._ledger.append_event(stream_of(chosen), "created", actor=who.name, data=data,
                                          expected_position=0)
            except EventConflict:
                raise Conflict(f"a review {chosen!r} exists already: choose another id") from None
            return self._load(chosen)

    def list(self, who: Principal) -> list[ReviewSummary]:
        """The reviews ``who`` may see (a token bound to a review: that one), by id."""
        with self._lock:
            ids = [s.removeprefix("review:") for s in self._ledger.streams("review:")]
            states = [self._load(i) for i in ids if who.review in (None, i)]
        return [ReviewSummary(id=s.id, system=s.system, title=s.title, date=s.date, rubric=s.rubric,
                              moderator=s.moderator, state=s.state, reviewers=len(s.reviewers),
                              submitted=len(s.submitted)) for s in states]

    def get(self, who: Principal, review_id: str) -> ReviewView:
        """The review as ``who`` may see it (no anchoring: see :func:`rules.visible_ratings`)."""
        state = self._state(who, review_id)
        if who.role == "reviewer":
            rules.rater(who, state)
        return self._view(who, state)

