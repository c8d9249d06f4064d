"""The review service: every action of the workflow, checked against who asks and the review's
state (the fold of its events), then written as events with the position it was decided on."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from stocktake.server.identity import Principal
from stocktake.server.workflow.model import ReviewState, ReviewSummary, ReviewView

if TYPE_CHECKING:
    from stocktake.api import Engine
    from stocktake.ledger import Event
    from stocktake.review.model import CapacityReview
    from stocktake.review.result import CapacityReviewResult

__all__ = ["ReviewService"]

Action = Literal["submit", "accept", "reject", "request-changes", "revoke"]


class ReviewService:
    """The workflow over the ledger at ``ledger_target`` with ``engine`` (its rubrics, its scoring).
    One lock serialises this process's ledger access; other processes are kept in line by each
    event's expected position (a stale decision is made again)."""

    def __init__(self, ledger_target: str, engine: Engine, *, allow_self_approval: bool = False,
                 trusted_proxy_header: str | None = None) -> None:
        from stocktake.ledger import open_ledger
        from stocktake.server.tokens import TokenBook

        self.engine = engine
        self.allow_self_approval = allow_self_approval
        self.trusted_proxy_header = trusted_proxy_header
        self._lock = threading.RLock()
        self._ledger = open_ledger(ledger_target)
        self._tokens = TokenBook(self._ledger)

    def close(self) -> None:
        with self._lock:
            self._ledger.close()

    # -- identity ------------------------------------------------------------------------------

    def principal_for_token(self, token: str) -> Principal | None:
        with self._lock:
            return self._tokens.verify(token)

    def principal_for_name(self, name: str) -> Principal | None:
        with self._lock:
            return self._tokens.grant(name)

    # -- reviews -------------------------------------------------------------------------------

    def create(self, who: Principal, *, system: str, rubric: str, date: str, title: str = "",
               reviewers: list[dict[str, Any]], review_id: str | None = None) -> ReviewState:
        raise NotImplementedError

    def list(self, who: Principal) -> list[ReviewSummary]:
        raise NotImplementedError

    def get(self, who: Principal, review_id: str) -> ReviewView:
        raise NotImplementedError

    def add_evidence(self, who: Principal, review_id: str, item: dict[str, Any]) -> ReviewView:
        raise NotImplementedError

    def rate(self, who: Principal, review_id: str, component: str, *, level: str | None, rationale: str = "",
             evidence: Sequence[str] = ()) -> ReviewView:
        raise NotImplementedError

    def rate_many(self, who: Principal, review_id: str, ratings: list[dict[str, Any]]) -> ReviewView:
        raise NotImplementedError

    def submit_ratings(self, who: Principal, review_id: str) -> ReviewView:
        raise NotImplementedError

    def reopen(self, who: Principal, review_id: str, reviewer: str, reason: str) -> ReviewView:
        raise NotImplementedError

    def agree(self, who: Principal, review_id: str, component: str, *, level: str, reason: str,
              agreed_by: Sequence[str] | None = None) -> ReviewView:
        raise NotImplementedError

    def withdraw_agreed(self, who: Principal, review_id: str, component: str) -> ReviewView:
        raise NotImplementedError

    def transition(self, who: Principal, review_id: str, action: Action, reason: str = "") -> ReviewView:
        raise NotImplementedError

    def scored(self, who: Principal, review_id: str) -> CapacityReviewResult:
        raise NotImplementedError

    def document(self, who: Principal, review_id: str) -> CapacityReview:
        raise NotImplementedError

    def document_yaml(self, who: Principal, review_id: str) -> str:
        raise NotImplementedError

    def ratings_table(self, who: Principal, review_id: str, fmt: Literal["csv", "xlsx"]) -> bytes:
        raise NotImplementedError

    def events(self, who: Principal, review_id: str) -> list[Event]:
        raise NotImplementedError
