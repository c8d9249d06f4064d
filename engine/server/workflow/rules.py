"""Who may do what to a review in which state: each check raises the workflow's refusal
(:class:`Forbidden` 403, :class:`NotFound` 404, :class:`Conflict` 409) or a located error for a
bad value, before anything is written. The service calls these under its lock on the state it
is about to append to."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from stocktake.core.errors import DocumentError, UsageError
from stocktake.server.workflow.errors import Conflict, Forbidden, NotFound

if TYPE_CHECKING:
    from stocktake.rubric.model import Rubric
    from stocktake.server.identity import Principal
    from stocktake.server.workflow.model import ReviewState

__all__ = ["CREATORS", "a_role", "allowed", "can_see_ratings", "check_visible", "creating", "drafting", "item_id",
           "level_code", "moderating", "rater", "reason_for", "signing", "submitted_ratings", "visible_ratings"]

READERS = ("viewer", "moderator", "approver", "admin")
CREATORS = ("moderator", "admin")


def a_role(role: str) -> str:
    """``role`` with its article: "an approver", "a viewer"."""
    return ("an " if role[:1] in "aeiou" else "a ") + role


def allowed(check: Callable[..., object], *args: Any, **options: Any) -> bool:
    """Whether ``check`` (one of these rules) lets it pass: for offering only the forms whose
    answer is not certain to be "no" (the service still decides)."""
    try:
        check(*args, **options)
    except (Forbidden, Conflict):
        return False
    return True


def creating(who: Principal) -> None:
    """Only a moderator or an admin, with a token not bound to one review, creates reviews."""
    if who.role not in CREATORS or who.review is not None:
        raise Forbidden(f"only a moderator or an admin creates reviews; {who.name!r} is {a_role(who.role)}"
                        + (" bound to one review" if who.review else ""))


def check_visible(who: Principal, review_id: str) -> None:
    """A token bound to another review sees no other (as if it did not exist)."""
    if who.review is not None and who.review != review_id:
        raise NotFound(f"no review {review_id!r} (this token is for review {who.review!r} only)")


def _reviewer_ids(state: ReviewState) -> list[str]:
    return [r["id"] for r in state.reviewers]


def rater(who: Principal, state: ReviewState, reviewer: str | None = None) -> str:
    """The reviewer id ``who`` rates as: a reviewer of this review, rating only their own
    (``reviewer``, if named, must be them)."""
    if who.role != "reviewer" or who.reviewer is None:
        raise Forbidden(f"only a reviewer enters ratings; {who.name!r} is {a_role(who.role)}")
    if who.reviewer not in _reviewer_ids(state):
        raise Forbidden(f"{who.reviewer!r} is not a reviewer of review {state.id!r}")
    if reviewer is not None and reviewer != who.reviewer:
        raise Forbidden(f"a reviewer writes only their own ratings: {who.reviewer!r} may not write the ratings of "
                        f"{reviewer!r}")
    return who.reviewer


def moderating(who: Principal, state: ReviewState, what: str) -> None:
    """Only the review's moderator (or an admin) moderates it."""
    if who.role == "admin" or (who.role == "moderator" and who.name == state.moderator):
        return
    if who.role == "moderator":
        raise Forbidden(f"only the review's moderator ({state.moderator!r}) or an admin may {what}")
    raise Forbidden(f"only the review's moderator or an admin may {what}; {who.name!r} is {a_role(who.role)}")


def signing(who: Principal, state: ReviewState, action: str, *, allow_self_approval: bool) -> None:
    """An approver (or an admin) signs off, and not on a review they moderate unless the server
    allows self-approval."""
    if who.role not in ("approver", "admin"):
        raise Forbidden(f"only an approver or an admin may {action} a review; {who.name!r} is {a_role(who.role)}")
    if who.name == state.moderator and not allow_self_approval:
        raise Forbidden(f"{who.name!r} moderates review {state.id!r} and may not also sign it off (no "
                        "self-approval; a server started with --allow-self-approval permits it)")


def drafting(state: ReviewState, what: str) -> None:
    if state.state != "drafting":
        raise Conflict(f"review {state.id!r} is {state.state}: it cannot {what} now (only while drafting)")


def reason_for(reason: str, what: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise UsageError(f"{what} needs a reason: give one (\"reason\": \"...\")")
    return text


def item_id(rubric: Rubric, ref: str, path: Sequence[str | int] = ()) -> str:
    """The id of the rubric item ``ref`` names (by its id or its code)."""
    for item in rubric.items():
        if ref in (item.id, getattr(item, "code", None)):
            return item.id
    known = ", ".join(item.id for item in rubric.items())
    raise DocumentError(f"a component or criterion of rubric {rubric.id} {rubric.version} ({known})", repr(ref),
                        path=tuple(path), file="request")


def level_code(rubric: Rubric, item: str, level: str, path: Sequence[str | int] = ()) -> str:
    """``level``'s code on the scale of the item ``item`` (an id)."""
    found = rubric.item(item)
    scale = rubric.scale_of(found)  # type: ignore[arg-type]
    code = scale.resolve(level)
    if code is None:
        raise DocumentError(f"a level of scale {scale.id!r} ({scale.describe_codes()})", repr(level),
                            path=tuple(path), file="request")
    return code


def can_see_ratings(who: Principal, state: ReviewState) -> bool:
    """No anchoring: a reviewer sees others' ratings (and the scored review) only once they have
    submitted their own; everyone else sees submitted ratings."""
    if who.role == "reviewer":
        return who.reviewer in state.submitted
    return who.role in READERS


def visible_ratings(who: Principal, state: ReviewState) -> list[dict[str, Any]]:
    """The ratings ``who`` may see, reviewer by reviewer (in the team's order): their own (drafts included) for a
    reviewer, and the submitted ratings of others once they may see them."""
    shown = []
    for reviewer in _reviewer_ids(state):
        own = who.role == "reviewer" and reviewer == who.reviewer
        if not own and not (reviewer in state.submitted and can_see_ratings(who, state)):
            continue
        for component, rating in state.ratings.get(reviewer, {}).items():
            if own or rating["level"] is not None:
                shown.append({"reviewer": reviewer, "component": component, **rating})
    return shown


def submitted_ratings(state: ReviewState) -> list[dict[str, Any]]:
    """Every submitted reviewer's ratings (``{reviewer, component, level, ...}``)."""
    return [{"reviewer": reviewer, "component": component, **rating}
            for reviewer in state.submitted for component, rating in state.ratings.get(reviewer, {}).items()]
