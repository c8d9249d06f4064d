"""What the workflow's requests carry (pydantic models, unknown fields refused) and what its
answers are: a review's summary, and the review as one principal may see it."""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from stocktake.core.models import Model

__all__ = ["ACTIONS", "STATES", "AgreedIn", "EvidenceIn", "RatingIn", "RatingsIn", "ReasonIn", "ReviewCreate",
           "ReviewState", "ReviewSummary", "ReviewView", "ReviewerIn"]

Action = Literal["submit", "accept", "reject", "request-changes", "revoke"]
"""The sign-off actions (``POST /v1/reviews/{id}/{action}``): this is their one definition."""
ACTIONS: tuple[str, ...] = get_args(Action)
State = Literal["drafting", "submitted", "accepted", "rejected", "revoked"]
STATES: tuple[str, ...] = ("drafting", "submitted", "accepted", "rejected", "revoked")


class ReviewerIn(Model):
    """A member of the review team (as a CapacityReview's ``reviewers``)."""

    id: str
    name: str
    role: str
    organisation: str = ""


class ReviewCreate(Model):
    """``POST /v1/reviews``: the system, the rubric (``ID`` or ``ID@VERSION``), the review's date,
    the team; an id (a slug) if the caller chooses one."""

    system: str
    rubric: str
    date: str
    title: str = ""
    reviewers: list[ReviewerIn] = Field(min_length=1)
    id: str | None = None


class EvidenceIn(Model):
    """``POST /v1/reviews/{id}/evidence``: an evidence item (as a CapacityReview's ``evidence``)."""

    id: str
    kind: str
    source: str
    date: str | None = None
    summary: str = ""


class RatingIn(Model):
    """One rating: a rubric item (id or code), a level of its scale (null: clear the rating)."""

    component: str
    level: str | None = None
    rationale: str = ""
    evidence: list[str] = Field(default_factory=list)


class RatingsIn(Model):
    """``PUT /v1/reviews/{id}/ratings/{reviewer}``."""

    ratings: list[RatingIn]


class AgreedIn(Model):
    """``PUT /v1/reviews/{id}/agreed/{component}``: the agreed level and why; who agreed (reviewer
    ids; default: the reviewers who have submitted their ratings)."""

    level: str
    reason: str
    agreed_by: list[str] | None = None


class ReasonIn(Model):
    """A sign-off action's or a reopening's reason."""

    reason: str = ""


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _ReviewHeading(_Answer):
    """What every answer about a review opens with."""

    id: str
    system: str
    title: str
    date: str
    rubric: str
    """``ID@VERSION``."""
    moderator: str
    state: State


class ReviewSummary(_ReviewHeading):
    """A review in the list."""

    reviewers: int
    submitted: int
    """How many reviewers have submitted their ratings."""


class ReviewState(_Answer):
    """A review folded from its events: everything, drafts included (the service shows each
    principal a :class:`ReviewView` of it)."""

    id: str
    position: int = 0
    """The last event's position in the review's stream."""
    last_seq: int = 0
    system: str = ""
    title: str = ""
    date: str = ""
    rubric: str = ""
    moderator: str = ""
    state: State = "drafting"
    reviewers: list[dict[str, Any]] = Field(default_factory=list)
    evidence: list[dict[str, Any]] = Field(default_factory=list)
    ratings: dict[str, dict[str, dict[str, Any]]] = Field(default_factory=dict)
    """reviewer id -> component id -> {level, rationale, evidence} (their latest save)."""
    submitted: list[str] = Field(default_factory=list)
    """Reviewer ids who have submitted their ratings, in the order they did."""
    agreed: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """component id -> {level, reason, by, agreed_by}."""
    signoff: list[dict[str, Any]] = Field(default_factory=list)
    """Each sign-off event: {action, actor, reason, recorded_at}."""


class ReviewView(_ReviewHeading):
    """A review as one principal may see it: a reviewer still rating sees only their own ratings;
    anyone else sees only submitted ratings."""

    reviewers: list[dict[str, Any]]
    evidence: list[dict[str, Any]]
    ratings: list[dict[str, Any]]
    """{reviewer, component, level, rationale, evidence} each."""
    submitted: list[str]
    agreed: list[dict[str, Any]]
    """{component, level, reason, by, agreed_by} each."""
    signoff: list[dict[str, Any]]
    position: int
    last_seq: int
