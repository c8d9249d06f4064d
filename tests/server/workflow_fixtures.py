"""A review workflow in process for the workflow's tests: a service on a fresh SQLite ledger, the
principals of a review team, and a review taken to each state of its sign-off."""

from __future__ import annotations

from pathlib import Path

from stocktake.api import Engine
from stocktake.ledger import open_ledger
from stocktake.server.identity import Principal
from stocktake.server.workflow.service import ReviewService

__all__ = ["ADMIN", "APPROVER", "MODERATOR", "REVIEW", "TEAM", "VIEWER", "event_count", "rated_review",
           "reviewer", "service_on", "to_state"]

REVIEW = "north"
TEAM = [{"id": "du", "name": "Northshire Delivery Unit", "role": "delivery-unit"},
        {"id": "peer", "name": "Peer reviewer", "role": "independent", "organisation": "Eastvale"},
        {"id": "leaders", "name": "Cabinet", "role": "system-leader"}]
MODERATOR = Principal("maria", "moderator")
APPROVER = Principal("amal", "approver")
ADMIN = Principal("root", "admin")
VIEWER = Principal("vic", "viewer")
RATINGS = {"du": {"1A": "AG", "1B": "AR", "2A": "G"},
           "peer": {"1A": "G", "1B": "R", "2A": "AG"},
           "leaders": {"1A": "AG", "1B": "AR"}}

_ENGINE: Engine | None = None


def engine() -> Engine:
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = Engine()
    return _ENGINE


def service_on(tmp_path: Path, **options: object) -> ReviewService:
    return ReviewService(str(tmp_path / "ledger.sqlite"), engine(), **options)  # type: ignore[arg-type]


def reviewer(reviewer_id: str, review: str = REVIEW) -> Principal:
    return Principal(reviewer_id, "reviewer", review=review, reviewer=reviewer_id)


def event_count(service: ReviewService) -> int:
    """How many events the service's ledger holds, read through a connection of its own."""
    with open_ledger(service._ledger.name) as ledger:
        return len(ledger.events())


def rated_review(service: ReviewService, *, submit: tuple[str, ...] = ("du", "peer", "leaders")) -> None:
    """The review ``north``, created by the moderator, with evidence and each reviewer's ratings
    (those in ``submit`` submitted)."""
    service.create(MODERATOR, system="Northshire Department of Education", rubric="delivery-capacity-review",
                   date="2026-10-15", title="Autumn 2026", reviewers=TEAM, review_id=REVIEW)
    service.add_evidence(reviewer("du"), REVIEW, {"id": "interviews", "kind": "interview",
                                                  "source": "Cabinet interviews", "date": "2026-09-18"})
    for who, levels in RATINGS.items():
        service.rate_many(reviewer(who), REVIEW, [
            {"component": c, "level": level, "rationale": f"{who} on {c}", "evidence": ["interviews"]}
            for c, level in levels.items()])
        if who in submit:
            service.submit_ratings(reviewer(who), REVIEW)


def to_state(service: ReviewService, state: str) -> None:
    """Take a rated review to ``state`` by the legal path."""
    rated_review(service)
    if state == "drafting":
        return
    service.transition(MODERATOR, REVIEW, "submit")
    if state == "accepted" or state == "revoked":
        service.transition(APPROVER, REVIEW, "accept")
    if state == "rejected":
        service.transition(APPROVER, REVIEW, "reject", "not enough evidence")
    if state == "revoked":
        service.transition(APPROVER, REVIEW, "revoke", "accepted in error")
