"""Who is asking: a :class:`Principal` from a request's bearer token, its token cookie, or (only
when the server is configured with one) a trusted proxy's user header.

A token's hash is looked up in the ledger's ``tokens`` stream (see :mod:`stocktake.server.tokens`);
a proxy user's role is that of the grant (or token) created with the same ``--name``. No
starlette here: the headers and cookies are plain mappings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

__all__ = ["ROLES", "TOKEN_COOKIE", "Principal", "Principals", "bearer_token", "principal_from", "refusal"]

ROLES = ("viewer", "reviewer", "moderator", "approver", "admin")
"""Every role a token or grant may have."""

TOKEN_COOKIE = "stocktake_token"
"""The cookie the web login page sets (HttpOnly, SameSite=Strict, Path=/)."""


@dataclass(frozen=True)
class Principal:
    """A signed-in user: the ``name`` events record as their actor, their ``role``, the review a
    token is bound to (required for a reviewer) and, for a reviewer, their reviewer id in it."""

    name: str
    role: str
    review: str | None = None
    reviewer: str | None = None


class Principals(Protocol):
    """Where principals are looked up: the review service (its tokens and its proxy header)."""

    trusted_proxy_header: str | None

    def principal_for_token(self, token: str) -> Principal | None: ...

    def principal_for_name(self, name: str) -> Principal | None: ...


def principal_from(headers: Mapping[str, str], cookies: Mapping[str, str],
                   service: Principals | None, *, proxy_header: str | None = None) -> Principal | None:
    """The principal of a request: ``Authorization: Bearer <token>``, else the ``stocktake_token``
    cookie, else (``proxy_header`` given, or the service's) the trusted proxy header's user name.
    None: nobody, or a token that is unknown or revoked. ``headers`` are matched without regard to
    case (Starlette's headers are; a plain dict is searched)."""
    if service is None:
        return None
    token = bearer_token(headers) or cookies.get(TOKEN_COOKIE)
    if token:
        return service.principal_for_token(token)
    header = proxy_header or service.trusted_proxy_header
    if header:
        name = _header(headers, header)
        if name and name.strip():
            return service.principal_for_name(name.strip())
    return None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    found = headers.get(name)
    if found is None:
        wanted = name.lower()
        found = next((value for key, value in headers.items() if key.lower() == wanted), None)
    return found


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (None: no such header)."""
    value = _header(headers, "authorization") or ""
    scheme, _, token = value.strip().partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def refusal(headers: Mapping[str, str], cookies: Mapping[str, str] | None = None,
            service: Principals | None = None) -> str:
    """Why a request whose :func:`principal_from` was None is refused (the 401's message): it sent
    no credentials, or a token that is unknown or revoked, or a proxy user without a grant."""
    if bearer_token(headers) or (cookies or {}).get(TOKEN_COOKIE):
        return ("this token is unknown or revoked: ask whoever runs the server for a new one (stocktake serve "
                "token create)")
    header = service.trusted_proxy_header if service is not None else None
    name = (_header(headers, header) or "").strip() if header else ""
    if name:
        return (f"the proxy's user {name!r} has no grant on this server (stocktake serve token create --name "
                f"{name} --no-secret makes one)")
    return "a token is needed: send 'Authorization: Bearer <token>' (stocktake serve token create makes one)"
