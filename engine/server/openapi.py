"""``GET /v1/openapi.json``: the API described as OpenAPI 3.1, its document and result bodies the
published JSON Schemas of schemas/ (each schema's ``$defs`` lifted into the components as
``Kind.Name``, so every ``$ref`` resolves within the one document)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

__all__ = ["ROUTES", "openapi_document"]

ERROR = {"type": "object", "required": ["error"], "additionalProperties": False, "properties": {"error": {
    "type": "object", "required": ["message", "exit_code"], "properties": {
        "message": {"type": "string", "description": "The CLI's message, its lines joined with '; '."},
        "exit_code": {"type": "integer", "description": "The exit code the CLI would end with."},
        "errors": {"type": "array", "items": {"type": "object", "properties": {
            "file": {"type": ["string", "null"]}, "line": {"type": ["integer", "null"]},
            "column": {"type": ["integer", "null"]}, "path": {"type": "string"}, "message": {"type": "string"},
            "expected": {"type": "string"}, "found": {"type": "string"}}}},
        "more": {"type": "integer", "description": "Problems found beyond those listed."},
        "plugin": {"type": "string"}}}}}

# (path, summary, body kind or None, result kind, formats, extra query options)
COMPUTE = [
    ("/v1/validate", "stocktake validate: check a document of any kind", "any", None, ("json",), ()),
    ("/v1/review", "stocktake review: score a capacity review", "CapacityReview", "CapacityReviewResult",
     ("json", "md", "html", "csv", "xlsx"), ("strategy", "baseline")),
    ("/v1/judge", "stocktake judge: judge an assessment's priorities", "DeliveryAssessment",
     "DeliveryAssessmentResult", ("json", "jsonl", "md", "html", "csv", "xlsx"),
     ("rules", "severity-rules", "previous")),
    ("/v1/judge/batch", "stocktake judge BATCH.jsonl: JSON Lines of priorities in, results out (streamed)",
     "jsonl", "DeliveryAssessmentResult", ("jsonl", "json", "md", "html", "csv", "xlsx"),
     ("period", "as-of", "rules", "severity-rules", "previous")),
    ("/v1/chain", "stocktake chain: analyse a delivery chain", "DeliveryChain", "DeliveryChainResult",
     ("json", "md", "html", "dot", "mermaid", "csv", "xlsx"), ()),
    ("/v1/report", "stocktake report: one delivery report of several documents", "report", "DeliveryReport",
     ("html", "md", "json", "pdf"), ("title", "rules", "severity-rules", "strategy", "paper")),
]
CATALOGUES = ["/v1/rubrics", "/v1/rubrics/{rubric_id}", "/v1/rulesets", "/v1/schemas", "/v1/schemas/{kind}",
              "/v1/plugins", "/v1/version", "/v1/health"]


def _components() -> dict[str, Any]:
    from stocktake.core.schemas import load_schema
    from stocktake.kinds import KINDS

    found: dict[str, Any] = {"Error": ERROR}
    for kind in KINDS.values():
        schema = json.loads(json.dumps(load_schema(kind)).replace('"#/$defs/', f'"#/components/schemas/{kind.name}.'))
        for name, part in schema.pop("$defs", {}).items():
            found[f"{kind.name}.{name}"] = part
        schema.pop("$schema", None)
        found[kind.name] = schema
    return found


def _ref(kind: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{kind}"}


def _errors() -> dict[str, Any]:
    body = {"application/json": {"schema": _ref("Error")}}
    return {str(code): {"description": what, "content": body} for code, what in (
        (400, "Bad input: the CLI's located message"), (401, "A token is needed"), (413, "The body is too large"),
        (415, "Not a media type this route reads"), (503, "Past the request's time limit"))}


def _body(kind: str) -> dict[str, Any]:
    if kind == "jsonl":
        from stocktake.server.inputs import BATCH_TYPES

        return {"required": True, "content": {media: {"schema": {"type": "string"}} for media in sorted(BATCH_TYPES)}}
    if kind == "report":
        schema: dict[str, Any] = {"type": "object", "required": ["documents"], "properties": {"documents": {
            "type": "array", "items": {"oneOf": [
                {"type": "object", "required": ["text"], "properties": {"name": {"type": "string"},
                                                                         "text": {"type": "string"}}},
                {"type": "object"}]}}}}
    else:
        schema = {"type": "object"} if kind == "any" else _ref(kind)
    from stocktake.server.inputs import DOCUMENT_TYPES

    return {"required": True, "content": {media: {"schema": schema} for media in sorted(DOCUMENT_TYPES)}}


def _compute(summary: str, kind: str, result: str | None, formats: tuple[str, ...],
             extra: tuple[str, ...]) -> dict[str, Any]:
    query = [{"name": "format", "in": "query", "schema": {"type": "string", "enum": list(formats)}}]
    query += [{"name": name, "in": "query", "schema": {"type": "string"}} for name in ("name", *extra)
              if not (kind == "report" and name == "name")]
    ok: dict[str, Any] = {"description": "The CLI's output, byte for byte",
                          "headers": {"Stocktake-Decision-Id": {"schema": {"type": "string"}},
                                      "Stocktake-Run-Id": {"schema": {"type": "string"}},
                                      "Stocktake-Plugin-Failures": {"schema": {"type": "integer"}}}}
    ok["content"] = _answers(result, formats)
    return {"post": {"summary": summary, "parameters": query, "requestBody": _body(kind),
                     "responses": {"200": ok, **_errors()}}}


def _answers(result: str | None, formats: tuple[str, ...]) -> dict[str, Any]:
    """The 200 response's body for each ``format``: the result's schema for json, text or bytes else."""
    from stocktake.server.compute import MEDIA_TYPES

    content: dict[str, Any] = {}
    for fmt in formats:
        if fmt == "json":
            schema: dict[str, Any] = _ref(result) if result is not None else {"type": "object"}
        elif fmt in ("xlsx", "pdf"):
            schema = {"type": "string", "format": "binary"}
        else:
            schema = {"type": "string"}
        content[MEDIA_TYPES[fmt]] = {"schema": schema}
    return content


def _catalogue(path: str) -> dict[str, Any]:
    parameters = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                  for name in ("rubric_id", "kind") if "{" + name + "}" in path]
    return {"get": {"summary": f"GET {path}", "parameters": parameters,
                    "responses": {"200": {"description": "JSON", "content": {"application/json": {}}},
                                  **_errors()}}}


@cache
def openapi_document() -> str:
    from stocktake._version import __version__

    paths: dict[str, Any] = {path: _compute(*rest) for path, *rest in COMPUTE}  # type: ignore[arg-type]
    paths.update({path: _catalogue(path) for path in CATALOGUES})
    paths["/healthz"] = _catalogue("/healthz")
    paths["/v1/openapi.json"] = {"get": {"summary": "This document (OpenAPI 3.1); no token needed", "security": [{}],
                                         "responses": {"200": {"description": "JSON",
                                                               "content": {"application/json": {}}}}}}
    from stocktake.server.workflow_api import openapi_parts

    workflow_paths, workflow_schemas = openapi_parts()
    paths.update(workflow_paths)
    document = {"openapi": "3.1.0",
                "info": {"title": "Stocktake", "version": __version__,
                         "description": "The Stocktake engine over HTTP: the CLI's commands under /v1."},
                "servers": [{"url": "/"}], "paths": paths,
                "security": [{"bearer": []}, {}],  # a token when the server has a ledger; none without
                "components": {"schemas": {**_components(), **workflow_schemas},
                               "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}}}
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


def openapi(request: Request) -> Response:
    return Response(openapi_document().encode("utf-8"), media_type="application/json")


ROUTES: list[BaseRoute] = [Route("/v1/openapi.json", openapi, methods=["GET"])]
