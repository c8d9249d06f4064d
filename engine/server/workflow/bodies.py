"""A workflow request's body: JSON read by the project's located parser, checked against its
model's JSON Schema, every problem worded as a document's are (``property 'reason'``, ``one of
the properties ...``) and located in the file ``request`` at its line:column and JSON path.

Also the body schemas of the workflow's routes, for the OpenAPI document (:func:`body_schemas`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from stocktake.core.errors import DocumentError, DocumentErrors

if TYPE_CHECKING:
    from stocktake.core.parsed import Parsed

__all__ = ["REQUEST", "body_schemas", "parse_body", "relocated"]

REQUEST = "request"
"""The file name errors in a request's body carry."""

M = TypeVar("M", bound=BaseModel)


def parse_body(raw: bytes, model: type[M]) -> M:
    """``raw`` (JSON; empty: ``{}``) as ``model``.

    :raises DocumentError: not UTF-8 or not JSON (at its line:column), or not what ``model``
        accepts (every problem, one per place, each at its line:column and JSON path).
    """
    from stocktake.core.parsed import Parsed
    from stocktake.core.parsing import decode_text, parse_text

    text = decode_text(raw, REQUEST) if raw.strip() else ""
    try:
        parsed = parse_text(text, fmt="json") if text.strip() else Parsed({})
    except DocumentError as err:
        raise err.located(REQUEST, err.line, err.column) from None
    try:
        return model.model_validate(parsed.data)
    except ValidationError as err:
        problems = _schema_problems(model.model_json_schema(), parsed.data) or [
            DocumentError(str(e["msg"]), repr(e.get("input"))[:80], path=tuple(e["loc"])) for e in err.errors()]
        located = [_located(p, parsed) for p in problems]
        raise (located[0] if len(located) == 1 else DocumentErrors(located)) from None


def _schema_problems(schema: dict[str, Any], data: Any) -> list[DocumentError]:
    """Every violation of ``schema`` by ``data``, one per place (each missing property its own)."""
    from jsonschema.exceptions import best_match

    from stocktake.core.schemas import local_validator, schema_error

    by_place: dict[tuple[Any, ...], list[Any]] = {}
    for error in local_validator(schema).iter_errors(data):
        about = error.validator if error.validator in ("required", "additionalProperties") else ""
        by_place.setdefault((*error.absolute_path, about), []).append(error)
    problems: list[DocumentError] = []
    for errors in by_place.values():
        chosen = best_match(errors)
        if chosen.validator == "required" and isinstance(chosen.instance, dict):
            problems += [DocumentError(f"property {name!r}", "a mapping without it", path=tuple(chosen.absolute_path))
                         for name in chosen.validator_value if name not in chosen.instance]
        else:
            problems.append(schema_error(chosen, schema))
    return problems


def _located(problem: DocumentError, parsed: Parsed) -> DocumentError:
    position = parsed.locate_key(problem.path) if problem.on_key else parsed.locate(problem.path)
    line, column = position if position is not None else (None, None)
    return problem.located(REQUEST, line, column)


def relocated(err: DocumentError, *, drop: Iterable[str | int] = ()) -> DocumentError:
    """``err`` (about a document the service built from a request, ``<data>``) as an error in the
    request: file ``request``, its path without the leading parts ``drop`` (where the request's
    value sits in the built document)."""
    prefix = tuple(drop)

    def one(e: DocumentError) -> DocumentError:
        path = e.path[len(prefix):] if prefix and tuple(e.path[:len(prefix)]) == prefix else e.path
        return DocumentError(e.expected, e.found, path=path, file=REQUEST, on_key=e.on_key)
    errors = err.errors if isinstance(err, DocumentErrors) else [err]
    moved = [one(e) for e in errors]
    return moved[0] if len(moved) == 1 else DocumentErrors(moved)


def body_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """The JSON Schema of each workflow route's request body, by ``(method, path)`` as the routes
    are declared (for the OpenAPI document's ``requestBody``). Routes without a body are absent."""
    from stocktake.server.workflow.model import AgreedIn, EvidenceIn, RatingsIn, ReasonIn, ReviewCreate

    review = "/v1/reviews/{review_id}"
    return {("POST", "/v1/reviews"): ReviewCreate.model_json_schema(),
            ("POST", f"{review}/evidence"): EvidenceIn.model_json_schema(),
            ("PUT", f"{review}/ratings/{{reviewer}}"): RatingsIn.model_json_schema(),
            ("POST", f"{review}/ratings/{{reviewer}}/submit"): ReasonIn.model_json_schema(),
            ("POST", f"{review}/ratings/{{reviewer}}/reopen"): ReasonIn.model_json_schema(),
            ("PUT", f"{review}/agreed/{{component}}"): AgreedIn.model_json_schema(),
            ("POST", f"{review}/{{action}}"): ReasonIn.model_json_schema()}
