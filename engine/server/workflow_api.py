"""The review workflow as JSON over HTTP (``ROUTES``, mounted by the app): each route reads who is
asking (a bearer token, or a trusted proxy's user header where configured; never the web pages'
cookie, so no other site can post here in a user's name), parses its body into the workflow's
models and calls one :class:`~stocktake.server.workflow.service.ReviewService` method.

Every answer carries ``Cache-Control: no-store`` (a review's ratings are shown by who asks, as
the pages are). Refusals are the service's: 401 no or unknown token, 403 the role forbids, 404 no such review,
409 the review's state forbids, 400 a bad body (located, ``file`` "request"). Writes answer the
review as the principal sees it, with the header ``Stocktake-Event-Seq`` (the review's last event).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from stocktake.core.errors import StocktakeError
from stocktake.server.errors import HTTPProblem, error_response
from stocktake.server.identity import Principal, principal_from, refusal
from stocktake.server.workflow.bodies import parse_body
from stocktake.server.workflow.model import (
    ACTIONS,
    AgreedIn,
    EvidenceIn,
    RatingsIn,
    ReasonIn,
    ReviewCreate,
    ReviewView,
)

__all__ = ["NO_LEDGER", "ROUTES", "openapi_parts"]

NO_LEDGER = "this server has no ledger: start it with --ledger to run reviews"
JSON = "application/json"
M = TypeVar("M", bound=BaseModel)
Handler = Callable[[Request, Any, Principal], Awaitable[Response]]


def _endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """``handler`` with the service and the principal found, and every refusal answered as JSON."""
    async def run(request: Request) -> Response:
        config = request.app.state.config
        try:
            service = request.app.state.service
            if service is None:
                raise HTTPProblem(404, NO_LEDGER)
            who = await run_in_threadpool(principal_from, request.headers, {}, service)
            if who is None:
                raise HTTPProblem(401, refusal(request.headers, {}, service))
            response = await handler(request, service, who)
        except (StocktakeError, HTTPProblem) as err:
            response = error_response(err, max_errors=getattr(config, "max_errors", 20))
        response.headers["Cache-Control"] = "no-store"  # ratings and who may see them: never kept by a cache
        return response
    run.__name__ = handler.__name__
    run.__doc__ = handler.__doc__
    return run


async def _body(request: Request, model: type[M]) -> M:
    """The request's JSON body as ``model`` (an empty body: ``{}``); located errors otherwise."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    if raw.strip() and kind != JSON:
        raise HTTPProblem(415, f"send the body as {JSON} (found {kind or 'no content type'})")
    return parse_body(raw, model)


def _view(view: ReviewView, status: int = 200) -> Response:
    return JSONResponse(view.model_dump(mode="json"), status_code=status,
                        headers={"Stocktake-Event-Seq": str(view.last_seq)})


def _id(request: Request, name: str = "review_id") -> str:
    return str(request.path_params[name])


async def create(request: Request, service: Any, who: Principal) -> Response:
    """POST /v1/reviews: create a review (moderator or admin)."""
    body = await _body(request, ReviewCreate)
    state = await run_in_threadpool(
        service.create, who, system=body.system, rubric=body.rubric, date=body.date, title=body.title,
        reviewers=[r.model_dump() for r in body.reviewers], review_id=body.id)
    view = await run_in_threadpool(service.get, who, state.id)
    return _view(view, 201)


async def listing(request: Request, service: Any, who: Principal) -> Response:
    """GET /v1/reviews: the reviews this principal may see."""
    found = await run_in_threadpool(service.list, who)
    return JSONResponse({"reviews": [s.model_dump(mode="json") for s in found]})


async def get(request: Request, service: Any, who: Principal) -> Response:
    """GET /v1/reviews/{id}: the review as this principal may see it."""
    return _view(await run_in_threadpool(service.get, who, _id(request)))


async def evidence(request: Request, service: Any, who: Principal) -> Response:
    """POST /v1/reviews/{id}/evidence: add an evidence item."""
    body = await _body(request, EvidenceIn)
    item = body.model_dump(exclude_none=True)
    return _view(await run_in_threadpool(service.add_evidence, who, _id(request), item))


async def ratings(request: Request, service: Any, who: Principal) -> Response:
    """PUT /v1/reviews/{id}/ratings/{reviewer}: save the reviewer's ratings."""
    body = await _body(request, RatingsIn)
    review_id, reviewer = _id(request), _id(request, "reviewer")
    rows = [r.model_dump() for r in body.ratings]
    return _view(await run_in_threadpool(
        lambda: service.rate_many(who, review_id, rows, reviewer_in_path=reviewer)))


async def submit_ratings(request: Request, service: Any, who: Principal) -> Response:
    """POST /v1/reviews/{id}/ratings/{reviewer}/submit."""
    review_id = _id(request)
    await _body(request, ReasonIn)
    return _view(await run_in_threadpool(service.submit_ratings, who, review_id, _id(request, "reviewer")))


async def reopen(request: Request, service: Any, who: Principal) -> Response:
    """POST /v1/reviews/{id}/ratings/{reviewer}/reopen (moderator, with a reason)."""
    body = await _body(request, ReasonIn)
    return _view(await run_in_threadpool(service.reopen, who, _id(request), _id(request, "reviewer"), body.reason))


async def agreed(request: Request, service: Any, who: Principal) -> Response:
    """PUT /v1/reviews/{id}/agreed/{component} records; DELETE withdraws."""
    review_id, component = _id(request), _id(request, "component")
    if request.method == "DELETE":
        return _view(await run_in_threadpool(service.withdraw_agreed, who, review_id, component))
    body = await _body(request, AgreedIn)
    return _view(await run_in_threadpool(
        lambda: service.agree(who, review_id, component, level=body.level, reason=body.reason,
                              agreed_by=body.agreed_by)))


async def transition(request: Request, service: Any, who: Principal) -> Response:
    """POST /v1/reviews/{id}/{action}: submit, accept, reject, request-changes, revoke."""
    action = _id(request, "action")
    if action not in ACTIONS:
        raise HTTPProblem(404, f"no such route: a review's action is one of {', '.join(ACTIONS)}")
    body = await _body(request, ReasonIn)
    return _view(await run_in_threadpool(service.transition, who, _id(request), action, body.reason))


async def scored(request: Request, service: Any, who: Principal) -> Response:
    """GET /v1/reviews/{id}/scored: the CapacityReviewResult, as ``stocktake review`` writes it."""
    from stocktake.ledger.recording import result_json

    result = await run_in_threadpool(service.scored, who, _id(request))
    return Response(result_json(result), media_type=JSON)


async def review_yaml(request: Request, service: Any, who: Principal) -> Response:
    """GET /v1/reviews/{id}/review.yaml: the CapacityReview the command line reads."""
    text = await run_in_threadpool(service.document_yaml, who, _id(request))
    return Response(text.encode("utf-8"), media_type="application/yaml; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{_id(request)}.yaml"'})


async def ratings_table(request: Request, service: Any, who: Principal) -> Response:
    """GET /v1/reviews/{id}/ratings.csv | ratings.xlsx: the ratings table."""
    fmt = _id(request, "fmt")
    if fmt not in ("csv", "xlsx"):
        raise HTTPProblem(404, "no such route: the ratings table is ratings.csv or ratings.xlsx")
    body = await run_in_threadpool(service.ratings_table, who, _id(request), fmt)
    media = ("text/csv; charset=utf-8" if fmt == "csv" else
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{_id(request)}-ratings.{fmt}"'})


async def events(request: Request, service: Any, who: Principal) -> Response:
    """GET /v1/reviews/{id}/events: the review's events this principal may see."""
    from dataclasses import asdict

    found = await run_in_threadpool(service.events, who, _id(request))
    return JSONResponse({"events": [asdict(e) for e in found]})


_R = "/v1/reviews/{review_id}"
ROUTES = [
    Route("/v1/reviews", _endpoint(create), methods=["POST"], name="reviews-create"),
    Route("/v1/reviews", _endpoint(listing), methods=["GET"], name="reviews-list"),
    Route(_R, _endpoint(get), methods=["GET"]),
    Route(f"{_R}/evidence", _endpoint(evidence), methods=["POST"]),
    Route(f"{_R}/ratings/{{reviewer}}", _endpoint(ratings), methods=["PUT"]),
    Route(f"{_R}/ratings/{{reviewer}}/submit", _endpoint(submit_ratings), methods=["POST"]),
    Route(f"{_R}/ratings/{{reviewer}}/reopen", _endpoint(reopen), methods=["POST"]),
    Route(f"{_R}/agreed/{{component}}", _endpoint(agreed), methods=["PUT", "DELETE"]),
    Route(f"{_R}/scored", _endpoint(scored), methods=["GET"]),
    Route(f"{_R}/review.yaml", _endpoint(review_yaml), methods=["GET"]),
    Route(f"{_R}/ratings.{{fmt}}", _endpoint(ratings_table), methods=["GET"]),
    Route(f"{_R}/events", _endpoint(events), methods=["GET"]),
    Route(f"{_R}/{{action}}", _endpoint(transition), methods=["POST"]),
]
"""The workflow's routes, in the order Starlette tries them (the sign-off action last)."""


_REFUSALS = ((400, "A bad body: located errors (file 'request', line:column, JSON path)"),
             (401, "A token is needed, or this one is unknown or revoked"), (403, "The role forbids it"),
             (404, "No such review (or none this token may see), or no ledger"),
             (409, "The review's state forbids it now"), (413, "The body is too large"),
             (415, "Not application/json"))


def openapi_parts() -> tuple[dict[str, Any], dict[str, Any]]:
    """The workflow's part of the OpenAPI document: ``(paths, component schemas)``. Each route's
    operations with their path parameters (``{action}`` an enum), request body (the model's JSON
    Schema, under ``components/schemas`` as ``Workflow.<Model>``), and refusals (referring to
    ``#/components/schemas/Error``)."""
    import re

    from stocktake.server.workflow.bodies import body_schemas

    components: dict[str, Any] = {}
    bodies: dict[tuple[str, str], dict[str, Any]] = {}
    for key, body in body_schemas().items():
        text = json.dumps(body).replace('"#/$defs/', '"#/components/schemas/Workflow.')
        found = json.loads(text)
        for name, part in found.pop("$defs", {}).items():
            components[f"Workflow.{name}"] = part
        components[f"Workflow.{found.get('title', 'Body')}"] = found
        bodies[key] = {"required": False, "content": {JSON: {"schema": {
            "$ref": f"#/components/schemas/Workflow.{found.get('title', 'Body')}"}}}}
    error = {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}}
    refusals = {str(code): {"description": what, "content": error} for code, what in _REFUSALS}
    paths: dict[str, Any] = {}
    for route in ROUTES:
        parameters = []
        for name in re.findall(r"{(\w+)}", route.path):
            schema: dict[str, Any] = {"type": "string"}
            if name == "action":
                schema["enum"] = list(ACTIONS)
            elif name == "fmt":
                schema["enum"] = ["csv", "xlsx"]
            parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
        doc = (getattr(route.endpoint, "__doc__", None) or "").strip().splitlines()
        for method in sorted((route.methods or set()) - {"HEAD"}):
            operation: dict[str, Any] = {
                "summary": doc[0] if doc else f"{method} {route.path}", "parameters": parameters,
                "security": [{"bearer": []}],
                "responses": {"201" if route.path == "/v1/reviews" and method == "POST" else "200":
                              {"description": "JSON (or the download named)"}, **refusals}}
            if (method, route.path) in bodies:
                operation["requestBody"] = bodies[(method, route.path)]
            paths.setdefault(route.path, {})[method.lower()] = operation
    return paths, components
