"""Who is asking: the principal a request's token (or trusted proxy header) names, and the rule for
the stateless routes. With no ledger there are no tokens: the stateless API is anonymous. With a
ledger, every /v1 route but health, version and the OpenAPI document needs a token of any role,
unless the server was started with --allow-anonymous."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from stocktake.server.errors import HTTPProblem

__all__ = ["ANONYMOUS", "actor", "require_principal"]

ANONYMOUS = "anonymous"
"""The actor a decision made without a token is recorded as."""


def principal(request: Request) -> Any:
    """The request's principal, or None (no credentials, or the workflow's identity module is not here)."""
    cached = getattr(request.state, "principal", False)
    if cached is not False:
        return cached
    found = None
    service = getattr(request.app.state, "service", None)
    if service is not None:
        from stocktake.server.identity import principal_from

        # The bearer token only, no cookie: another site could make a browser post with one.
        found = principal_from(request.headers, {}, service)
    request.state.principal = found
    return found


def require_principal(request: Request) -> Any:
    """For a stateless compute or catalogue route: the principal, None when anonymous use is allowed
    (no ledger, or --allow-anonymous); 401 otherwise."""
    config = request.app.state.config
    if config.ledger is None:
        return None
    found = principal(request)
    if found is None and not config.allow_anonymous:
        from stocktake.server.identity import refusal

        raise HTTPProblem(401, refusal(request.headers, {}, request.app.state.service))
    return found


def actor(found: Any) -> str:
    """The name a decision is recorded under."""
    return str(getattr(found, "name", None) or ANONYMOUS)
