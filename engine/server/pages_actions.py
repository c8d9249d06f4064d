"""What each page form asks of the review service: the form's fields turned into the service's
arguments, nothing decided here (the service checks the principal, the review's state and every
value). Each action returns the key of the notice the page shows after the redirect.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast

from stocktake.core.errors import DocumentError, DocumentErrors, ManyErrors, UsageError
from stocktake.server.pages_forms import Form
from stocktake.server.workflow.model import ACTIONS

if TYPE_CHECKING:
    from stocktake.server.identity import Principal
    from stocktake.server.workflow.model import Action, ReviewState
    from stocktake.server.workflow.service import ReviewService

__all__ = ["Form", "add_evidence", "agree", "create", "reopen", "reviewers_from", "save_ratings", "transition"]

_IDS = re.compile(r"[\s,;]+")



def reviewers_from(text: str) -> list[dict[str, str]]:
    """The create form's reviewers, one a line ``id, name, role, organisation`` (organisation
    optional; blank lines skipped), as the service's reviewer entries."""
    reviewers = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(",")]
        if len(parts) < 3:
            raise UsageError(f"reviewers, line {number}: expected 'id, name, role' (and an organisation), "
                             f"found {line.strip()!r}")
        entry = {"id": parts[0], "name": parts[1], "role": parts[2]}
        if len(parts) > 3 and ",".join(parts[3:]).strip():
            entry["organisation"] = ", ".join(parts[3:])
        reviewers.append(entry)
    return reviewers


def create(service: ReviewService, who: Principal, form: Form) -> ReviewState:
    """Start a review from the reviews page's form; returns the service's new review state."""
    return service.create(who, system=form.text("system"), rubric=form.text("rubric"), date=form.text("date"),
                          title=form.text("title"), reviewers=reviewers_from(form.get("reviewers")),
                          review_id=form.text("review_id") or None)


def _evidence_ids(text: str) -> list[str]:
    return [part for part in _IDS.split(text) if part]


def save_ratings(service: ReviewService, who: Principal, review_id: str, form: Form) -> str:
    """Save the rating form's rows (``level:<item>``, ``rationale:<item>``, ``evidence:<item>``):
    every row with something in it, and every row the reviewer had rated before (so clearing a
    row clears its rating); then, for the submit button, submit the reviewer's ratings."""
    before = {r["component"] for r in _own_ratings(service, who, review_id)}
    ratings = []
    for name in form.names():
        if not name.startswith("level:"):
            continue
        item = name.removeprefix("level:")
        level = form.text(name) or None
        rationale = form.get(f"rationale:{item}").strip()
        evidence = _evidence_ids(form.get(f"evidence:{item}"))
        if level or rationale or evidence or item in before:
            ratings.append({"component": item, "level": level, "rationale": rationale, "evidence": evidence})
    submit = form.get("action") == "submit"
    if submit and not ratings:
        service.submit_ratings(who, review_id)
    elif ratings:  # saved and (for the submit button) submitted in one transaction: all or nothing
        try:
            service.rate_many(who, review_id, ratings, submit=submit)
        except DocumentError as err:
            raise _by_item(err, ratings, service, who, review_id) from None
    return "submitted-ratings" if submit else "saved"


def _by_item(err: DocumentError, ratings: list[dict[str, Any]], service: ReviewService, who: Principal,
             review_id: str) -> ManyErrors:
    """The service's errors about ``$.ratings[i]`` as the form's rows name them: the rubric item's
    code and title (``4A Routines: level: expected ..., found ...``)."""
    rubric_id, _, version = service.get(who, review_id).rubric.partition("@")
    rubric = service.engine.rubric(rubric_id, version or None).rubric
    titles = {item.id: " ".join(p for p in (getattr(item, "code", None), item.title) if p) for item in rubric.items()}
    lines = []
    for e in err.errors if isinstance(err, DocumentErrors) else [err]:
        path = e.path
        if len(path) >= 2 and path[0] == "ratings" and isinstance(path[1], int) and path[1] < len(ratings):
            item = str(ratings[path[1]]["component"])
            where = ": ".join([titles.get(item, item), *(str(part) for part in path[2:3])])
            lines.append(UsageError(f"{where}: expected {e.expected}, found {e.found}"))
        else:
            lines.append(UsageError(str(e)))
    return ManyErrors(lines)


def _own_ratings(service: ReviewService, who: Principal, review_id: str) -> list[dict[str, Any]]:
    from stocktake.server.pages_views import own_ratings

    return own_ratings(service.get(who, review_id), who)


def add_evidence(service: ReviewService, who: Principal, review_id: str, form: Form) -> str:
    """Add the evidence form's item (id, kind, source, date, summary; empty ones left out)."""
    item = {name: form.text(name) for name in ("id", "kind", "source", "date", "summary") if form.text(name)}
    service.add_evidence(who, review_id, item)
    return "evidence"


def agree(service: ReviewService, who: Principal, review_id: str, form: Form) -> str:
    """Record (``action=agree``) or withdraw (``action=withdraw``) the agreed judgment of the
    form's component."""
    component = form.text("component")
    if form.get("action") == "withdraw":
        service.withdraw_agreed(who, review_id, component)
        return "withdrawn"
    service.agree(who, review_id, component, level=form.text("level"), reason=form.text("reason"))
    return "agreed"


def reopen(service: ReviewService, who: Principal, review_id: str, form: Form) -> str:
    """Reopen the form's reviewer's submitted ratings, with the form's reason."""
    service.reopen(who, review_id, form.text("reviewer"), form.text("reason"))
    return "reopened"


def transition(service: ReviewService, who: Principal, review_id: str, form: Form) -> str:
    """Move the review through sign-off (submit, accept, reject, request-changes, revoke)."""
    action = form.text("action")
    if action not in ACTIONS:
        raise UsageError(f"the sign-off action {action!r} is not one of {', '.join(ACTIONS)}")
    service.transition(who, review_id, cast("Action", action), form.text("reason"))
    return action
