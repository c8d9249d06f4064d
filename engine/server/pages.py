"""The review workflow as server-rendered HTML pages: sign in by pasting a token, the reviews,
and each review as its principal may see it (a reviewer's rating form, the moderator's scored
review with its flags and agreed-judgment forms, the approver's sign-off), its events and its
downloads. No JavaScript: every action is a plain form POST carrying a CSRF token, answered by a
redirect back to the page (303) so that reloading never posts twice.

The pages decide nothing: each calls :class:`~stocktake.server.workflow.service.ReviewService`,
which checks who may do what; a refusal is shown as a page with its status (403, 404, 409, 400
with the located messages). ``ROUTES`` is mounted by the app.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from stocktake._version import __version__
from stocktake.core.errors import StocktakeError
from stocktake.server import pages_actions as actions
from stocktake.server import pages_views as views
from stocktake.server.identity import principal_from
from stocktake.server.pages_forms import (
    LOGIN_COOKIE,
    TOKEN_COOKIE,
    PageProblem,
    check_csrf,
    csrf_token,
    identity_key,
    login_nonce,
    page,
    read_form,
    set_cookie,
)

if TYPE_CHECKING:
    from stocktake.server.workflow.service import ReviewService

__all__ = ["ROUTES"]

NO_LEDGER = "this server has no ledger: start it with --ledger to run reviews"

NOTICES = {"created": "The review is started.", "saved": "Your ratings are saved.",
           "submitted-ratings": "Your ratings are submitted: the moderator sees them now.",
           "evidence": "The evidence item is added.", "agreed": "The agreed judgment is recorded.",
           "withdrawn": "The agreed judgment is withdrawn.", "reopened": "The reviewer's ratings are reopened.",
           "submit": "The review is up for sign-off.", "accept": "The review is accepted.",
           "reject": "The review is rejected.", "request-changes": "Changes are requested.",
           "revoke": "The acceptance is revoked."}
"""What a redirect's ``done`` parameter shows: fixed words, never text from the request."""


class _SignIn(Exception):
    """Nobody (or a revoked token) is signed in: go to the login page."""


class _Session:
    """What every page needs: the service, the signed-in principal and their CSRF key."""

    def __init__(self, request: Request) -> None:
        self.request = request
        service: ReviewService | None = getattr(request.app.state, "service", None)
        if service is None:
            raise PageProblem(404, NO_LEDGER)
        self.service = service
        who = principal_from(request.headers, request.cookies, service)
        if who is None:
            raise _SignIn()
        self.who = who
        self.secret: bytes = request.app.state.secret
        self.key = identity_key(request, who.name)

    def csrf(self, scope: str = "") -> str:
        return csrf_token(self.secret, self.key, scope)

    def render(self, template: str, status: int = 200, **context: Any) -> Response:
        notice = NOTICES.get(self.request.query_params.get("done", ""), "")
        return page(template, status, who=self.who, logout_csrf=self.csrf(), version=__version__,
                    notice=notice, **context)


def _problem_page(request: Request, status: int, lines: list[str]) -> Response:
    heading = {400: "The request was not accepted", 403: "Not allowed", 404: "Not found",
               409: "Not now", 413: "Too large", 415: "Not a form"}.get(status, "Refused")
    review_id = request.path_params.get("review_id")
    back = _review_url(review_id) if review_id else "/reviews"
    return page("web_error.html.j2", status, who=None, logout_csrf="", version=__version__, notice="",
                heading=heading, status=status, lines=lines, back=back)


Endpoint = Callable[[Request], Any]


def _guarded(endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint with its refusals shown as pages: not signed in -> the login page; a
    :class:`PageProblem` or a service refusal -> an error page with its status."""

    @functools.wraps(endpoint)
    async def run(request: Request) -> Response:
        try:
            if inspect.iscoroutinefunction(endpoint):
                response: Response = await endpoint(request)
            else:
                response = await run_in_threadpool(endpoint, request)
            return response
        except _SignIn:
            response = RedirectResponse("/login", status_code=303)
            if request.cookies.get(TOKEN_COOKIE):
                response.delete_cookie(TOKEN_COOKIE, path="/")
            return response
        except PageProblem as problem:
            return _problem_page(request, problem.status, [problem.message])
        except StocktakeError as err:
            return _problem_page(request, int(getattr(err, "status", 400)), err.lines(20))

    return run


def _review_url(review_id: str, done: str = "") -> str:
    return f"/reviews/{quote(review_id, safe='')}" + (f"?done={done}" if done else "")


async def _posted(request: Request, scope: str) -> tuple[_Session, actions.Form]:
    """The session and the form of a POST, its CSRF token checked against ``scope`` before any
    field is used (403 otherwise, nothing changed)."""
    session = await run_in_threadpool(_Session, request)
    form = await read_form(request, request.app.state.config.max_body_bytes)
    check_csrf(form, session.secret, session.key, scope)
    return session, form


# -- signing in and out ----------------------------------------------------------------------------

def home(request: Request) -> Response:
    return RedirectResponse("/reviews", status_code=303)


def login_page(request: Request, problem: str = "", status: int = 200) -> Response:
    if getattr(request.app.state, "service", None) is None:
        raise PageProblem(404, NO_LEDGER)
    nonce, new = login_nonce(request)
    secret: bytes = request.app.state.secret
    response = page("web_login.html.j2", status, who=None, logout_csrf="", version=__version__, notice="",
                    problem=problem, csrf=csrf_token(secret, "login:" + nonce, "login"))
    if new:
        set_cookie(response, request, LOGIN_COOKIE, nonce)
    return response


async def login(request: Request) -> Response:
    service = getattr(request.app.state, "service", None)
    if service is None:
        raise PageProblem(404, NO_LEDGER)
    form = await read_form(request, 64 * 1024)
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    check_csrf(form, request.app.state.secret, "login:" + nonce, "login")
    token = form.text("token")
    who = await run_in_threadpool(principal_from, {}, {TOKEN_COOKIE: token}, service) if token else None
    if who is None:
        return login_page(request, "That token is not known here, or it was revoked.", 401)
    response = RedirectResponse("/reviews", status_code=303)
    set_cookie(response, request, TOKEN_COOKIE, token)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


def logout_page(request: Request) -> Response:
    """A page with the sign-out button (signing out is a POST, so no link elsewhere can do it)."""
    return _Session(request).render("web_logout.html.j2")


async def logout(request: Request) -> Response:
    await _posted(request, "")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(TOKEN_COOKIE, path="/")
    return response


# -- the reviews ---------------------------------------------------------------------------------

_CREATE_FIELDS = ("system", "title", "rubric", "date", "review_id", "reviewers")


def reviews_page(request: Request) -> Response:
    return _reviews(_Session(request))


def _reviews(session: _Session, status: int = 200, form: actions.Form | None = None,
             problem: list[str] | None = None) -> Response:
    context = views.reviews_context(session.service, session.who, session.request.app.state.engine)
    typed = {name: form.get(name) if form is not None else "" for name in _CREATE_FIELDS}
    return session.render("web_reviews.html.j2", status, csrf=session.csrf(), typed=typed, problem=problem or [],
                          **context)


async def create_review(request: Request) -> Response:
    """Start a review. A refusal of what was typed (400, or 409: the id is taken) shows the form
    again with the values sent and the problem, so nothing typed is lost."""
    session, form = await _posted(request, "")
    try:
        state = await run_in_threadpool(actions.create, session.service, session.who, form)
    except StocktakeError as err:
        status = int(getattr(err, "status", 400))
        if status not in (400, 409):
            raise
        return await run_in_threadpool(_reviews, session, status, form, err.lines(20))
    return RedirectResponse(_review_url(views.review_id_of(state), "created"), status_code=303)


def review_page(request: Request) -> Response:
    session = _Session(request)
    review_id = request.path_params["review_id"]
    context = views.review_context(session.service, session.who, review_id, request.app.state.engine)
    return session.render("web_review.html.j2", csrf=session.csrf(review_id), problem=[], **context)


def events_page(request: Request) -> Response:
    session = _Session(request)
    review_id = request.path_params["review_id"]
    events = views.event_rows(session.service.events(session.who, review_id))
    return session.render("web_events.html.j2", review_id=review_id, events=events)


def _action(act: Callable[[Any, Any, str, actions.Form], str]) -> Endpoint:
    """A POST endpoint about one review: check the CSRF token, do ``act`` (which returns the
    notice key), and redirect back to the review."""

    async def post(request: Request) -> Response:
        review_id = request.path_params["review_id"]
        session, form = await _posted(request, review_id)
        done = await run_in_threadpool(act, session.service, session.who, review_id, form)
        return RedirectResponse(_review_url(review_id, done), status_code=303)

    post.__name__ = act.__name__
    return post


async def save_ratings(request: Request) -> Response:
    """Save a reviewer's rating form. A refusal of what they typed (400: an evidence id the
    review does not have, say) shows the form again with their values and the problem."""
    review_id = request.path_params["review_id"]
    session, form = await _posted(request, review_id)
    try:
        done = await run_in_threadpool(actions.save_ratings, session.service, session.who, review_id, form)
    except StocktakeError as err:
        if int(getattr(err, "status", 400)) != 400:
            raise
        return await run_in_threadpool(_rating_form_again, session, review_id, form, err.lines(20))
    return RedirectResponse(_review_url(review_id, done), status_code=303)


def _rating_form_again(session: _Session, review_id: str, form: actions.Form, problem: list[str]) -> Response:
    context = views.review_context(session.service, session.who, review_id, session.request.app.state.engine,
                                   posted=form)
    return session.render("web_review.html.j2", 400, csrf=session.csrf(review_id), problem=problem, **context)


# -- downloads -----------------------------------------------------------------------------------

def download_yaml(request: Request) -> Response:
    session = _Session(request)
    review_id = request.path_params["review_id"]
    text = session.service.document_yaml(session.who, review_id)
    return _download(text.encode("utf-8"), "application/yaml; charset=utf-8", f"{review_id}.yaml")


def download_table(request: Request) -> Response:
    session = _Session(request)
    review_id, fmt = request.path_params["review_id"], request.path_params["fmt"]
    if fmt not in ("csv", "xlsx"):
        raise PageProblem(404, f"no ratings table as {fmt!r}: ratings.csv or ratings.xlsx")
    body = session.service.ratings_table(session.who, review_id, fmt)
    kind = ("text/csv; charset=utf-8" if fmt == "csv" else
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return _download(body, kind, f"{review_id}-ratings.{fmt}")


def _download(body: bytes, media_type: str, filename: str) -> Response:
    # The review id is [a-z0-9-] (the service refuses any other), so the file name needs no quoting.
    return Response(body, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


def _get(path: str, endpoint: Endpoint) -> Route:
    return Route(path, _guarded(endpoint), methods=["GET"])


def _post(path: str, endpoint: Endpoint) -> Route:
    return Route(path, _guarded(endpoint), methods=["POST"])


ROUTES = [
    _get("/", home), _get("/login", login_page), _post("/login", login),
    _get("/logout", logout_page), _post("/logout", logout),
    _get("/reviews", reviews_page), _post("/reviews", create_review),
    _get("/reviews/{review_id}", review_page), _get("/reviews/{review_id}/events", events_page),
    _get("/reviews/{review_id}/review.yaml", download_yaml),
    _get("/reviews/{review_id}/ratings.{fmt}", download_table),
    _post("/reviews/{review_id}/ratings", save_ratings),
    _post("/reviews/{review_id}/evidence", _action(actions.add_evidence)),
    _post("/reviews/{review_id}/agreed", _action(actions.agree)),
    _post("/reviews/{review_id}/reopen", _action(actions.reopen)),
    _post("/reviews/{review_id}/transition", _action(actions.transition)),
]
"""The pages, mounted at the site's root beside ``/v1``."""
