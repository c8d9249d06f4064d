"""The web pages' plumbing: form bodies read within a bound, the login cookie, CSRF tokens, and
pages rendered from the package's templates.

A form body is read up to the server's body limit and parsed with :func:`urllib.parse.parse_qsl`
(no multipart: the pages upload no files). Every POST form carries a hidden ``csrf`` field, an
HMAC under the server's secret of who is signed in (the token's hash, or the proxy user's name)
and the review the form acts on; a POST without it, or with another's, is refused with 403 before
anything is read from the form. The login form, posted before anyone is signed in, is bound the
same way to a random nonce kept in its own cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from stocktake.core.markup import environment
from stocktake.server.identity import TOKEN_COOKIE, bearer_token

__all__ = ["LOGIN_COOKIE", "TOKEN_COOKIE", "Form", "PageProblem", "check_csrf", "csrf_token", "identity_key",
           "login_nonce", "page", "read_form", "set_cookie"]

LOGIN_COOKIE = "stocktake_login"
"""The cookie binding the login form's CSRF token to the browser that asked for the form."""

MAX_FIELDS = 2_000
"""Fields in one form: a rating form has three per rubric item, far fewer than this."""

FORM_TYPE = "application/x-www-form-urlencoded"


class PageProblem(Exception):
    """A request the pages refuse, shown as an HTML page with ``status`` and ``message``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Form:
    """A parsed form body: the first value of each field, all values on request."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs
        self._first: dict[str, str] = {}
        for name, value in pairs:
            self._first.setdefault(name, value)

    def get(self, name: str, default: str = "") -> str:
        """The field's first value (surrounding white space kept), or ``default``."""
        return self._first.get(name, default)

    def text(self, name: str) -> str:
        """The field's first value with surrounding white space removed ("" when absent)."""
        return self.get(name).strip()

    def names(self) -> list[str]:
        """The field names, in the order the browser sent them, each once."""
        return list(self._first)


async def read_form(request: Request, limit: int) -> Form:
    """The request's urlencoded form, read up to ``limit`` bytes.

    :raises PageProblem: 415 for another content type, 413 for a longer body, 400 for a body that
        is not UTF-8 or has more than :data:`MAX_FIELDS` fields.
    """
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind != FORM_TYPE:
        raise PageProblem(415, f"a form is sent as {FORM_TYPE}, not {kind or 'no content type'}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PageProblem(413, f"the form is larger than the server's limit of {limit} bytes")
        chunks.append(chunk)
    try:
        text = b"".join(chunks).decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS, errors="strict")
    except UnicodeDecodeError as err:
        raise PageProblem(400, "the form is not UTF-8 text") from err
    except ValueError as err:
        raise PageProblem(400, f"the form has more than {MAX_FIELDS} fields") from err
    return Form(pairs)


def identity_key(request: Request, name: str) -> str:
    """What a CSRF token is bound to: the sha256 of the token this request signed in with (its
    Authorization header, else its login cookie), or for a proxy user, their name."""
    token = bearer_token(request.headers) or request.cookies.get(TOKEN_COOKIE)
    if token:
        return "token:" + hashlib.sha256(token.encode()).hexdigest()
    return "user:" + name


def csrf_token(secret: bytes, key: str, scope: str) -> str:
    """The CSRF token of forms that the identity ``key`` posts about ``scope`` (a review id, or ""
    for the reviews list and logout)."""
    return hmac.new(secret, f"csrf\0{key}\0{scope}".encode(), hashlib.sha256).hexdigest()


def check_csrf(form: Form, secret: bytes, key: str, scope: str) -> None:
    """Refuse (403) a form whose ``csrf`` field is missing or not this identity's for ``scope``."""
    sent = form.get("csrf")
    if not sent or not hmac.compare_digest(sent, csrf_token(secret, key, scope)):
        raise PageProblem(403, "the form's CSRF token is missing or not yours: reload the page and send it again")


def login_nonce(request: Request) -> tuple[str, bool]:
    """The login form's nonce: the browser's, or a new one (``True``: set the cookie)."""
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    if len(nonce) == 43:  # secrets.token_urlsafe(32)
        return nonce, False
    return secrets.token_urlsafe(32), True


def set_cookie(response: Response, request: Request, name: str, value: str) -> None:
    """Set a session cookie only this site's pages send and no script reads (Secure over HTTPS)."""
    response.set_cookie(name, value, httponly=True, samesite="strict", path="/",
                        secure=request.url.scheme == "https")


def page(template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """The page ``template`` (autoescaped, from the package's templates) with ``context``; never
    cached, since every page shows what one principal may see."""
    html = environment().get_template(template).render(**context)
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})
