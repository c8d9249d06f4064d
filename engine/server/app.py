"""The ASGI app: every module's routes, the middleware around them, the engine built once.

Middleware, outermost first: the request log (one JSON line), the security headers, the body
limit. Starlette runs plain ``def`` endpoints in its thread pool; compute routes run the engine
through :func:`stocktake.server.limits.in_thread` so a request past its time limit is answered 503.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from stocktake.core.errors import StocktakeError
from stocktake.server.config import ServerConfig
from stocktake.server.errors import HTTPProblem, error_response
from stocktake.server.limits import BodyLimit
from stocktake.server.logs import RequestLog
from stocktake.server.security import SecurityHeaders

__all__ = ["create_app"]


def healthz(request: Request) -> Response:
    """Liveness for a load balancer or systemd: 200 while the process serves."""
    return JSONResponse({"status": "ok"})


def _routes() -> list[BaseRoute]:
    from stocktake.server import batch, catalogues, documents, openapi, pages, report, workflow_api

    routes: list[BaseRoute] = [Route("/healthz", healthz, methods=["GET", "HEAD"])]
    routes += batch.ROUTES + documents.ROUTES + report.ROUTES + catalogues.ROUTES + openapi.ROUTES
    routes += workflow_api.ROUTES + pages.ROUTES
    return routes


def _build_engine(config: ServerConfig) -> Any:
    from stocktake.api import Engine
    from stocktake.core.parsing import Limits

    engine = Engine(rubric_paths=config.rubric_paths, disabled_plugins=config.disabled_plugins,
                    limits=Limits(max_bytes=config.max_body_bytes))
    engine.rubrics()  # plugins, rubrics and rule sets load now, once, not on the first request
    engine.rule_sets()
    return engine


def _build_service(config: ServerConfig, engine: Any) -> Any:
    if config.ledger is None:
        return None
    from stocktake.server.workflow.service import ReviewService

    return ReviewService(config.ledger, engine, allow_self_approval=config.allow_self_approval,
                         trusted_proxy_header=config.trusted_proxy_header)


def create_app(config: ServerConfig) -> Starlette:
    """The app serving ``config``: the engine (plugins, rubrics) is built here, before the first request."""
    engine = _build_engine(config)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        close = getattr(app.state.service, "close", None)
        if callable(close):
            close()

    async def problem(request: Request, exc: Exception) -> Response:
        return error_response(exc, max_errors=config.max_errors)

    async def http_exception(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        message = {404: "no such route: see /v1/openapi.json", 405: "method not allowed on this route"}
        return error_response(HTTPProblem(exc.status_code, message.get(exc.status_code, str(exc.detail)),
                                          headers=dict(exc.headers or {})))

    app = Starlette(
        routes=_routes(),
        middleware=[Middleware(RequestLog), Middleware(SecurityHeaders),
                    Middleware(BodyLimit, max_bytes=config.max_body_bytes,
                               exempt=frozenset() if config.ledger else frozenset({"/v1/judge/batch"}))],
        # StocktakeError and HTTPProblem are answered inside the middleware (logged with their status,
        # with the security headers); Exception, a bug, by Starlette's outermost handler (500, traceback).
        exception_handlers={HTTPProblem: problem, StocktakeError: problem, HTTPException: http_exception,
                            Exception: problem},
        lifespan=lifespan,
    )
    app.state.config = config
    app.state.engine = engine
    app.state.secret = config.secret or secrets.token_bytes(32)
    app.state.service = _build_service(config, engine)
    return app
