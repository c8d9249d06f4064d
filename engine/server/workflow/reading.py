"""What a review gives back to read: the scored review, its CapacityReview document and YAML,
its ratings table and its events, each only to whom may see it (no anchoring: a reviewer sees
none of it, but their own ratings, until they have submitted theirs)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from stocktake.server.workflow import rules
from stocktake.server.workflow.base import ServiceBase
from stocktake.server.workflow.documents import review_data, review_yaml, table_of
from stocktake.server.workflow.errors import Forbidden

if TYPE_CHECKING:
    from stocktake.ledger import Event
    from stocktake.review.model import CapacityReview
    from stocktake.review.result import CapacityReviewResult
    from stocktake.server.identity import Principal
    from stocktake.server.workflow.model import ReviewState

__all__ = ["Reading"]

_RATING_KINDS = ("rated",)
_JUDGMENT_KINDS = ("agreed", "agreed-withdrawn", "reopened")
"""Events whose details (levels, components, reasons) anchor a reviewer still rating: shown to
them with their data and reason left out (a reopening of their own ratings excepted)."""


class Reading(ServiceBase):
    """The reading side of the service."""

    def _readable(self, who: Principal, review_id: str, what: str) -> ReviewState:
        state = self._state(who, review_id)
        if who.role == "reviewer":
            rules.rater(who, state)
        if not rules.can_see_ratings(who, state):
            raise Forbidden(f"{what} shows the other reviewers' ratings: submit yours first (no anchoring)")
        return state

    def _data(self, who: Principal, review_id: str, what: str) -> tuple[ReviewState, dict[str, Any]]:
        state = self._readable(who, review_id, what)
        return state, review_data(state, self._rubric(state))

    def document(self, who: Principal, review_id: str) -> CapacityReview:
        """The review as a ``CapacityReview`` (submitted ratings, agreed judgments, evidence)."""
        _, data = self._data(who, review_id, "the review's document")
        model: CapacityReview = self.engine.load(data, kinds=("CapacityReview",)).model
        return model

    def document_yaml(self, who: Principal, review_id: str) -> str:
        """:meth:`document` as the YAML ``stocktake review`` reads."""
        state, data = self._data(who, review_id, "the review's document")
        return review_yaml(data, state.id)

    def scored(self, who: Principal, review_id: str) -> CapacityReviewResult:
        """The review scored by the engine: ``stocktake review`` on :meth:`document_yaml`'s text,
        the document named ``{id}.yaml`` as the download is (so the result's bytes are the command
        line's on the downloaded file)."""
        import io

        document = io.BytesIO(self.document_yaml(who, review_id).encode("utf-8"))
        document.name = f"{review_id}.yaml"
        return self.engine.review(document)

    def ratings_table(self, who: Principal, review_id: str, fmt: str) -> bytes:
        """The submitted ratings as the ratings template's table (``csv`` or ``xlsx``), filled in."""
        if fmt not in ("csv", "xlsx"):
            from stocktake.core.errors import UsageError

            raise UsageError(f"a ratings table is csv or xlsx, not {fmt!r}")
        state, data = self._data(who, review_id, "the ratings table")
        return table_of(data, self._rubric(state), fmt)

    def events(self, who: Principal, review_id: str) -> list[Event]:
        """The review's events, every one but the ratings ``who`` may not see yet (drafts of
        reviewers who have not submitted; all others' for a reviewer still rating); to a reviewer
        still rating, agreed judgments and reopenings of others show without their details."""
        state = self._state(who, review_id)
        if who.role == "reviewer":
            rules.rater(who, state)
        with self._lock:
            found = self._ledger.events(f"review:{review_id}")
        shown = {r["reviewer"] for r in rules.visible_ratings(who, state)}
        if who.role == "reviewer":
            shown.add(str(who.reviewer))
        anchored = not rules.can_see_ratings(who, state)
        return [replace(e, data={}, reason="") if anchored and _judgment_of_others(e, who) else e
                for e in found if e.kind not in _RATING_KINDS or e.data.get("reviewer") in shown]


def _judgment_of_others(event: Event, who: Principal) -> bool:
    return event.kind in _JUDGMENT_KINDS and not (event.kind == "reopened"
                                                  and event.data.get("reviewer") == who.reviewer)
