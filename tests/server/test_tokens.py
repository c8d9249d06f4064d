"""API tokens: shown once, kept only as their sha256 (the secret is nowhere in the ledger's file),
bound to a role (and a reviewer's to one review), refused once revoked; grants give a trusted
proxy's user a role without any secret; identity reads a bearer token, the web's cookie, or the
proxy header only when one is configured."""

from __future__ import annotations

import pytest
from workflow_fixtures import engine

from stocktake.core.errors import UsageError
from stocktake.ledger import open_ledger
from stocktake.server.identity import Principal, principal_from
from stocktake.server.tokens import create_token, hash_token, list_tokens, revoke_token, verify_token
from stocktake.server.workflow.service import ReviewService


@pytest.fixture
def target(tmp_path):
    return str(tmp_path / "ledger.sqlite")


def test_a_token_is_stored_hashed_and_never_as_itself(target, tmp_path):
    token = create_token(target, role="moderator", name="maria", actor="admin")
    assert token.startswith("stk_") and len(token) == 4 + 32
    with open_ledger(target) as ledger:
        assert verify_token(ledger, token) == Principal("maria", "moderator")
        (event,) = ledger.events("tokens")
        assert event.data["hash"] == hash_token(token) and token not in repr(event)
    files = list(tmp_path.iterdir())  # the database (and a write-ahead log, if one is left)
    assert any(hash_token(token).encode() in path.read_bytes() for path in files)  # looking in the right place
    for path in files:
        raw = path.read_bytes()
        assert token.encode() not in raw and token[4:].encode() not in raw


def test_an_unknown_a_mangled_and_a_revoked_token_are_refused(target):
    token = create_token(target, role="viewer", name="vic", actor="admin")
    other = create_token(target, role="viewer", name="val", actor="admin")
    (info, _) = list_tokens(target)
    with open_ledger(target) as ledger:
        assert verify_token(ledger, "stk_" + "A" * 32) is None
        assert verify_token(ledger, token[:-1]) is None
        assert verify_token(ledger, token.removeprefix("stk_")) is None
    revoked = revoke_token(target, info.id, actor="admin", reason="left the team")
    assert revoked.revoked and [t.revoked for t in list_tokens(target)] == [True, False]
    with open_ledger(target) as ledger:
        assert verify_token(ledger, token) is None
        assert verify_token(ledger, other) == Principal("val", "viewer")


def test_a_running_service_sees_revocation_at_once(target):
    token = create_token(target, role="approver", name="amal", actor="admin")
    service = ReviewService(target, engine())
    assert service.principal_for_token(token) == Principal("amal", "approver")
    revoke_token(target, list_tokens(target)[0].id, actor="admin")  # another process: the CLI
    assert service.principal_for_token(token) is None
    assert principal_from({"Authorization": f"Bearer {token}"}, {}, service) is None


def test_a_reviewer_token_is_bound_to_one_review_as_that_reviewer(target):
    with pytest.raises(UsageError, match="give --review ID"):
        create_token(target, role="reviewer", name="du", actor="admin")
    token = create_token(target, role="reviewer", name="du", review="north", actor="admin")
    with open_ledger(target) as ledger:
        assert verify_token(ledger, token) == Principal("du", "reviewer", review="north", reviewer="du")


@pytest.mark.parametrize(("role", "name"), [("owner", "x"), ("viewer", ""), ("viewer", "a b"), ("viewer", "-x")])
def test_a_bad_role_or_name_is_refused_and_nothing_is_written(target, role, name):
    with pytest.raises(UsageError):
        create_token(target, role=role, name=name, actor="admin")
    with open_ledger(target) as ledger:
        assert ledger.events() == []


def test_identity_from_header_cookie_and_only_a_configured_proxy_header(target):
    token = create_token(target, role="viewer", name="vic", actor="admin")
    grant = create_token(target, role="approver", name="amal@example.org", actor="admin", secret=False)
    assert grant.startswith("t-") and not list_tokens(target)[1].secret
    plain = ReviewService(target, engine())
    proxied = ReviewService(target, engine(), trusted_proxy_header="X-Forwarded-User")
    vic = Principal("vic", "viewer")
    assert principal_from({"authorization": f"Bearer {token}"}, {}, plain) == vic
    assert principal_from({}, {"stocktake_token": token}, plain) == vic
    assert principal_from({"X-Forwarded-User": "amal@example.org"}, {}, plain) is None  # not configured
    assert principal_from({"x-forwarded-user": "amal@example.org"}, {}, proxied) == Principal(
        "amal@example.org", "approver")
    assert principal_from({"X-Forwarded-User": "nobody"}, {}, proxied) is None
    assert principal_from({"Authorization": "Basic dmljOnNlY3JldA=="}, {}, plain) is None
    assert principal_from({}, {}, None) is None


def test_a_token_for_a_review_not_yet_created_is_warned_of(target):
    from workflow_fixtures import MODERATOR, TEAM

    from stocktake.server.tokens import review_warning

    create_token(target, role="reviewer", name="du", review="north", actor="admin")
    warning = review_warning(target, "north")
    assert warning and "has no review 'north' yet" in warning and "check the spelling" in warning
    assert review_warning(target, None) is None
    service = ReviewService(target, engine())
    service.create(MODERATOR, system="S", rubric="delivery-capacity-review", date="2026-10-15", reviewers=TEAM,
                   review_id="north")
    service.close()
    assert review_warning(target, "north") is None and review_warning(target, "nort") is not None


def test_the_refusal_says_whether_a_token_was_sent_and_is_unknown_or_revoked():
    from stocktake.server.identity import refusal

    assert refusal({}).startswith("a token is needed: send 'Authorization: Bearer <token>'")
    assert refusal({"Authorization": "Bearer stk_nope"}).startswith("this token is unknown or revoked")
    assert refusal({}, {"stocktake_token": "stk_nope"}).startswith("this token is unknown or revoked")

    class Proxy:
        trusted_proxy_header = "X-Forwarded-User"

    assert "'sam' has no grant" in refusal({"x-forwarded-user": "sam"}, {}, Proxy())  # type: ignore[arg-type]
