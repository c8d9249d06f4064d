"""One stateless decision over HTTP: the work in a worker thread within the time limit, a
``decision_id``, the run recorded in the ledger (when there is one), and the CLI's bytes.

Headers: ``Stocktake-Decision-Id`` always; ``Stocktake-Run-Id`` (the first run recorded, the
others in ``Stocktake-Run-Ids``) when recorded; ``Stocktake-Plugin-Failures`` (how many) when a
plugin failed, the status staying 200 as the CLI writes its output before its exit 3.
"""

from __future__ import annotations

import functools
import os
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from stocktake.core.errors import StocktakeError
from stocktake.server.access import actor, require_principal
from stocktake.server.errors import HTTPProblem, error_response
from stocktake.server.inputs import for_http
from stocktake.server.limits import in_thread

__all__ = ["MEDIA_TYPES", "Outcome", "decide", "decision", "decision_id", "new_decision_id"]

MEDIA_TYPES = {
    "json": "application/json", "jsonl": "application/jsonl", "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8", "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "dot": "text/vnd.graphviz; charset=utf-8", "mermaid": "text/plain; charset=utf-8", "pdf": "application/pdf",
    "text": "text/plain; charset=utf-8",
}


@dataclass
class Outcome:
    """What a route's work produced: the content as the CLI writes it and what the ledger records."""

    content: str | bytes
    fmt: str
    result: Any = None
    """The result recorded (None: nothing to record, e.g. validate)."""
    command: str = ""
    options: dict[str, str | None] = field(default_factory=dict)
    given: dict[str, bytes] = field(default_factory=dict)
    """The request's documents by sha256 (what the ledger stores as the run's inputs)."""
    failures: int = 0


def new_decision_id() -> str:
    return uuid.uuid4().hex


Endpoint = Callable[[Request], Awaitable[Response]]


def decision(endpoint: Endpoint) -> Endpoint:
    """A compute route: its request gets a decision id first, and the caller is checked before the
    route reads anything (an unauthenticated client cannot make the server take in a body: 401 first).
    A problem the route raises before :func:`decide` (an unknown option, a bad name, a body of the
    wrong type) is answered here, with that id, like one found while judging."""

    @functools.wraps(endpoint)
    async def route(request: Request) -> Response:
        request.state.decision_id = new_decision_id()
        try:
            # in a thread: the lookup reads the ledger under the service's lock, and would stall the loop
            request.state.actor = actor(await run_in_threadpool(require_principal, request))
            return await endpoint(request)
        except (StocktakeError, HTTPProblem) as err:
            config = request.app.state.config
            return error_response(for_http(err, config.ledger), max_errors=config.max_errors,
                                  headers={"Stocktake-Decision-Id": request.state.decision_id})

    return route


def decision_id(request: Request) -> str:
    """The request's decision id (made by :func:`decision`)."""
    given = getattr(request.state, "decision_id", None)
    if given is None:
        given = request.state.decision_id = new_decision_id()
    return str(given)


class _Commitment:
    """Whether a decision is recorded or answered 503, never both: the timeout abandons it only
    before its recording has begun (a run being recorded is waited for and answered)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._abandoned = self._begun = False

    def begin(self) -> bool:
        """The work is done: True, record it; False, it was abandoned."""
        with self._lock:
            self._begun = not self._abandoned
            return self._begun

    def abandon(self) -> bool:
        """The time is up: True, abandoned (503); False, recording has begun."""
        with self._lock:
            self._abandoned = not self._begun
            return self._abandoned


SLOW_RECORD_HOOK = "STOCKTAKE_TEST_SLOW_RECORD"
"""Test-only: seconds to wait before recording a decision (to show a timeout during recording)."""


def record(request: Request, outcome: Outcome, decision_id: str, who: str) -> list[str]:
    """Record ``outcome`` in the server's ledger (the CLI's run, with ``decision_id`` and ``via`` among
    its options); the run ids. Nothing without a ledger or a result."""
    config = request.app.state.config
    if config.ledger is None or outcome.result is None:
        return []
    from stocktake.ledger.recording import record_result

    if os.environ.get(SLOW_RECORD_HOOK):
        time.sleep(float(os.environ[SLOW_RECORD_HOOK]))
    options = {**outcome.options, "decision_id": decision_id, "via": "http"}
    runs = record_result(config.ledger, request.app.state.engine, outcome.command, options, outcome.result, who,
                         given=outcome.given)
    return [run.run_id for run, _ in runs]


async def decide(request: Request, work: Callable[[], Outcome],
                 headers: Mapping[str, str] | None = None) -> Response:
    """Run ``work`` (in a thread, within the server's time limit), record it, answer with its bytes."""
    who: str = request.state.actor  # the route is a decision(...): the caller is checked already
    decided = decision_id(request)
    config = request.app.state.config

    commitment = _Commitment()

    def run() -> tuple[Outcome, list[str]]:
        outcome = work()
        if not commitment.begin():  # answered 503 already: the decision was not given, so it is not recorded
            return outcome, []
        return outcome, record(request, outcome, decided, who)

    try:
        outcome, runs = await in_thread(run, config.request_timeout_s, commitment.abandon)
    except (StocktakeError, HTTPProblem) as err:
        return error_response(for_http(err, config.ledger), max_errors=config.max_errors,
                              headers={"Stocktake-Decision-Id": decided})
    sent = {"Stocktake-Decision-Id": decided, **(headers or {})}
    if runs:
        sent["Stocktake-Run-Id"] = runs[0]
        if len(runs) > 1:
            sent["Stocktake-Run-Ids"] = ", ".join(runs)
    if outcome.failures:
        sent["Stocktake-Plugin-Failures"] = str(outcome.failures)
    body = outcome.content.encode("utf-8") if isinstance(outcome.content, str) else outcome.content
    return Response(body, media_type=MEDIA_TYPES[outcome.fmt], headers=sent)
