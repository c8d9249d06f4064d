"""Errors as JSON responses: the CLI's located messages, with the HTTP status they mean.

Every route and middleware answers a problem through :func:`error_response`, so a client reads one
shape whatever went wrong (``message`` and ``exit_code`` always)::

    {"error": {"message": "...", "exit_code": 2, "errors": [{"file": "request", "line": 3, ...}], "more": 0}}

``errors`` and ``more`` are there for a document's problems only. A body that is not a document
the CLI would accept, for any reason (syntax or schema), is 400: the CLI does not tell the two
apart either (exit 2 for both).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from stocktake.core.errors import DocumentError, ExitCode, ManyErrors, PluginError, StocktakeError, one_line

__all__ = ["HTTPProblem", "error_body", "error_response"]


class HTTPProblem(Exception):
    """A problem that is not a document's: ``raise HTTPProblem(413, "...")`` in a route or middleware.
    Its ``exit_code`` is the CLI's for a usage problem, 2: a request the server refuses (no token, a
    body too large, past the time limit) is the caller's to change, as a bad option is."""

    exit_code = int(ExitCode.USER_ERROR)

    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def _status(err: BaseException) -> int:
    if isinstance(err, HTTPProblem):
        return err.status
    status = getattr(err, "status", None)
    if isinstance(status, int):
        return status
    if isinstance(err, StocktakeError) and err.exit_code == ExitCode.PLUGIN_FAILED:
        return 500
    return 400 if isinstance(err, StocktakeError) else 500


def _located(err: DocumentError) -> dict[str, Any]:
    return {"file": err.file, "line": err.line, "column": err.column, "path": _path(err),
            "message": one_line(str(err)), "expected": one_line(err.expected), "found": one_line(err.found)}


def _path(err: DocumentError) -> str:
    from stocktake.core.errors import json_path

    return json_path(err.path)


def error_body(err: BaseException, *, max_errors: int = 20) -> dict[str, Any]:
    """The JSON body for ``err``: the CLI's lines joined as the message, each located problem listed."""
    if isinstance(err, HTTPProblem):
        return {"error": {"message": one_line(err.message), "exit_code": err.exit_code}}
    if not isinstance(err, StocktakeError):
        return {"error": {"message": "internal error (a bug in Stocktake): see the server's log", "exit_code": 1}}
    body: dict[str, Any] = {"message": "; ".join(err.lines(max_errors)), "exit_code": int(err.exit_code)}
    problems = _document_errors(err)
    if problems:
        body["errors"] = [_located(e) for e in problems[:max_errors]]
        body["more"] = max(len(problems) - max_errors, 0)
    if isinstance(err, PluginError):
        body["plugin"] = err.plugin
    return {"error": body}


def _document_errors(err: StocktakeError) -> list[DocumentError]:
    if isinstance(err, DocumentError):
        return err.errors
    if isinstance(err, ManyErrors):
        return [e for inner in err.errors for e in _document_errors(inner)]
    return []


def error_response(err: BaseException, *, status: int | None = None, max_errors: int = 20,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    """``err`` as a JSON response; ``status`` overrides the one the error means (see module doc)."""
    headers = {**(err.headers if isinstance(err, HTTPProblem) else {}), **(headers or {})}
    code = status if status is not None else _status(err)
    if code == 401:
        headers.setdefault("WWW-Authenticate", "Bearer")
    return JSONResponse(error_body(err, max_errors=max_errors), status_code=code, headers=headers)
