"""The review's writing actions: evidence, ratings, submitting and reopening them, agreed
judgments and sign-off. Each checks who asks and the state (:mod:`rules`) inside
:meth:`~stocktake.server.workflow.base.ServiceBase._write`, so a refused action writes nothing
and a decision another writer overtook is made again."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from stocktake.core.errors import DocumentError
from stocktake.server.workflow import rules
from stocktake.server.workflow.base import Planned, ServiceBase
from stocktake.server.workflow.bodies import relocated
from stocktake.server.workflow.errors import Conflict
from stocktake.server.workflow.state import SIGNOFF

if TYPE_CHECKING:
    from stocktake.server.identity import Principal
    from stocktake.server.workflow.model import Action, ReviewState, ReviewView

__all__ = ["WritingActions"]

_REASONED = {"reject": "rejecting a review", "request-changes": "requesting changes",
             "revoke": "revoking an acceptance"}
_DONE = {"submit": "put up for sign-off", "accept": "accepted", "reject": "rejected",
         "request-changes": "sent back for changes", "revoke": "revoked"}
_FROM = {"submit": "drafting", "accept": "submitted", "reject": "submitted", "request-changes": "submitted",
         "revoke": "accepted"}


class WritingActions(ServiceBase):
    """The actions that append events to a review's stream."""

    def add_evidence(self, who: Principal, review_id: str, item: dict[str, Any]) -> ReviewView:
        """Add an evidence item (a reviewer of the review, or its moderator), while drafting."""
        def decide(state: ReviewState) -> Planned:
            if who.role == "reviewer":
                rules.rater(who, state)
            else:
                rules.moderating(who, state, "add evidence")
            rules.drafting(state, "take new evidence")
            from stocktake.server.workflow.documents import review_data

            data = review_data(state, self._rubric(state))
            data["evidence"] = [*data.get("evidence", []), dict(item)]
            data.pop("ratings", None)
            data.pop("judgments", None)
            try:
                loaded = self.engine.load(data, kinds=("CapacityReview",)).model
            except DocumentError as err:  # located in the request's item, not the document built round it
                raise relocated(err, drop=("evidence", len(data["evidence"]) - 1)) from None
            added = loaded.evidence[-1].model_dump(mode="json", exclude_defaults=True)
            return [("evidence-added", {"reviewer": who.reviewer, "item": added}, "")]
        return self._write(who, review_id, decide)

    def rate(self, who: Principal, review_id: str, component: str, *, level: str | None, rationale: str = "",
             evidence: Sequence[str] = ()) -> ReviewView:
        """Save ``who``'s rating of ``component`` (``level`` None clears it)."""
        return self.rate_many(who, review_id, [{"component": component, "level": level, "rationale": rationale,
                                                "evidence": list(evidence)}])

    def rate_many(self, who: Principal, review_id: str, ratings: list[dict[str, Any]], *,
                  submit: bool = False, reviewer_in_path: str | None = None) -> ReviewView:
        """Save ``who``'s ratings (each ``{component, level, rationale, evidence}``): one event per
        rating that changed, all checked first (every bad one reported, nothing written) and all
        written in one transaction; ``submit``: and submit them, in the same transaction
        (``reviewer_in_path``: the reviewer the request names, which must be ``who``)."""
        def decide(state: ReviewState) -> Planned:
            reviewer = rules.rater(who, state, reviewer_in_path)
            if reviewer in state.submitted:
                raise Conflict(f"{reviewer!r} has submitted their ratings: they are closed (the moderator may "
                               "reopen them)")
            rules.drafting(state, "take ratings")
            saved = state.ratings.get(reviewer, {})
            planned: Planned = []
            for entry in self._checked_ratings(state, ratings):
                component = entry["component"]
                if saved.get(component) != {k: entry[k] for k in ("level", "rationale", "evidence")}:
                    planned.append(("rated", {"reviewer": reviewer, **entry}, ""))
            if submit:
                planned.append(_submission(state, reviewer, [entry for _, entry, _ in planned]))
            return planned
        return self._write(who, review_id, decide)

    def _checked_ratings(self, state: ReviewState, ratings: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``ratings`` with components as ids and levels as codes; every bad value (component,
        level, evidence id, a component twice) raised together, located at ``$.ratings[i]``."""
        from stocktake.core.errors import DocumentErrors

        rubric = self._rubric(state)
        known = {e["id"] for e in state.evidence}
        checked, errors, seen = [], [], set()
        for i, rating in enumerate(ratings):
            try:
                component = rules.item_id(rubric, str(rating.get("component", "")), ("ratings", i, "component"))
                level = rating.get("level")
                code = None if level in (None, "") else rules.level_code(rubric, component, str(level),
                                                                         ("ratings", i, "level"))
                for j, ref in enumerate(rating.get("evidence") or []):
                    if ref not in known:
                        raise DocumentError(f"an evidence id of this review ({', '.join(sorted(known)) or 'none yet'})",
                                            repr(ref), path=("ratings", i, "evidence", j), file="request")
                if component in seen:
                    raise DocumentError("one rating per component", f"a second one for {component!r}",
                                        path=("ratings", i, "component"), file="request")
            except DocumentError as err:
                errors.append(err)
                continue
            seen.add(component)
            checked.append({"component": component, "level": code, "rationale": str(rating.get("rationale") or ""),
                            "evidence": list(rating.get("evidence") or [])})
        if errors:
            raise DocumentErrors(errors) if len(errors) > 1 else errors[0]
        return checked

    def submit_ratings(self, who: Principal, review_id: str, reviewer_in_path: str | None = None) -> ReviewView:
        """``who`` submits their ratings: closed to them from now, and they see the others'
        (``reviewer_in_path``: the reviewer the request names, which must be ``who``)."""
        def decide(state: ReviewState) -> Planned:
            reviewer = rules.rater(who, state, reviewer_in_path)
            rules.drafting(state, "take ratings")
            return [_submission(state, reviewer)]
        return self._write(who, review_id, decide)

    def reopen(self, who: Principal, review_id: str, reviewer: str, reason: str) -> ReviewView:
        """The moderator reopens ``reviewer``'s submitted ratings (with a reason)."""
        def decide(state: ReviewState) -> Planned:
            rules.moderating(who, state, "reopen a reviewer's ratings")
            rules.drafting(state, "reopen ratings")
            why = rules.reason_for(reason, "reopening a reviewer's ratings")
            if reviewer not in state.submitted:
                raise Conflict(f"{reviewer!r} has not submitted ratings in review {state.id!r}: nothing to reopen")
            return [("reopened", {"reviewer": reviewer}, why)]
        return self._write(who, review_id, decide)

    def agree(self, who: Principal, review_id: str, component: str, *, level: str, reason: str,
              agreed_by: Sequence[str] | None = None) -> ReviewView:
        """The moderator records the team's agreed level for ``component``, with a reason; it
        stands over the computed one. ``agreed_by``: reviewer ids (default: those who submitted)."""
        def decide(state: ReviewState) -> Planned:
            rules.moderating(who, state, "record agreed judgments")
            rules.drafting(state, "take agreed judgments")
            rubric = self._rubric(state)
            item = rules.item_id(rubric, component, ("component",))
            code = rules.level_code(rubric, item, level, ("level",))
            why = rules.reason_for(reason, "an agreed judgment")
            team = [r["id"] for r in state.reviewers]
            by = list(agreed_by) if agreed_by else (state.submitted or team)
            unknown = [r for r in by if r not in team]
            if unknown:
                raise DocumentError(f"reviewer ids of this review ({', '.join(team)})", repr(unknown[0]),
                                    path=("agreed_by",), file="request")
            return [("agreed", {"component": item, "level": code, "agreed_by": by}, why)]
        return self._write(who, review_id, decide)

    def withdraw_agreed(self, who: Principal, review_id: str, component: str) -> ReviewView:
        """The moderator withdraws the agreed judgment of ``component``."""
        def decide(state: ReviewState) -> Planned:
            rules.moderating(who, state, "withdraw agreed judgments")
            rules.drafting(state, "change agreed judgments")
            item = rules.item_id(self._rubric(state), component, ("component",))
            if item not in state.agreed:
                raise Conflict(f"review {state.id!r} has no agreed judgment of {item!r} to withdraw")
            return [("agreed-withdrawn", {"component": item}, "")]
        return self._write(who, review_id, decide)

    def transition(self, who: Principal, review_id: str, action: Action, reason: str = "") -> ReviewView:
        """Sign-off: the moderator submits a draft; an approver accepts, rejects or requests changes
        (back to drafting); an approver or admin revokes an acceptance. Reasons are required to
        reject, request changes and revoke; the approver may not be the moderator unless allowed."""
        def decide(state: ReviewState) -> Planned:
            if action not in SIGNOFF:
                raise DocumentError(f"a sign-off action ({', '.join(SIGNOFF)})", repr(action), file="request")
            if action == "submit":
                rules.moderating(who, state, "put a review up for sign-off")
            else:
                rules.signing(who, state, action, allow_self_approval=self.allow_self_approval)
            if state.state != _FROM[action]:
                raise Conflict(f"review {state.id!r} is {state.state}: only a {_FROM[action]} review can be "
                               f"{_DONE[action]}")
            if action == "submit" and not any(r["level"] for r in rules.submitted_ratings(state)):
                raise Conflict(f"no reviewer has submitted ratings in review {state.id!r} yet: nothing to sign off "
                               "(each reviewer rates and submits first)")
            why = rules.reason_for(reason, _REASONED[action]) if action in _REASONED else (reason or "").strip()
            return [(SIGNOFF[action], {}, why)]
        return self._write(who, review_id, decide)


def _submission(state: ReviewState, reviewer: str,
                pending: Sequence[dict[str, Any]] = ()) -> tuple[str, dict[str, Any], str]:
    """The event submitting ``reviewer``'s ratings (with ``pending`` ones about to be saved), if
    they may: not twice, and not with no level rated at all."""
    if reviewer in state.submitted:
        raise Conflict(f"{reviewer!r} has submitted their ratings already")
    levels = {c: r["level"] for c, r in state.ratings.get(reviewer, {}).items()}
    levels.update({entry["component"]: entry["level"] for entry in pending})
    if not any(levels.values()):
        raise Conflict(f"{reviewer!r} has rated no component yet: save at least one rating (PUT "
                       f"/v1/reviews/{state.id}/ratings/{reviewer}) before submitting")
    return ("ratings-submitted", {"reviewer": reviewer}, "")
