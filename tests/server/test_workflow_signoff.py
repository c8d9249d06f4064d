"""The sign-off machine: drafting -> submitted -> accepted | rejected | drafting (changes
requested); accepted -> revoked. Every transition is an event with actor, time and reason; every
other action in every state, and every action by a role that may not take it, is refused with
nothing written. The approver is not the moderator unless the server allows self-approval."""

from __future__ import annotations

import pytest
from workflow_fixtures import ADMIN, APPROVER, MODERATOR, REVIEW, VIEWER, event_count, reviewer, service_on, to_state

from stocktake.core.errors import UsageError
from stocktake.server.identity import Principal
from stocktake.server.workflow.errors import Conflict, Forbidden

STATES = ("drafting", "submitted", "accepted", "rejected", "revoked")
ACTIONS = ("submit", "accept", "reject", "request-changes", "revoke")
LEGAL = {("drafting", "submit"): "submitted", ("submitted", "accept"): "accepted",
         ("submitted", "reject"): "rejected", ("submitted", "request-changes"): "drafting",
         ("accepted", "revoke"): "revoked"}
WHO = {"submit": MODERATOR, "accept": APPROVER, "reject": APPROVER, "request-changes": APPROVER,
       "revoke": APPROVER}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ACTIONS)
def test_each_action_moves_only_the_state_it_belongs_to(tmp_path, state, action):
    service = service_on(tmp_path)
    to_state(service, state)
    before = event_count(service)
    if (state, action) in LEGAL:
        view = service.transition(WHO[action], REVIEW, action, "a reason")
        assert view.state == LEGAL[(state, action)]
        assert event_count(service) == before + 1
        last = service.events(ADMIN, REVIEW)[-1]
        assert (last.actor, last.reason) == (WHO[action].name, "a reason") and last.recorded_at
    else:
        with pytest.raises(Conflict, match=f"review 'north' is {state}"):
            service.transition(WHO[action], REVIEW, action, "a reason")
        assert event_count(service) == before
        assert service.get(ADMIN, REVIEW).state == state


@pytest.mark.parametrize(("action", "state"), [("submit", "drafting"), ("accept", "submitted"),
                                               ("reject", "submitted"), ("request-changes", "submitted"),
                                               ("revoke", "accepted")])
def test_only_the_right_role_takes_each_step(tmp_path, action, state):
    service = service_on(tmp_path)
    to_state(service, state)
    allowed = {"submit": (MODERATOR, ADMIN)}.get(action, (APPROVER, ADMIN))
    others = [MODERATOR, APPROVER, VIEWER, reviewer("du"), Principal("otto", "moderator"), ADMIN]
    before = event_count(service)
    for who in others:
        if who in allowed:
            continue
        with pytest.raises(Forbidden):
            service.transition(who, REVIEW, action, "a reason")
    assert event_count(service) == before


@pytest.mark.parametrize("action", ["reject", "request-changes", "revoke"])
def test_a_reason_is_required_to_reject_request_changes_or_revoke(tmp_path, action):
    service = service_on(tmp_path)
    to_state(service, "accepted" if action == "revoke" else "submitted")
    before = event_count(service)
    for reason in ("", "   "):
        with pytest.raises(UsageError, match="needs a reason"):
            service.transition(APPROVER, REVIEW, action, reason)
    assert event_count(service) == before


def test_the_moderator_may_not_approve_their_own_review(tmp_path):
    service = service_on(tmp_path)
    to_state(service, "submitted")
    moderator_as_approver = Principal(MODERATOR.name, "approver")
    moderator_as_admin = Principal(MODERATOR.name, "admin")
    before = event_count(service)
    for who in (moderator_as_approver, moderator_as_admin):
        with pytest.raises(Forbidden, match="no self-approval"):
            service.transition(who, REVIEW, "accept")
    assert event_count(service) == before


def test_self_approval_is_allowed_when_the_server_is_configured_for_it(tmp_path):
    service = service_on(tmp_path, allow_self_approval=True)
    to_state(service, "submitted")
    assert service.transition(Principal(MODERATOR.name, "approver"), REVIEW, "accept").state == "accepted"


def test_nothing_to_sign_off_until_a_reviewer_has_submitted(tmp_path):
    from workflow_fixtures import rated_review

    service = service_on(tmp_path)
    rated_review(service, submit=())
    with pytest.raises(Conflict, match="no reviewer has submitted"):
        service.transition(MODERATOR, REVIEW, "submit")


def test_changes_requested_reopens_moderation_not_the_reviewers_ratings(tmp_path):
    service = service_on(tmp_path)
    to_state(service, "submitted")
    with pytest.raises(Conflict, match="is submitted"):
        service.agree(MODERATOR, REVIEW, "1A", level="AG", reason="agreed")
    service.transition(APPROVER, REVIEW, "request-changes", "agree 1B first")
    assert service.agree(MODERATOR, REVIEW, "1B", level="AR", reason="the team met").state == "drafting"
    with pytest.raises(Conflict, match="has submitted their ratings"):
        service.rate(reviewer("du"), REVIEW, "1A", level="R")
    service.reopen(MODERATOR, REVIEW, "du", "du asked to revise 1A")
    assert service.rate(reviewer("du"), REVIEW, "1A", level="R").state == "drafting"
    kinds = [e.kind for e in service.events(ADMIN, REVIEW)]
    assert kinds[-4:] == ["submitted", "changes-requested", "agreed", "reopened"]  # du's new draft: not shown
    service.submit_ratings(reviewer("du"), REVIEW)
    kinds = [e.kind for e in service.events(ADMIN, REVIEW)]
    assert kinds[-3:] == ["reopened", "rated", "ratings-submitted"]


def test_after_sign_off_nothing_more_is_written(tmp_path):
    service = service_on(tmp_path)
    to_state(service, "accepted")
    before = event_count(service)
    attempts = [lambda: service.agree(MODERATOR, REVIEW, "1A", level="G", reason="late"),
                lambda: service.withdraw_agreed(MODERATOR, REVIEW, "1A"),
                lambda: service.reopen(MODERATOR, REVIEW, "du", "late"),
                lambda: service.add_evidence(MODERATOR, REVIEW, {"id": "x", "kind": "data", "source": "late"})]
    for attempt in attempts:
        with pytest.raises(Conflict, match="is accepted"):
            attempt()
    assert event_count(service) == before
