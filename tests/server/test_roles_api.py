"""Who may do what, over HTTP against a real server process: every role's forbidden actions on the
workflow routes are refused (401 without a valid token, 403 where the role or the reviewer
forbids; a reviewer still rating may not read what would anchor them) and the ledger holds exactly
the events it held before."""

from __future__ import annotations

import pytest

from stocktake.ledger import open_ledger
from stocktake.server.tokens import create_token, list_tokens, revoke_token

R = "/v1/reviews/north"
TEAM = [{"id": "du", "name": "Delivery Unit", "role": "delivery-unit"},
        {"id": "peer", "name": "Peer reviewer", "role": "independent"}]
RATE = {"ratings": [{"component": "1A", "level": "AG", "rationale": "plans exist", "evidence": []}]}
CREATE = {"id": "south", "system": "Southshire", "rubric": "delivery-capacity-review", "date": "2026-10-15",
          "reviewers": TEAM}
AGREE = {"level": "AG", "reason": "the team met"}
WRITES = {
    "create": ("POST", "/v1/reviews", CREATE),
    "evidence": ("POST", f"{R}/evidence", {"id": "survey", "kind": "survey", "source": "District survey"}),
    "rate du": ("PUT", f"{R}/ratings/du", RATE),
    "rate peer": ("PUT", f"{R}/ratings/peer", RATE),
    "submit peer": ("POST", f"{R}/ratings/peer/submit", {}),
    "reopen du": ("POST", f"{R}/ratings/du/reopen", {"reason": "revise"}),
    "agree": ("PUT", f"{R}/agreed/1A", AGREE),
    "withdraw": ("DELETE", f"{R}/agreed/1A", None),
    "submit": ("POST", f"{R}/submit", {"reason": ""}),
    "accept": ("POST", f"{R}/accept", {"reason": "fine"}),
    "reject": ("POST", f"{R}/reject", {"reason": "thin"}),
    "request-changes": ("POST", f"{R}/request-changes", {"reason": "more"}),
    "revoke": ("POST", f"{R}/revoke", {"reason": "error"}),
}
READS = {"get": f"{R}", "scored": f"{R}/scored", "yaml": f"{R}/review.yaml", "csv": f"{R}/ratings.csv",
         "xlsx": f"{R}/ratings.xlsx", "events": f"{R}/events", "list": "/v1/reviews"}
FORBIDDEN = {  # in the review's drafting state: du has submitted, peer is still rating, 1A agreed
    "viewer": [*WRITES],
    "du": ["create", "rate peer", "submit peer", "reopen du", "agree", "withdraw", "submit", "accept",
           "reject", "request-changes", "revoke"],
    "peer": ["create", "rate du", "reopen du", "agree", "withdraw", "submit", "accept", "reject",
             "request-changes", "revoke", "read scored", "read yaml", "read csv", "read xlsx"],
    "moderator": ["rate du", "rate peer", "submit peer", "accept", "reject", "request-changes", "revoke"],
    "other moderator": ["evidence", "reopen du", "agree", "withdraw", "submit", "rate peer"],
    "approver": ["create", "evidence", "rate peer", "submit peer", "reopen du", "agree", "withdraw", "submit"],
    "admin": ["rate du", "rate peer", "submit peer"],
}


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    """A server on a ledger with a token per role and the review ``north`` in drafting."""
    import serving

    tmp_path = tmp_path_factory.mktemp("roles")
    ledger = str(tmp_path / "ledger.db")
    tokens = {name: create_token(ledger, role=role, name=who, review=review, actor="setup")
              for name, role, who, review in [
                  ("viewer", "viewer", "vic", None), ("du", "reviewer", "du", "north"),
                  ("peer", "reviewer", "peer", "north"), ("moderator", "moderator", "maria", None),
                  ("other moderator", "moderator", "otto", None), ("approver", "approver", "amal", None),
                  ("admin", "admin", "root", None), ("revoked", "admin", "gone", None),
                  ("south reviewer", "reviewer", "du", "south")]}
    revoke_token(ledger, list_tokens(ledger)[-2].id, actor="setup")
    server = serving.Server.start(tmp_path, ledger=tmp_path / "ledger.db")
    try:
        def ok(method, path, body, who):
            answer = server.request(method, path, body, token=tokens[who])
            assert answer.status in (200, 201), (path, answer.status, answer.text)
            return answer

        ok("POST", "/v1/reviews", {**CREATE, "id": "north", "system": "Northshire"}, "moderator")
        ok("PUT", f"{R}/ratings/du", RATE, "du")
        ok("POST", f"{R}/ratings/du/submit", {}, "du")
        ok("PUT", f"{R}/ratings/peer", {"ratings": [{"component": "1A", "level": "G"}]}, "peer")
        ok("PUT", f"{R}/agreed/1A", AGREE, "moderator")
        yield server, tokens, ledger
    finally:
        server.kill()


def events_in(ledger):
    with open_ledger(ledger) as opened:
        return len(opened.events())


def attempt(server, name, token):
    if name.startswith("read "):
        return server.request("GET", READS[name.removeprefix("read ")], token=token)
    method, path, body = WRITES[name]
    return server.request(method, path, body, token=token)


@pytest.mark.parametrize("role", list(FORBIDDEN))
def test_each_role_s_forbidden_actions_are_refused_and_change_nothing(team, role):
    server, tokens, ledger = team
    before = events_in(ledger)
    for name in FORBIDDEN[role]:
        answer = attempt(server, name, tokens[role])
        assert answer.status == 403, (role, name, answer.status, answer.text)
        assert answer.json()["error"]["message"]
    assert events_in(ledger) == before


@pytest.mark.parametrize("token", [None, "stk_" + "x" * 32, "not-a-token", "revoked"])
def test_without_a_valid_token_every_workflow_route_is_401(team, token):
    server, tokens, ledger = team
    sent = tokens.get(token, token) if token else None
    before = events_in(ledger)
    for name in [*WRITES, *(f"read {r}" for r in READS)]:
        answer = attempt(server, name, sent)
        assert answer.status == 401, (name, answer.status, answer.text)
        assert answer.header("www-authenticate") == "Bearer"
        said = "a token is needed: send 'Authorization" if sent is None else "this token is unknown or revoked"
        assert answer.json()["error"]["message"].startswith(said), answer.text
    assert events_in(ledger) == before


def test_the_web_cookie_does_not_sign_in_to_the_json_api(team):
    server, tokens, ledger = team
    before = events_in(ledger)
    answer = server.request("PUT", f"{R}/agreed/1B", AGREE, headers={"Cookie": f"stocktake_token={tokens['admin']}"})
    assert answer.status == 401 and events_in(ledger) == before


def test_a_reviewer_token_sees_no_other_review(team):
    server, tokens, ledger = team
    before = events_in(ledger)
    assert attempt(server, "rate du", tokens["south reviewer"]).status == 404
    assert server.request("GET", R, token=tokens["south reviewer"]).status == 404
    assert server.request("GET", "/v1/reviews", token=tokens["south reviewer"]).json() == {"reviews": []}
    assert events_in(ledger) == before


def test_what_each_may_do_is_allowed_and_writes_one_event(team):
    server, tokens, ledger = team
    before = events_in(ledger)
    answer = server.request("POST", f"{R}/evidence", {"id": "plans", "kind": "document", "source": "Plans"},
                            token=tokens["peer"])
    assert answer.status == 200 and events_in(ledger) == before + 1
    assert int(answer.header("stocktake-event-seq") or 0) == before + 1
    seen = answer.json()
    assert [(r["reviewer"], r["level"]) for r in seen["ratings"]] == [("peer", "G")]  # no anchoring
    for who in ("viewer", "moderator", "approver", "admin", "du"):
        for read in ("get", "scored", "yaml", "csv", "events", "list"):
            assert server.request("GET", READS[read], token=tokens[who]).status == 200, (who, read)


def test_a_bad_body_is_a_located_400_and_the_state_a_409(team):
    server, tokens, ledger = team
    before = events_in(ledger)
    answer = server.request("PUT", f"{R}/ratings/peer", {"ratings": [{"component": "1A", "level": "purple"}]},
                            token=tokens["peer"])
    assert answer.status == 400
    (error,) = answer.json()["error"]["errors"]
    assert (error["file"], error["path"]) == ("request", "$.ratings[0].level")
    answer = server.request("PUT", f"{R}/ratings/peer", {"ratings": [], "extra": 1}, token=tokens["peer"])
    assert answer.status == 400 and answer.json()["error"]["errors"][0]["path"] == "$.extra"
    answer = server.request("PUT", f"{R}/ratings/du", RATE, token=tokens["du"])
    assert answer.status == 409 and "has submitted" in answer.json()["error"]["message"]
    answer = server.request("PUT", f"{R}/ratings/peer", "ratings: []", token=tokens["peer"], content_type="text/yaml")
    assert answer.status == 415
    assert events_in(ledger) == before


def test_a_server_without_a_ledger_runs_no_reviews(serve):
    answer = serve().request("GET", "/v1/reviews")
    assert answer.status == 404
    assert answer.json()["error"]["message"] == "this server has no ledger: start it with --ledger to run reviews"


@pytest.mark.parametrize("allowed", [False, True], ids=["default", "allow-self-approval"])
def test_the_moderator_approves_their_own_review_only_where_the_server_allows_it(serve, tmp_path, allowed):
    ledger = str(tmp_path / "ledger.db")
    maria = create_token(ledger, role="moderator", name="maria", actor="setup")
    maria_approving = create_token(ledger, role="approver", name="maria", actor="setup")
    du = create_token(ledger, role="reviewer", name="du", review="north", actor="setup")
    server = serve(ledger=tmp_path / "ledger.db", serve_args=["--allow-self-approval"] if allowed else [])
    assert server.request("POST", "/v1/reviews", {**CREATE, "id": "north"}, token=maria).status == 201
    assert server.request("PUT", f"{R}/ratings/du", RATE, token=du).status == 200
    assert server.request("POST", f"{R}/ratings/du/submit", token=du).status == 200
    assert server.request("POST", f"{R}/submit", token=maria).status == 200
    before = events_in(ledger)
    answer = server.request("POST", f"{R}/accept", {"reason": ""}, token=maria_approving)
    assert answer.status == (200 if allowed else 403), answer.text
    assert events_in(ledger) == before + allowed


@pytest.mark.parametrize("configured", [False, True], ids=["off", "X-Forwarded-User"])
def test_a_trusted_proxy_s_user_has_their_grant_s_role_only_where_configured(serve, tmp_path, configured):
    ledger = str(tmp_path / "ledger.db")
    create_token(ledger, role="moderator", name="maria@example.org", actor="setup", secret=False)
    server = serve(ledger=tmp_path / "ledger.db",
                   serve_args=["--trusted-proxy-header", "X-Forwarded-User"] if configured else [])
    as_maria = {"X-Forwarded-User": "maria@example.org"}
    created = server.request("POST", "/v1/reviews", {**CREATE, "id": "north"}, headers=as_maria)
    assert created.status == (201 if configured else 401), created.text
    if configured:
        assert created.json()["moderator"] == "maria@example.org"
        stranger = server.request("GET", "/v1/reviews", headers={"X-Forwarded-User": "mallory"})
        assert stranger.status == 401
    assert events_in(ledger) == 1 + configured  # the grant (and the review, where the header is trusted)


def test_a_reviewer_still_rating_sees_no_agreed_judgment_nor_its_events_details(team):
    server, tokens, _ = team  # 1A agreed by the moderator; peer has not submitted
    seen = server.request("GET", R, token=tokens["peer"]).json()
    assert seen["agreed"] == []
    events = server.request("GET", f"{R}/events", token=tokens["peer"]).json()["events"]
    agreed = [e for e in events if e["kind"] == "agreed"]
    assert agreed and all(e["data"] == {} and e["reason"] == "" for e in agreed)
    assert "the team met" not in server.request("GET", f"{R}/events", token=tokens["peer"]).text
    for read in ("scored", "yaml", "csv", "xlsx"):  # what would show the agreed levels is refused
        answer = server.request("GET", READS[read], token=tokens["peer"])
        assert answer.status == 403 and "submit yours first" in answer.json()["error"]["message"], read
    assert server.request("GET", R, token=tokens["du"]).json()["agreed"][0]["level"] == "AG"  # du has submitted


def test_no_workflow_answer_is_kept_by_a_cache(team):
    server, tokens, _ = team
    for read, path in READS.items():
        answer = server.request("GET", path, token=tokens["moderator"])
        assert answer.status == 200 and answer.header("cache-control") == "no-store", read
    refused = server.request("GET", READS["scored"], token=tokens["peer"])
    assert refused.status == 403 and refused.header("cache-control") == "no-store"
    written = server.request("PUT", f"{R}/agreed/2A", AGREE, token=tokens["moderator"])
    assert written.status == 200 and written.header("cache-control") == "no-store"


def test_a_bad_body_is_worded_as_a_document_s_errors_at_its_line_and_column(team):
    server, tokens, ledger = team
    before = events_in(ledger)

    def errors(method, path, text, who="moderator"):
        answer = server.request(method, path, text, token=tokens[who], content_type="application/json")
        assert answer.status == 400, answer.text
        return [(e["file"], e["line"], e["column"], e["path"], e["expected"], e["found"])
                for e in answer.json()["error"]["errors"]]

    assert errors("PUT", f"{R}/agreed/1B", '{"level": "AG",\n "extra": 1}') == [
        ("request", 2, 2, "$.extra", "one of the properties agreed_by, level, reason", "unknown property 'extra'"),
        ("request", 1, 1, "$", "property 'reason'", "a mapping without it")]
    assert errors("PUT", f"{R}/ratings/peer", '{"ratings": [\n  {"level": 3}]}', "peer") == [
        ("request", 2, 13, "$.ratings[0].level", "text", "3"),
        ("request", 2, 3, "$.ratings[0]", "property 'component'", "a mapping without it")]
    assert errors("POST", "/v1/reviews", "[]") == [("request", 1, 1, "$", "a mapping", "an empty list")]
    created = errors("POST", "/v1/reviews", '{"system": "S", "rubric": "delivery-capacity-review", "date": "2026-13-45",'
                                            ' "reviewers": [{"id": "a", "name": "A", "role": "delivery-unit"}]}')
    assert [(e[0], e[3]) for e in created] == [("request", "$.date")]
    evidence = errors("POST", f"{R}/evidence", '{"id": "e9", "kind": "survey", "source": "S", "date": "soon"}')
    assert [(e[0], e[3]) for e in evidence] == [("request", "$.date")]
    assert events_in(ledger) == before


def test_the_stateless_routes_say_too_whether_the_token_is_unknown_or_missing(team):
    server, tokens, _ = team
    for token, said in ((None, "a token is needed"), (tokens["revoked"], "this token is unknown or revoked"),
                        ("stk_" + "x" * 32, "this token is unknown or revoked")):
        answer = server.request("GET", "/v1/rubrics", token=token)
        assert answer.status == 401 and answer.json()["error"]["message"].startswith(said), answer.text
