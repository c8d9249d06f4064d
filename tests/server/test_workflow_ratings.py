"""Ratings in the review workflow: a reviewer writes only their own, validated against the rubric
(components by id or code, levels of the item's scale, evidence of the review), one event per
rating that changed; no anchoring (a reviewer sees only their own ratings until they have
submitted theirs; everyone sees submitted ratings only); decisions on a state another writer
has moved on are made again, not written over it."""

from __future__ import annotations

import pytest
from workflow_fixtures import (
    ADMIN,
    APPROVER,
    MODERATOR,
    REVIEW,
    TEAM,
    VIEWER,
    event_count,
    rated_review,
    reviewer,
    service_on,
)

from stocktake.core.errors import DocumentError, DocumentErrors
from stocktake.server.identity import Principal
from stocktake.server.workflow.errors import Conflict, Forbidden, NotFound


def created(tmp_path, **options):
    service = service_on(tmp_path, **options)
    service.create(MODERATOR, system="Northshire", rubric="delivery-capacity-review", date="2026-10-15",
                   reviewers=TEAM, review_id=REVIEW)
    return service


def seen_by(service, who):
    return sorted((r["reviewer"], r["component"], r["level"]) for r in service.get(who, REVIEW).ratings)


def test_a_reviewer_sees_only_their_own_ratings_until_they_submit(tmp_path):
    service = service_on(tmp_path)
    rated_review(service, submit=("peer",))
    du = reviewer("du")
    assert {r for r, _, _ in seen_by(service, du)} == {"du"}  # peer has submitted: du still does not see it
    with pytest.raises(Forbidden, match="submit yours first"):
        service.scored(du, REVIEW)
    with pytest.raises(Forbidden, match="no anchoring"):
        service.document_yaml(du, REVIEW)
    with pytest.raises(Forbidden, match="no anchoring"):
        service.ratings_table(du, REVIEW, "csv")
    assert {e.data["reviewer"] for e in service.events(du, REVIEW) if e.kind == "rated"} == {"du"}
    service.submit_ratings(du, REVIEW)
    # now du sees the submitted ones (peer's and their own), not leaders' drafts
    assert {r for r, _, _ in seen_by(service, du)} == {"du", "peer"}
    assert {e.data["reviewer"] for e in service.events(du, REVIEW) if e.kind == "rated"} == {"du", "peer"}
    service.scored(du, REVIEW)


@pytest.mark.parametrize("who", [MODERATOR, APPROVER, ADMIN, VIEWER], ids=lambda p: p.role)
def test_everyone_else_sees_submitted_ratings_only(tmp_path, who):
    service = service_on(tmp_path)
    rated_review(service, submit=("du",))
    assert {r for r, _, _ in seen_by(service, who)} == {"du"}
    assert {e.data["reviewer"] for e in service.events(who, REVIEW) if e.kind == "rated"} == {"du"}
    assert "peer" not in service.document_yaml(who, REVIEW).split("reviewer: ")[1:]  # peer's draft is not in it


def test_a_reviewer_writes_only_their_own_ratings_in_their_own_review(tmp_path):
    service = created(tmp_path)
    before = event_count(service)
    for who in (MODERATOR, APPROVER, ADMIN, VIEWER):
        with pytest.raises(Forbidden, match="only a reviewer enters ratings"):
            service.rate(who, REVIEW, "1A", level="G")
    with pytest.raises(Forbidden, match="not a reviewer of review"):
        service.rate(reviewer("stranger"), REVIEW, "1A", level="G")
    with pytest.raises(NotFound, match="this token is for review 'south' only"):
        service.rate(reviewer("du", review="south"), REVIEW, "1A", level="G")
    with pytest.raises(NotFound):
        service.get(reviewer("du", review="south"), REVIEW)
    assert event_count(service) == before


def test_ratings_are_checked_against_the_rubric_all_at_once_and_nothing_is_written(tmp_path):
    service = created(tmp_path)
    before = event_count(service)
    with pytest.raises(DocumentErrors) as caught:
        service.rate_many(reviewer("du"), REVIEW, [
            {"component": "1A", "level": "G"},
            {"component": "9Z", "level": "G"},
            {"component": "1B", "level": "purple"},
            {"component": "1C", "level": "AG", "evidence": ["nowhere"]},
            {"component": "define-aspiration", "level": "R"}])
    assert [tuple(e.path) for e in caught.value.errors] == [("ratings", 1, "component"), ("ratings", 2, "level"),
                                           ("ratings", 3, "evidence", 0), ("ratings", 4, "component")]
    assert all(e.file == "request" for e in caught.value.errors)
    assert event_count(service) == before


def test_each_changed_rating_is_one_event_and_aliases_are_stored_as_codes(tmp_path):
    service = created(tmp_path)
    du = reviewer("du")
    before = event_count(service)
    service.rate_many(du, REVIEW, [{"component": "1A", "level": "amber-green"}, {"component": "1B", "level": "Red"}])
    assert event_count(service) == before + 2
    view = service.rate_many(du, REVIEW, [{"component": "1A", "level": "AG"}, {"component": "1B", "level": "AR"}])
    assert event_count(service) == before + 3  # 1A did not change
    assert sorted((r["component"], r["level"]) for r in view.ratings) == [
        ("define-aspiration", "AG"), ("review-state-of-delivery", "AR")]
    service.rate(du, REVIEW, "1B", level=None)  # a cleared rating is not in the document
    service.submit_ratings(du, REVIEW)
    assert "review-state-of-delivery" not in service.document_yaml(MODERATOR, REVIEW)


def test_ratings_close_when_submitted(tmp_path):
    service = created(tmp_path)
    du = reviewer("du")
    service.rate(du, REVIEW, "1A", level="G")
    service.submit_ratings(du, REVIEW)
    before = event_count(service)
    with pytest.raises(Conflict, match="has submitted their ratings"):
        service.rate(du, REVIEW, "1A", level="R")
    with pytest.raises(Conflict, match="already"):
        service.submit_ratings(du, REVIEW)
    with pytest.raises(Forbidden):
        service.reopen(reviewer("peer"), REVIEW, "du", "let me")
    assert event_count(service) == before


def test_agreed_judgments_need_the_moderator_a_valid_level_and_a_reason(tmp_path):
    service = service_on(tmp_path)
    rated_review(service)
    before = event_count(service)
    with pytest.raises(Forbidden, match="only the review's moderator"):
        service.agree(Principal("otto", "moderator"), REVIEW, "1A", level="G", reason="x")
    with pytest.raises(DocumentError, match="a level of scale"):
        service.agree(MODERATOR, REVIEW, "1A", level="purple", reason="x")
    with pytest.raises(DocumentError, match="a component or criterion"):
        service.agree(MODERATOR, REVIEW, "nope", level="G", reason="x")
    with pytest.raises(Exception, match="needs a reason"):
        service.agree(MODERATOR, REVIEW, "1A", level="G", reason=" ")
    assert event_count(service) == before
    view = service.agree(MODERATOR, REVIEW, "1A", level="G", reason="the focus groups")
    assert view.agreed == [{"component": "define-aspiration", "level": "G", "reason": "the focus groups",
                            "by": "maria", "agreed_by": ["du", "peer", "leaders"]}]
    assert service.withdraw_agreed(ADMIN, REVIEW, "1A").agreed == []


def test_a_review_id_is_taken_once_and_creating_needs_a_moderator(tmp_path):
    service = created(tmp_path)
    with pytest.raises(Conflict, match="exists already"):
        service.create(ADMIN, system="S", rubric="delivery-capacity-review", date="2026-10-15", reviewers=TEAM,
                       review_id=REVIEW)
    for who in (APPROVER, VIEWER, reviewer("du"), Principal("m2", "moderator", review=REVIEW)):
        with pytest.raises(Forbidden):
            service.create(who, system="S", rubric="delivery-capacity-review", date="2026-10-15", reviewers=TEAM)
    with pytest.raises(DocumentError):
        service.create(MODERATOR, system="S", rubric="delivery-capacity-review", date="someday", reviewers=TEAM)
    generated = service.create(MODERATOR, system="S", rubric="delivery-capacity-review", date="2026-10-15",
                               reviewers=TEAM)
    assert generated.id.startswith("r-") and len(generated.id) == 12
    assert [s.id for s in service.list(VIEWER)] == sorted([REVIEW, generated.id])
    assert [s.id for s in service.list(reviewer("du"))] == [REVIEW]


def test_a_decision_overtaken_by_another_writer_is_made_again(tmp_path, monkeypatch):
    first = created(tmp_path)
    other = service_on(tmp_path)  # another server process on the same ledger
    du = reviewer("du")
    first.rate(du, REVIEW, "1A", level="G")
    append = first._ledger.append_events
    overtaken = []

    def overtake(*args, **kwargs):  # between first's decision and its write, du submits elsewhere
        if not overtaken:
            overtaken.append(other.submit_ratings(du, REVIEW))
        return append(*args, **kwargs)

    monkeypatch.setattr(first._ledger, "append_events", overtake)
    before = event_count(first)
    with pytest.raises(Conflict, match="has submitted"):  # decided again on the new state: refused
        first.rate(du, REVIEW, "1A", level="R")
    assert overtaken and event_count(first) == before + 1  # the other's submission only
    assert first.get(MODERATOR, REVIEW).ratings[0]["level"] == "G"


def test_a_reviewer_who_rated_nothing_cannot_submit_and_nothing_goes_up_for_sign_off(tmp_path):
    service = created(tmp_path)
    du = reviewer("du")
    with pytest.raises(Conflict, match="has rated no component yet: save at least one rating"):
        service.submit_ratings(du, REVIEW)
    service.rate(du, REVIEW, "1A", level=None, rationale="not sure yet")  # a rationale, no level: still nothing
    with pytest.raises(Conflict, match="has rated no component yet"):
        service.rate_many(du, REVIEW, [{"component": "1B", "level": None}], submit=True)
    before = event_count(service)
    with pytest.raises(Conflict, match="no reviewer has submitted ratings"):
        service.transition(MODERATOR, REVIEW, "submit")
    assert event_count(service) == before and service.get(MODERATOR, REVIEW).submitted == []
    view = service.rate_many(du, REVIEW, [{"component": "1B", "level": "AG"}], submit=True)  # saved and submitted
    assert view.submitted == ["du"] and service.transition(MODERATOR, REVIEW, "submit").state == "submitted"


def test_a_reviewer_still_rating_sees_agreed_judgments_and_reopenings_without_their_details(tmp_path):
    service = created(tmp_path)
    du, peer = reviewer("du"), reviewer("peer")
    service.rate(du, REVIEW, "1A", level="G")
    service.submit_ratings(du, REVIEW)
    service.agree(MODERATOR, REVIEW, "1A", level="AR", reason="the team settled on AR")
    service.withdraw_agreed(MODERATOR, REVIEW, "1A")
    service.agree(MODERATOR, REVIEW, "1A", level="AR", reason="the team settled on AR")
    service.reopen(MODERATOR, REVIEW, "du", "1A is AR, look again")
    assert service.get(peer, REVIEW).agreed == [] and service.get(du, REVIEW).agreed == []  # du reopened: rating
    assert service.get(MODERATOR, REVIEW).agreed[0]["level"] == "AR"
    shown = {e.kind: e for e in service.events(peer, REVIEW)}
    for kind in ("agreed", "agreed-withdrawn", "reopened"):
        assert shown[kind].data == {} and shown[kind].reason == "", kind
    own = {e.kind: e for e in service.events(du, REVIEW)}
    assert own["reopened"].reason == "1A is AR, look again" and own["agreed"].data == {}
    assert {e.kind: e for e in service.events(VIEWER, REVIEW)}["agreed"].data["level"] == "AR"


def test_refusals_name_the_role_with_its_article_and_whose_ratings(tmp_path):
    service = created(tmp_path)
    with pytest.raises(Forbidden, match="'amal' is an approver"):
        service.rate(APPROVER, REVIEW, "1A", level="G")
    with pytest.raises(Forbidden, match="'du' may not write the ratings of 'peer'"):  # the path's reviewer
        service.rate_many(reviewer("du"), REVIEW, [{"component": "1A", "level": "G"}], reviewer_in_path="peer")
    with pytest.raises(Forbidden, match="'du' may not write the ratings of 'peer'"):
        service.submit_ratings(reviewer("du"), REVIEW, "peer")
    assert event_count(service) == 1
