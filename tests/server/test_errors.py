"""error_response: every problem as the one JSON shape, with the status it means (in-process units;
the seams themselves are tested over HTTP in test_api.py)."""

from __future__ import annotations

import json

from stocktake.core.errors import DocumentError, DocumentErrors, ManyErrors, PluginError, UsageError
from stocktake.server.errors import HTTPProblem, error_response


def _body(response) -> dict:
    return json.loads(response.body)["error"]


def test_a_document_error_lists_its_located_problems_and_counts_the_rest() -> None:
    errors = DocumentErrors([DocumentError("a date", f"'x{i}'", path=("ratings", i, "date"), file="request",
                                           line=i + 1, column=3) for i in range(5)])
    response = error_response(errors, max_errors=2)
    assert response.status_code == 400
    body = _body(response)
    assert body["exit_code"] == 2 and body["more"] == 3
    assert [e["path"] for e in body["errors"]] == ["$.ratings[0].date", "$.ratings[1].date"]
    assert body["errors"][0] == {"file": "request", "line": 1, "column": 3, "path": "$.ratings[0].date",
                                 "message": "request:1:3: $.ratings[0].date: expected a date, found 'x0'",
                                 "expected": "a date", "found": "'x0'"}
    assert body["message"].endswith("and 3 more errors (--max-errors to see more)")


def test_several_documents_problems_are_all_listed() -> None:
    many = ManyErrors([DocumentError("x", "y", file="a"), UsageError("no such option"),
                       DocumentError("p", "q", file="b")])
    body = _body(error_response(many))
    assert [e["file"] for e in body["errors"]] == ["a", "b"]
    assert "no such option" in body["message"]


def test_the_status_an_error_carries_is_kept() -> None:
    class Conflict(UsageError):
        status = 409

    assert error_response(Conflict("the review is submitted")).status_code == 409
    assert error_response(UsageError("x"), status=422).status_code == 422


def test_a_missing_token_asks_for_a_bearer_token() -> None:
    response = error_response(HTTPProblem(401, "a token, please"))
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer"
    assert _body(response) == {"message": "a token, please", "exit_code": 2}


def test_every_refusal_has_the_one_shape_with_its_exit_code() -> None:
    for status in (401, 403, 404, 405, 409, 413, 415, 503):
        assert set(_body(error_response(HTTPProblem(status, "no")))) == {"message", "exit_code"}
        assert _body(error_response(HTTPProblem(status, "no")))["exit_code"] == 2
    assert _body(error_response(UsageError("no")))["exit_code"] == 2


def test_a_plugin_that_cannot_run_is_500_with_exit_code_3_and_a_bug_tells_nothing() -> None:
    failed = error_response(PluginError("could not load", plugin="p", distribution="d", version="1"))
    assert failed.status_code == 500 and _body(failed)["exit_code"] == 3 and _body(failed)["plugin"] == "p"
    bug = error_response(RuntimeError("secret /etc/path in a traceback"))
    assert bug.status_code == 500 and "secret" not in bug.body.decode()
