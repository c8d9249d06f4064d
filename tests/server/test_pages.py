"""The review pages against a real server process, over HTTP as a browser sends it (a cookie, a
urlencoded form): signing in, CSRF refused without the form's token or with another's (nothing
changed), a rationale with markup shown as text, the content security policy on every page, no
anchoring, and the bounds on a form body."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
import serving
import team

REVIEW = "pages"
CREW = [{"id": "dana", "name": "Dana Unit", "role": "delivery-unit"},
        {"id": "ira", "name": "Ira Independent", "role": "independent"}]
FORM = "application/x-www-form-urlencoded"
CSP = ("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
CSRF = re.compile(r'name="csrf" value="([0-9a-f]{64})"')


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pages")
    ledger = folder / "ledger.sqlite"
    tokens = team.make_tokens(ledger, REVIEW, CREW, staff=(("maria", "moderator"), ("aled", "approver"),
                                                           ("vera", "viewer")))
    server = serving.Server.start(folder, ledger=ledger)
    fields = {"system": "Northshire", "rubric": team.RUBRIC, "date": "2026-06-30", "title": "", "review_id": REVIEW,
              "reviewers": "\n".join(f"{r['id']}, {r['name']}, {r['role']}" for r in CREW),
              "csrf": csrf_of(server, "/reviews", tokens["maria"])}
    created = post(server, "/reviews", tokens["maria"], fields)
    assert created.status == 303 and created.headers["location"] == f"/reviews/{REVIEW}?done=created", created.body
    yield server, tokens, ledger
    server.stop()


def cookie(token: str) -> dict[str, str]:
    return {"Cookie": f"stocktake_token={token}"}


def get(server, path: str, token: str):
    return server.request("GET", path, headers=cookie(token))


def post(server, path: str, token: str, fields: dict[str, str], content_type: str = FORM):
    return server.request("POST", path, body=urlencode(fields).encode(),
                          headers={**cookie(token), "Content-Type": content_type})


def csrf_of(server, path: str, token: str, action: str | None = None) -> str:
    """The CSRF token of the form posting to ``action`` (default: ``path``'s first form but the
    sign-out form) on the page at ``path``."""
    page = get(server, path, token)
    assert page.status == 200, page.body
    html = page.body.decode()
    start = html.index(f'action="{action}"') if action else html.index("</nav>")
    found = CSRF.search(html, start)
    assert found, "the page has no form with a CSRF token"
    return found[1]


def ratings(component: str, level: str, rationale: str) -> dict[str, str]:
    return {f"level:{component}": level, f"rationale:{component}": rationale, f"evidence:{component}": "",
            "action": "save"}


def first_component() -> str:
    from stocktake.api import Engine

    return next(Engine().rubric("delivery-capacity-review", "1.0.0").rubric.components()).id


def test_sign_in_sets_a_cookie_no_script_reads_and_no_other_site_sends(site):
    server, tokens, _ = site
    form = server.request("GET", "/login")
    assert form.status == 200
    nonce = re.search(r"stocktake_login=([^;]+)", form.headers["set-cookie"])[1]
    csrf = CSRF.search(form.body.decode())[1]
    answer = server.request("POST", "/login", body=urlencode({"csrf": csrf, "token": tokens["dana"]}).encode(),
                            headers={"Content-Type": FORM, "Cookie": f"stocktake_login={nonce}"})
    assert answer.status == 303 and answer.headers["location"] == "/reviews"
    set_cookie = answer.headers["set-cookie"]
    assert f"stocktake_token={tokens['dana']}" in set_cookie
    assert "HttpOnly" in set_cookie and "SameSite=strict" in set_cookie.replace("Strict", "strict")
    assert "Path=/" in set_cookie


def test_sign_in_refuses_an_unknown_token_and_a_missing_csrf(site):
    server, tokens, _ = site
    form = server.request("GET", "/login")
    nonce = re.search(r"stocktake_login=([^;]+)", form.headers["set-cookie"])[1]
    csrf = CSRF.search(form.body.decode())[1]
    headers = {"Content-Type": FORM, "Cookie": f"stocktake_login={nonce}"}
    wrong = server.request("POST", "/login", body=urlencode({"csrf": csrf, "token": "stk_" + "x" * 32}).encode(),
                           headers=headers)
    assert wrong.status == 401 and "stocktake_token" not in wrong.headers.get("set-cookie", "")
    forged = server.request("POST", "/login", body=urlencode({"token": tokens["dana"]}).encode(), headers=headers)
    assert forged.status == 403 and "stocktake_token" not in forged.headers.get("set-cookie", "")


def test_a_post_without_the_csrf_token_or_with_anothers_changes_nothing(site):
    server, tokens, ledger = site
    component = first_component()
    before = len(team.rated_events(ledger, REVIEW))
    path = f"/reviews/{REVIEW}/ratings"
    missing = post(server, path, tokens["dana"], ratings(component, "G", "forged"))
    others = post(server, path, tokens["dana"], {**ratings(component, "G", "forged"),
                                                 "csrf": csrf_of(server, f"/reviews/{REVIEW}", tokens["ira"])})
    other_scope = post(server, path, tokens["dana"], {**ratings(component, "G", "forged"),
                                                      "csrf": csrf_of(server, "/reviews", tokens["dana"], "/logout")})
    assert (missing.status, others.status, other_scope.status) == (403, 403, 403)
    assert b"CSRF" in missing.body
    assert len(team.rated_events(ledger, REVIEW)) == before
    mine = post(server, path, tokens["dana"], {**ratings(component, "G", "mine"),
                                               "csrf": csrf_of(server, f"/reviews/{REVIEW}", tokens["dana"])})
    assert mine.status == 303
    assert len(team.rated_events(ledger, REVIEW)) == before + 1


def test_a_rationale_with_markup_is_shown_as_text(site):
    server, tokens, _ = site
    component = first_component()
    attack = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    saved = post(server, f"/reviews/{REVIEW}/ratings", tokens["ira"],
                 {**ratings(component, "AR", attack), "csrf": csrf_of(server, f"/reviews/{REVIEW}", tokens["ira"])})
    assert saved.status == 303
    page = get(server, f"/reviews/{REVIEW}", tokens["ira"]).body.decode()
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<script" not in page and "<img" not in page


def test_every_page_carries_the_security_headers(site):
    server, tokens, _ = site
    for path, token in [("/login", ""), ("/reviews", tokens["maria"]), (f"/reviews/{REVIEW}", tokens["maria"]),
                        (f"/reviews/{REVIEW}", tokens["dana"]), (f"/reviews/{REVIEW}/events", tokens["maria"]),
                        ("/reviews/no-such-review", tokens["maria"])]:
        page = server.request("GET", path, headers=cookie(token) if token else {})
        assert page.headers.get("content-security-policy") == CSP, path
        assert page.headers.get("x-content-type-options") == "nosniff", path
        assert page.headers.get("cache-control") == "no-store", path
        assert "<script" not in page.body.decode(), path


def test_a_reviewer_sees_only_their_own_ratings_until_they_submit(site):
    server, tokens, _ = site
    component = first_component()
    csrf = csrf_of(server, f"/reviews/{REVIEW}", tokens["dana"])
    post(server, f"/reviews/{REVIEW}/ratings", tokens["dana"], {**ratings(component, "G", "dana's own view"),
                                                                 "csrf": csrf})
    assert "dana&#39;s own view" not in get(server, f"/reviews/{REVIEW}", tokens["ira"]).body.decode()
    assert "dana&#39;s own view" in get(server, f"/reviews/{REVIEW}", tokens["dana"]).body.decode()


def test_not_signed_in_goes_to_the_login_page(site):
    server, _, _ = site
    for path in ("/", "/reviews", f"/reviews/{REVIEW}"):
        answer = server.request("GET", path)
        assert answer.status == 303 and answer.headers["location"] in ("/reviews", "/login"), path


def test_a_form_too_large_or_not_urlencoded_is_refused(site):
    server, tokens, ledger = site
    before = len(team.rated_events(ledger, REVIEW))
    path = f"/reviews/{REVIEW}/ratings"
    csrf = csrf_of(server, f"/reviews/{REVIEW}", tokens["dana"])
    as_json = post(server, path, tokens["dana"], {"csrf": csrf}, content_type="application/json")
    assert as_json.status == 415
    many = {f"f{i}": "" for i in range(3000)} | {"csrf": csrf}
    assert post(server, path, tokens["dana"], many).status == 400
    assert len(team.rated_events(ledger, REVIEW)) == before


def test_a_refusal_is_a_page_with_its_status(site):
    server, tokens, ledger = site
    # A reviewer may not agree judgments: the service refuses, the page says so, nothing changed.
    before = len(team.rated_events(ledger, REVIEW))
    refused = post(server, f"/reviews/{REVIEW}/agreed", tokens["dana"],
                   {"component": first_component(), "level": "G", "reason": "mine", "action": "agree",
                    "csrf": csrf_of(server, f"/reviews/{REVIEW}", tokens["dana"])})
    assert refused.status == 403 and b"<h1>Not allowed</h1>" in refused.body
    assert len(team.rated_events(ledger, REVIEW)) == before
    assert get(server, "/reviews/no-such-review", tokens["maria"]).status == 404


def test_downloads_are_attachments(site):
    server, tokens, _ = site
    yaml = get(server, f"/reviews/{REVIEW}/review.yaml", tokens["maria"])
    assert yaml.status == 200 and yaml.headers["content-disposition"] == f'attachment; filename="{REVIEW}.yaml"'
    assert yaml.body.startswith(b"kind: CapacityReview") or b"kind: CapacityReview" in yaml.body
    table = get(server, f"/reviews/{REVIEW}/ratings.xlsx", tokens["maria"])
    assert table.status == 200 and table.body[:2] == b"PK"
    assert get(server, f"/reviews/{REVIEW}/ratings.pdf", tokens["maria"]).status == 404


def test_without_a_ledger_the_pages_say_how_to_run_reviews(tmp_path):
    server = serving.Server.start(tmp_path)
    try:
        for path in ("/login", "/reviews", "/reviews/anything"):
            answer = server.request("GET", path)
            assert answer.status == 404, path
            assert b"start it with --ledger to run reviews" in answer.body, path
    finally:
        server.stop()


def test_each_role_is_offered_only_its_own_forms(site):
    server, tokens, _ = site
    pages = {name: get(server, f"/reviews/{REVIEW}", tokens[name]).body.decode()
             for name in ("dana", "maria", "aled", "vera")}
    assert 'id="rating-form"' in pages["dana"] and 'id="moderation"' not in pages["dana"]
    assert 'action="/reviews/pages/agreed"' in pages["maria"] and 'id="submit-for-signoff"' in pages["maria"]
    assert 'id="rating-form"' not in pages["maria"]
    for name in ("aled", "vera"):  # the review is drafting: nothing to sign off, nothing to agree
        assert 'id="moderation"' in pages[name], name
        assert 'action="/reviews/pages/agreed"' not in pages[name] and 'id="signoff-form"' not in pages[name], name
    listing = {name: get(server, "/reviews", tokens[name]).body.decode() for name in ("maria", "dana")}
    assert 'id="create-review"' in listing["maria"] and 'id="create-review"' not in listing["dana"]


def test_a_refused_rating_form_comes_back_as_typed(site):
    server, tokens, ledger = site
    component = first_component()
    before = len(team.rated_events(ledger, REVIEW))
    refused = post(server, f"/reviews/{REVIEW}/ratings", tokens["dana"],
                   {**ratings(component, "ZZ", "typed with care"),
                    "csrf": csrf_of(server, f"/reviews/{REVIEW}", tokens["dana"])})
    assert refused.status == 400, refused.body
    page = refused.body.decode()
    assert 'id="rating-problem"' in page and "ZZ" in page
    assert f'name="rationale:{component}"' in page and ">typed with care</textarea>" in page
    assert len(team.rated_events(ledger, REVIEW)) == before


def test_a_proxy_users_forms_are_bound_to_that_user(tmp_path):
    from stocktake.server.tokens import create_token

    ledger = tmp_path / "ledger.sqlite"
    for name in ("maria", "mo"):
        create_token(str(ledger), role="moderator", name=name, actor="test", secret=False)
    server = serving.Server.start(tmp_path, ledger=ledger, serve_args=["--trusted-proxy-header", "X-Forwarded-User"])
    try:
        def as_user(name: str, method: str, path: str, fields: dict[str, str] | None = None):
            headers = {"X-Forwarded-User": name}
            if fields is None:
                return server.request(method, path, headers=headers)
            return server.request(method, path, body=urlencode(fields).encode(),
                                  headers={**headers, "Content-Type": FORM})

        page = as_user("maria", "GET", "/reviews")
        assert page.status == 200 and 'id="create-review"' in page.text
        html = page.text
        csrf = CSRF.search(html, html.index('action="/reviews"'))[1]
        fields = {"system": "Northshire", "rubric": team.RUBRIC, "date": "2026-06-30", "review_id": "proxied",
                  "reviewers": "dana, Dana Unit, delivery-unit", "csrf": csrf}
        assert as_user("mo", "POST", "/reviews", fields).status == 403  # maria's token, mo's post
        assert as_user("maria", "POST", "/reviews", fields).status == 303
        assert as_user("nobody", "GET", "/reviews").status == 303  # no grant: the login page
    finally:
        server.stop()


def test_signing_out_is_a_post_with_the_csrf_token(site):
    server, tokens, _ = site
    page = get(server, "/logout", tokens["vera"])
    assert page.status == 200 and 'action="/logout"' in page.text
    refused = post(server, "/logout", tokens["vera"], {})
    assert refused.status == 403 and "stocktake_token" not in refused.headers.get("set-cookie", "")
    done = post(server, "/logout", tokens["vera"], {"csrf": csrf_of(server, "/logout", tokens["vera"], "/logout")})
    assert done.status == 303 and done.headers["location"] == "/login"
    assert 'stocktake_token=""' in done.headers["set-cookie"] and "Max-Age=0" in done.headers["set-cookie"]


def test_a_reviewer_still_rating_sees_no_agreed_judgment_on_the_pages(site):
    server, tokens, ledger = site
    crew = team.make_tokens(ledger, "anchor", CREW, staff=())
    team.start_review(server, tokens["maria"], "anchor", CREW)
    agreed = server.request("PUT", "/v1/reviews/anchor/agreed/1A", {"level": "AG", "reason": "a secret reason"},
                            token=tokens["maria"])
    assert agreed.status == 200, agreed.body
    events = get(server, "/reviews/anchor/events", crew["dana"])
    assert events.status == 200 and "agreed" in events.text and "a secret reason" not in events.text
    assert "&#34;AG&#34;" not in events.text and '"AG"' not in events.text
    assert "a secret reason" not in get(server, "/reviews/anchor", crew["dana"]).text
    assert "a secret reason" in get(server, "/reviews/anchor/events", tokens["maria"]).text


def test_only_this_review_s_moderator_is_offered_its_moderation_and_no_moderator_its_sign_off(site):
    from stocktake.server.tokens import create_token

    server, _, ledger = site
    otto = create_token(str(ledger), role="moderator", name="otto", actor="test")
    page = get(server, f"/reviews/{REVIEW}", otto).text
    assert 'id="moderation"' in page  # he reads the scored review, but moderates only his own reviews
    assert 'action="/reviews/pages/agreed"' not in page and 'id="submit-for-signoff"' not in page


def test_a_moderating_admin_is_not_offered_the_sign_off_of_their_own_review():
    from stocktake.server.identity import Principal
    from stocktake.server.pages_views import _signoff
    from stocktake.server.workflow.model import ReviewView

    view = ReviewView(id="own", system="S", title="", date="2026-10-15", rubric="r@1", moderator="root",
                      state="submitted", reviewers=[], evidence=[], ratings=[], submitted=[], agreed=[], signoff=[],
                      position=3, last_seq=3)
    root, amal = Principal("root", "admin"), Principal("amal", "approver")
    assert _signoff(root, view, allow_self_approval=False) is None
    assert _signoff(root, view, allow_self_approval=True) is not None
    assert _signoff(amal, view, allow_self_approval=False) is not None
    assert _signoff(Principal("maria", "moderator"), view, allow_self_approval=True) is None


def test_a_refused_rating_names_the_rubric_item_not_a_json_path(site):
    from stocktake.api import Engine

    server, tokens, _ = site
    component = next(Engine().rubric("delivery-capacity-review", "1.0.0").rubric.components())
    refused = post(server, f"/reviews/{REVIEW}/ratings", tokens["dana"],
                   {**ratings(component.id, "ZZ", "typed"), "csrf": csrf_of(server, f"/reviews/{REVIEW}", tokens["dana"])})
    assert refused.status == 400, refused.body
    page = refused.text
    assert f"{component.code} {component.title}: level: expected" in page.replace("&#39;", "'")
    assert "$.ratings" not in page


def test_a_refused_start_form_comes_back_as_typed(site):
    server, tokens, _ = site
    fields = {"system": "Typed <carefully>", "rubric": team.RUBRIC, "date": "2026-02-30", "title": "Spring",
              "review_id": "typed-review", "reviewers": "dana, Dana Unit, delivery-unit\nira, Ira, stranger",
              "csrf": csrf_of(server, "/reviews", tokens["maria"])}
    refused = post(server, "/reviews", tokens["maria"], fields)
    assert refused.status == 400, refused.body
    page = refused.text
    assert 'id="create-problem"' in page and 'value="Typed &lt;carefully&gt;"' in page
    assert 'value="2026-02-30"' in page and 'value="typed-review"' in page and 'value="Spring"' in page
    assert ">dana, Dana Unit, delivery-unit\nira, Ira, stranger</textarea>" in page
    assert get(server, "/reviews/typed-review", tokens["maria"]).status == 404  # nothing started
