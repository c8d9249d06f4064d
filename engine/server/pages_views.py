"""What each page shows, arranged for its template from what the review service returns: the
reviews list, a review as its principal may see it (a reviewer's own rating rows; the scored
review's rows for moderating; the sign-off actions the review's state offers), and its events.

Which forms a page offers follows the principal's role and the review's state, only so that a
page does not show a button whose answer is certain to be "no"; the service decides every action.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, get_args

from stocktake.judgment.evidence import EvidenceKind
from stocktake.review.model import ReviewerRole
from stocktake.server.pages_forms import Form
from stocktake.server.workflow import rules

if TYPE_CHECKING:
    from stocktake.api import Engine
    from stocktake.ledger import Event
    from stocktake.review.result import CapacityReviewResult
    from stocktake.rubric.model import Rubric
    from stocktake.server.identity import Principal
    from stocktake.server.workflow.model import ReviewState, ReviewView
    from stocktake.server.workflow.service import ReviewService

__all__ = ["event_rows", "own_ratings", "review_context", "review_id_of", "reviews_context"]



def review_id_of(state: ReviewState) -> str:
    """The id of the review the service has just started."""
    return state.id


def reviews_context(service: ReviewService, who: Principal, engine: Engine) -> dict[str, Any]:
    """The reviews page: the reviews ``who`` may see and, for a moderator or admin, the create
    form's rubrics (every installed one, ``id@version``) and reviewer roles."""
    reviews = service.list(who)
    rubrics = [{"ref": f"{e.rubric.id}@{e.rubric.version}", "title": e.rubric.title} for e in engine.rubrics()]
    return {"reviews": reviews, "can_create": rules.allowed(rules.creating, who), "rubrics": rubrics,
            "roles": list(get_args(ReviewerRole))}


def own_ratings(view: ReviewView, who: Principal) -> list[dict[str, Any]]:
    """``who``'s own ratings in the review view (drafts included), as plain dicts."""
    return [_rating(r) for r in view.ratings if _rating(r)["reviewer"] == who.reviewer]


def _rating(data: dict[str, Any]) -> dict[str, Any]:
    return {"reviewer": data["reviewer"], "component": data["component"], "level": data.get("level"),
            "rationale": data.get("rationale", ""), "evidence": list(data.get("evidence", []))}


def review_context(service: ReviewService, who: Principal, review_id: str, engine: Engine,
                   posted: Form | None = None) -> dict[str, Any]:
    """The review page for ``who``: the review, their rating rows (a reviewer; with what they
    ``posted`` when the service refused it, so nothing they typed is lost), the submitted ratings
    they may see, the scored review (not for a reviewer still rating), the sign-off."""
    view = service.get(who, review_id)
    rubric_id, _, version = str(view.rubric).partition("@")
    rubric = engine.rubric(rubric_id, version or None).rubric
    submitted = set(view.submitted)
    review = {"id": view.id, "system": view.system, "title": view.title, "date": view.date, "state": view.state,
              "rubric": view.rubric, "moderator": view.moderator, "evidence": list(view.evidence),
              "reviewers": [_reviewer(r, submitted) for r in view.reviewers], "signoff": list(view.signoff)}
    titles = {key: item.title for key, item in _items(rubric).items()}
    context: dict[str, Any] = {"review": review, "rating": None, "scored": None, "signoff": None,
                               "evidence_kinds": list(get_args(EvidenceKind))}
    rating_now = who.role == "reviewer" and who.reviewer not in submitted
    if who.role == "reviewer":
        context["rating"] = _rating_rows(view, who, rubric, can_rate=rating_now and view.state == "drafting",
                                         posted=posted)
    context["submitted_ratings"] = [] if rating_now else [
        {**r, "title": titles.get(r["component"], r["component"])}
        for r in (_rating(x) for x in view.ratings) if r["reviewer"] in submitted]
    if who.role != "reviewer" or not rating_now:
        context["scored"] = _scored(service.scored(who, review_id), who, view, rubric)
    context["signoff"] = _signoff(who, view, allow_self_approval=service.allow_self_approval)
    return context


def _reviewer(data: dict[str, Any], submitted: set[str]) -> dict[str, Any]:
    return {"id": data["id"], "name": data["name"], "role": data["role"],
            "organisation": data.get("organisation", ""), "submitted": data["id"] in submitted}


def _items(rubric: Rubric) -> dict[str, Any]:
    """The rubric's items by id and by code (a rating may name its component either way)."""
    items = {item.id: item for item in rubric.items()}
    items.update({c.code: c for c in rubric.components() if c.code})
    return items


def _levels(rubric: Rubric, item: Any) -> list[tuple[str, str]]:
    return [(level.code, level.label) for level in rubric.scale_of(item).levels]


def _rating_rows(view: ReviewView, who: Principal, rubric: Rubric, *, can_rate: bool,
                 posted: Form | None = None) -> dict[str, Any]:
    """The reviewer's rating form: one row per rubric item (components, then their criteria)
    with the reviewer's own saved level, rationale and evidence ids, or what they ``posted``."""
    items = _items(rubric)
    mine = {items[r["component"]].id if r["component"] in items else r["component"]: r
            for r in own_ratings(view, who)}
    rows = []
    for component in rubric.components():
        for item in (component, *component.criteria):
            saved = mine.get(item.id, {}) if posted is None else {
                "level": posted.text(f"level:{item.id}") or None, "rationale": posted.get(f"rationale:{item.id}"),
                "evidence": [posted.get(f"evidence:{item.id}").strip()] if posted.text(f"evidence:{item.id}") else []}
            rows.append({"id": item.id, "title": item.title, "code": getattr(item, "code", None),
                         "criterion": item is not component, "levels": _levels(rubric, item),
                         "questions": item.key_questions, "descriptors": list(item.descriptors.items()),
                         "level": saved.get("level"), "rationale": saved.get("rationale", ""),
                         "evidence": saved.get("evidence", [])})
    closed = ("You submitted your ratings." if who.reviewer in set(view.submitted)
              else f"The review is {view.state}: ratings are closed.")
    return {"rows": rows, "can_rate": can_rate, "closed": closed}


def _scored(result: CapacityReviewResult, who: Principal, view: ReviewView, rubric: Rubric) -> dict[str, Any]:
    """The scored review for moderating: the report's view model, and one row per component or
    criterion judgment with its ratings, computed and standing levels, flags and agreed judgment."""
    from stocktake.review.views import review_view

    rows = []
    for j in result.judgments:
        if j.subject.kind not in ("component", "criterion"):
            continue
        item = rubric.item(j.subject.id)
        agreed = ({"level": j.override.level, "reason": j.override.reason, "by": list(j.override.by)}
                  if j.override else None)
        rows.append({"id": j.subject.id, "title": j.title, "ratings": j.inputs, "computed": j.computed,
                     "rating": j.rating, "state": j.state, "flags": j.flags, "agreed": agreed,
                     "levels": _levels(rubric, item) if item else []})
    can_moderate = view.state == "drafting" and rules.allowed(rules.moderating, who, _state_of(view), "moderate")
    reopenable = [r for r in view.reviewers if _reviewer(r, set(view.submitted))["submitted"]] if can_moderate else []
    return {"result": result, "view": review_view(result), "rows": rows, "can_agree": can_moderate,
            "can_submit": can_moderate, "reopenable": [_reviewer(r, set()) for r in reopenable]}


def _state_of(view: ReviewView) -> ReviewState:
    """What the service's rules read of a review (its id, moderator and state), from its view."""
    from stocktake.server.workflow.model import ReviewState

    return ReviewState(id=view.id, moderator=view.moderator, state=view.state)


def _signoff(who: Principal, view: ReviewView, *, allow_self_approval: bool) -> dict[str, Any] | None:
    """The sign-off form an approver (or admin) is offered in the review's state, or None (also
    to the review's own moderator, unless the server allows self-approval)."""
    if not rules.allowed(rules.signing, who, _state_of(view), "sign off", allow_self_approval=allow_self_approval):
        return None
    state = view.state
    if state == "submitted":
        return {"intro": "The moderator has put this review up for sign-off.",
                "reason_note": "required to reject or to request changes",
                "actions": [("accept", "Accept"), ("request-changes", "Request changes"), ("reject", "Reject")]}
    if state == "accepted":
        return {"intro": "This review is accepted. Revoking withdraws the acceptance.",
                "reason_note": "required", "actions": [("revoke", "Revoke the acceptance")]}
    return None


def event_rows(events: list[Event]) -> list[dict[str, Any]]:
    """The review's events for the events page: position, time, kind, actor, reason, and the
    event's data as compact JSON (shown as text)."""
    return [{"position": e.position, "recorded_at": e.recorded_at, "kind": e.kind, "actor": e.actor,
             "reason": e.reason, "details": json.dumps(e.data, ensure_ascii=False, sort_keys=True)}
            for e in events]
