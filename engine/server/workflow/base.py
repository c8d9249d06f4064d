"""The review service's footing: the ledger, the lock, a review's state read and folded, and the
write path every action takes.

One lock serialises this process's use of the ledger; other processes writing the same ledger
are kept in line by each event's expected position: a decision made on a state another writer
has since changed is refused by the ledger (:class:`~stocktake.ledger.EventConflict`), and made
again on the new state.
"""

from __future__ import annotations

import base64
import secrets
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from stocktake.ledger import EventConflict
from stocktake.server.workflow import rules
from stocktake.server.workflow.errors import Conflict, NotFound
from stocktake.server.workflow.model import ReviewState, ReviewView
from stocktake.server.workflow.state import fold, stream_of

if TYPE_CHECKING:
    from stocktake.api import Engine
    from stocktake.rubric.model import Rubric
    from stocktake.server.identity import Principal

__all__ = ["ATTEMPTS", "Planned", "ServiceBase", "new_review_id"]

Planned = list[tuple[str, dict[str, Any], str]]
"""Events to append: (kind, data, reason)."""

ATTEMPTS = 20
"""How often a decision is made again after another writer moved the review on first."""



def new_review_id() -> str:
    """``r-`` and ten lowercase base32 characters."""
    return "r-" + base64.b32encode(secrets.token_bytes(7)).decode("ascii")[:10].lower()


class ServiceBase:
    """The workflow over the ledger at ``ledger_target``, with ``engine``'s rubrics and scoring."""

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
        self._states: dict[str, ReviewState] = {}

    def close(self) -> None:
        with self._lock:
            self._ledger.close()

    # -- identity ------------------------------------------------------------------------------

    def principal_for_token(self, token: str) -> Principal | None:
        """The principal of a bearer token (None: unknown or revoked)."""
        with self._lock:
            return self._tokens.verify(token)

    def principal_for_name(self, name: str) -> Principal | None:
        """The principal a trusted proxy's user ``name`` is (None: no grant of that name)."""
        with self._lock:
            return self._tokens.grant(name)

    # -- reading and writing the stream --------------------------------------------------------

    def _load(self, review_id: str) -> ReviewState:
        """The review's state, folded on from what this process last read."""
        cached = self._states.get(review_id)
        events = self._ledger.events(stream_of(review_id), after_position=cached.position if cached else 0)
        if cached is None and (not events or events[0].kind != "created"):
            raise NotFound(f"no review {review_id!r} (GET /v1/reviews lists them)")
        state = fold(review_id, events, cached) if events else cached
        assert state is not None
        self._states[review_id] = state
        return state

    def _state(self, who: Principal, review_id: str) -> ReviewState:
        rules.check_visible(who, review_id)
        with self._lock:
            return self._load(review_id)

    def _write(self, who: Principal, review_id: str, decide: Callable[[ReviewState], Planned]) -> ReviewView:
        """Decide on the review's current state and append what ``decide`` plans in one
        transaction (all of a decision's events, or none), expecting the position it was decided
        on; decide again if another writer came first."""
        rules.check_visible(who, review_id)
        with self._lock:
            for _ in range(ATTEMPTS):
                state = self._load(review_id)
                try:
                    self._ledger.append_events(stream_of(review_id), decide(state), actor=who.name,
                                               expected_position=state.position)
                except EventConflict:
                    continue
                return self._view(who, self._load(review_id))
        raise Conflict(f"review {review_id!r} kept changing while this was decided: try again")

    def _rubric(self, state: ReviewState) -> Rubric:
        rubric_id, _, version = state.rubric.partition("@")
        return self.engine.rubric(rubric_id, version or None).rubric

    def _view(self, who: Principal, state: ReviewState) -> ReviewView:
        agreed = ([{"component": c, **a} for c, a in state.agreed.items()]
                  if rules.can_see_ratings(who, state) else [])  # agreed levels anchor as ratings do
        return ReviewView(id=state.id, system=state.system, title=state.title, date=state.date, rubric=state.rubric,
                          moderator=state.moderator, state=state.state, reviewers=state.reviewers,
                          evidence=state.evidence, ratings=rules.visible_ratings(who, state),
                          submitted=state.submitted, agreed=agreed, signoff=state.signoff,
                          position=state.position, last_seq=state.last_seq)

