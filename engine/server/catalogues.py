"""The catalogue routes under /v1: what this server's engine has loaded (the CLI's ``--format json``
listings), the published schemas, the version and health. All GET, none records anything."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from stocktake.core.errors import UsageError
from stocktake.server.access import require_principal
from stocktake.server.errors import HTTPProblem
from stocktake.server.inputs import for_http, options

__all__ = ["ROUTES"]


def _json(text: str, status: int = 200) -> Response:
    return Response(text.encode("utf-8"), status_code=status, media_type="application/json")


def rubrics(request: Request) -> Response:
    """``stocktake rubrics --format json`` without ``path`` (where the server's files are is not the
    caller's business; ``sha256`` and ``source`` say which rubric it is)."""
    from stocktake.render import dump_json

    require_principal(request)
    options(request, {})
    entries = request.app.state.engine.rubrics()
    return _json(dump_json([{"id": e.rubric.id, "version": e.rubric.version, "title": e.rubric.title,
                             "source": e.origin.describe(), "sha256": e.sha256} for e in entries]))


def rubric(request: Request) -> Response:
    """``stocktake rubrics show ID [--version V] --format json``: the rubric as a JSON document."""
    from stocktake.render import dump_model

    require_principal(request)
    given = options(request, {"version": None})
    try:
        entry = request.app.state.engine.rubric(request.path_params["rubric_id"], given["version"])
    except UsageError as err:
        raise HTTPProblem(404, str(err)) from None
    return _json(dump_model(entry.rubric))


def rule_sets(request: Request) -> Response:
    """``stocktake rules --format json``."""
    from stocktake.likelihood.decision import CompiledTable
    from stocktake.render import dump_json

    require_principal(request)
    options(request, {})
    found = request.app.state.engine.rule_sets()
    return _json(dump_json([{"id": rid, "version": str(rs.version),
                             "kind": "table" if isinstance(rs, CompiledTable) else "python", "title": rs.title,
                             "source": origin.describe()} for rid, (rs, origin, _) in found.items()]))


def schemas(request: Request) -> Response:
    """The document kinds with a published JSON Schema, and where each is served."""
    from stocktake.kinds import KINDS
    from stocktake.render import dump_json

    require_principal(request)
    options(request, {})
    return _json(dump_json([{"kind": kind.name, "schema": f"/v1/schemas/{kind.name}"} for kind in KINDS.values()]))


def schema(request: Request) -> Response:
    """``stocktake schema KIND``: the published schema (Draft 2020-12)."""
    from stocktake.core.schemas import kind_named, load_schema
    from stocktake.kinds import KINDS
    from stocktake.render import dump_json

    require_principal(request)
    options(request, {})
    try:
        kind = kind_named(request.path_params["kind"], KINDS)
    except UsageError as err:
        raise HTTPProblem(404, str(err)) from None
    return _json(dump_json(load_schema(kind)))


def plugins(request: Request) -> Response:
    """``stocktake plugins --format json``."""
    from stocktake.render import dump_json

    require_principal(request)
    options(request, {})
    engine = request.app.state.engine
    return _json(dump_json({"plugins": [{"name": p.name, "distribution": p.distribution, "version": p.version,
                                         "module": p.module, "hooks": list(p.hooks)} for p in engine.plugins()],
                            "disabled": list(engine.host.disabled)}))


def version(request: Request) -> Response:
    """The engine's name and version (``stocktake --version``); no token needed."""
    from stocktake._version import __version__
    from stocktake.render import dump_json

    return _json(dump_json({"name": "stocktake", "version": __version__, "api": "v1"}))


def health(request: Request) -> Response:
    """Readiness: the engine is loaded; with a ledger, it opens. 503 when it does not."""
    from stocktake.render import dump_json

    config = request.app.state.config
    state: dict[str, Any] = {"status": "ok", "ledger": config.ledger is not None,
                             "rubrics": len(request.app.state.engine.rubrics())}
    if config.ledger is not None:
        from stocktake.core.errors import StocktakeError
        from stocktake.ledger import open_ledger

        try:
            open_ledger(config.ledger, create=False).close()
        except StocktakeError as err:
            problem = str(for_http(err, config.ledger))  # no token needed here: no path shown
            return _json(dump_json({**state, "status": "unavailable", "problem": problem}), 503)
    return _json(dump_json(state))


ROUTES: list[BaseRoute] = [
    Route("/v1/rubrics", rubrics, methods=["GET"]),
    Route("/v1/rubrics/{rubric_id}", rubric, methods=["GET"]),
    Route("/v1/rulesets", rule_sets, methods=["GET"]),
    Route("/v1/schemas", schemas, methods=["GET"]),
    Route("/v1/schemas/{kind}", schema, methods=["GET"]),
    Route("/v1/plugins", plugins, methods=["GET"]),
    Route("/v1/version", version, methods=["GET"]),
    Route("/v1/health", health, methods=["GET"]),
]
