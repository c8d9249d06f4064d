"""The stateless routes under /v1 that judge a document sent in the body, as the CLI's commands do.

Each answers the bytes the CLI writes for the same document (named as ``name`` says, default
``request``) and the same options, given as query parameters by their CLI names (``format``,
``strategy``, ``rules``, ``severity-rules``, ...). A report's documents come as one JSON or YAML
body ``{"documents": [{"name": ..., "text": ...} or a document as data, ...]}``. The judge batch
is in :mod:`stocktake.server.batch`.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from stocktake.server.compute import Outcome, decide, decision
from stocktake.server.inputs import (
    Document,
    body_document,
    check_strategy,
    earlier_result,
    options,
    registered_rules,
)

__all__ = ["ROUTES"]

REVIEW_FORMATS = ("json", "md", "html", "csv", "xlsx")
JUDGE_FORMATS = ("json", "jsonl", "md", "html", "csv", "xlsx")
CHAIN_FORMATS = ("json", "md", "html", "dot", "mermaid", "csv", "xlsx")


def _given(doc: Document) -> dict[str, bytes]:
    return {hashlib.sha256(doc.data).hexdigest(): doc.data}


def _failures(result: Any) -> int:
    return len(getattr(result, "failures", []) or [])


def _checked_assessment(engine: Any, loaded: Any) -> None:
    """An assessment sent in a request names its rule sets by id only (a RuleSet file is the server's)."""
    model = loaded.model
    registered_rules(engine, getattr(model, "rules", None), "the assessment's rules")
    registered_rules(engine, getattr(model, "severity_rules", None), "the assessment's severity_rules")


async def validate(request: Request) -> Response:
    """``stocktake validate``: the line the CLI prints for a valid document; a bad one is 400."""
    given = options(request, {"name": None})
    doc = await body_document(request, given["name"])
    engine = request.app.state.engine

    def work() -> Outcome:
        from stocktake.core.markup import printable

        loaded = engine.load(doc.stream())
        ident = " ".join(str(getattr(loaded.model, n)) for n in ("id", "version") if hasattr(loaded.model, n))
        line = printable(f"ok: {doc.name} ({loaded.kind} {ident})".replace(" )", ")"))
        return Outcome(json.dumps({"ok": True, "kind": loaded.kind, "message": line}) + "\n", "json")

    return await decide(request, work)


async def review(request: Request) -> Response:
    """``stocktake review``: ``format``, ``strategy``, ``baseline`` (``latest`` or ``ledger:RUN``)."""
    given = options(request, {"name": None, "format": REVIEW_FORMATS, "strategy": None, "baseline": None})
    doc = await body_document(request, given["name"])
    engine, ledger = request.app.state.engine, request.app.state.config.ledger

    def work() -> Outcome:
        from stocktake.render import render_review

        strategy = check_strategy(engine, given["strategy"])
        loaded = engine.load(doc.stream(), kinds=("CapacityReview",))
        baseline = earlier_result(engine, ledger, given["baseline"], "CapacityReviewResult", "baseline")
        if baseline == "latest":
            from stocktake.ledger.history import latest_document

            baseline = latest_document(engine, ledger, "CapacityReviewResult", before=loaded.model.date,
                                       system=loaded.model.system, what=f"capacity review of {loaded.model.system!r}",
                                       option="baseline")
        result = engine.review(loaded, strategy=strategy, baseline=baseline)
        fmt = given["format"] or "json"
        named = str(baseline.path) if baseline is not None else None
        return Outcome(render_review(result, fmt), fmt, result, "review",
                       {"path": doc.name, "strategy": strategy, "baseline": named}, _given(doc), _failures(result))

    return await decide(request, work)


async def judge(request: Request) -> Response:
    """``stocktake judge`` of an assessment: ``format``, ``rules``, ``severity-rules``, ``previous``."""
    given = options(request, {"name": None, "format": JUDGE_FORMATS, "rules": None, "severity-rules": None,
                              "previous": None})
    doc = await body_document(request, given["name"])
    engine, ledger = request.app.state.engine, request.app.state.config.ledger

    def work() -> Outcome:
        from stocktake.render import render_assessment

        rules = registered_rules(engine, given["rules"], "rules")
        severity = registered_rules(engine, given["severity-rules"], "severity-rules")
        loaded = engine.load(doc.stream(), kinds=("DeliveryAssessment",))
        _checked_assessment(engine, loaded)
        previous = earlier_assessment(engine, ledger, given["previous"], loaded.model.date)
        result = engine.judge(loaded, rules=rules, previous=previous, severity_rules=severity)
        fmt = given["format"] or "json"
        named = str(previous.path) if previous is not None else None
        return Outcome(render_assessment(result, fmt), fmt, result, "judge",
                       {"path": doc.name, "rules": rules, "severity_rules": severity, "previous": named},
                       _given(doc), _failures(result))

    return await decide(request, work)


def earlier_assessment(engine: Any, ledger: str | None, given: str | None, before: Any) -> Any:
    """``previous``: None, ``ledger:RUN`` or ``latest`` (the ledger's latest result dated before ``before``)."""
    previous = earlier_result(engine, ledger, given, "DeliveryAssessmentResult", "previous")
    if previous == "latest":
        from stocktake.ledger.history import latest_document

        previous = latest_document(engine, ledger, "DeliveryAssessmentResult", before=before,
                                   what="assessment result", option="previous")
    return previous


async def chain(request: Request) -> Response:
    """``stocktake chain``: ``format``."""
    given = options(request, {"name": None, "format": CHAIN_FORMATS})
    doc = await body_document(request, given["name"])
    engine = request.app.state.engine

    def work() -> Outcome:
        from stocktake.render import render_chain

        model, result = engine.chain_with_document(doc.stream(), records=True)
        fmt = given["format"] or "json"
        return Outcome(render_chain(model, result, fmt), fmt, result, "chain", {"path": doc.name}, _given(doc),
                       _failures(result))

    return await decide(request, work)


ROUTES: list[BaseRoute] = [
    Route("/v1/validate", decision(validate), methods=["POST"]),
    Route("/v1/review", decision(review), methods=["POST"]),
    Route("/v1/judge", decision(judge), methods=["POST"]),
    Route("/v1/chain", decision(chain), methods=["POST"]),
]
