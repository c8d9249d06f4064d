"""``POST /v1/report``: ``stocktake report`` of several documents sent in one body.

The body is JSON or YAML: ``{"documents": [ITEM, ...]}``, each ITEM either ``{"name": "review-2026.yaml",
"text": "<the document's text>"}`` (errors then give line:column in that text; the name is what the
report's inputs call it, as a file of that name would be) or a document as data (named
``request:documents[N]``). Query options: ``format`` (html, md, json, pdf), ``title``, ``rules``,
``severity-rules``, ``strategy``, ``paper``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from stocktake.core.errors import DocumentError
from stocktake.server.compute import Outcome, decide, decision
from stocktake.server.inputs import (
    DOCUMENT_TYPES,
    REQUEST_NAME,
    Document,
    check_strategy,
    content_type,
    document_name,
    options,
    registered_rules,
)
from stocktake.server.limits import bounded_body

__all__ = ["ROUTES", "report_documents"]

REPORT_FORMATS = ("html", "md", "json", "pdf")
MAX_DOCUMENTS = 1_000


def report_documents(raw: bytes, limits: Any) -> list[Document]:
    """The documents of a report request's body (see the module doc); 400 for a body of another shape."""
    from stocktake.core.parsing import decode_text, parse_text

    text = decode_text(raw, REQUEST_NAME)
    fmt = "json" if text.lstrip()[:1] in ("{", "[") else "yaml"
    data = parse_text(text, fmt=fmt, limits=limits).data
    items = data.get("documents") if isinstance(data, dict) else None
    if not isinstance(data, dict) or set(data) != {"documents"} or not isinstance(items, list) or not items:
        raise DocumentError('a mapping with one key, documents: a list of {"name": ..., "text": ...} or documents '
                            "as data", "a body of another shape", file=REQUEST_NAME)
    if len(items) > MAX_DOCUMENTS:
        raise DocumentError(f"at most {MAX_DOCUMENTS:,} documents", f"{len(items):,}", path=("documents",),
                            file=REQUEST_NAME)
    return [_item(item, number) for number, item in enumerate(items)]


def _item(item: Any, number: int) -> Document:
    default = f"{REQUEST_NAME}:documents[{number}]"
    if isinstance(item, dict) and set(item) <= {"name", "text"} and isinstance(item.get("text"), str):
        name = item.get("name")
        if name is not None and not isinstance(name, str):
            raise DocumentError("a file name", type(name).__name__, path=("documents", number, "name"),
                                file=REQUEST_NAME)
        return Document(item["text"].encode("utf-8", "surrogatepass"), document_name(name, default))
    if isinstance(item, dict):
        return Document(json.dumps(item, ensure_ascii=False, indent=1, default=str).encode("utf-8"), default)
    raise DocumentError('{"name": ..., "text": ...} or a document as data', type(item).__name__,
                        path=("documents", number), file=REQUEST_NAME)


async def report(request: Request) -> Response:
    given = options(request, {"format": REPORT_FORMATS, "title": None, "rules": None, "severity-rules": None,
                              "strategy": None, "paper": ("a4", "letter")})
    content_type(request, DOCUMENT_TYPES)
    raw = await bounded_body(request, request.app.state.config.max_body_bytes)
    engine, ledger = request.app.state.engine, request.app.state.config.ledger

    def work() -> Outcome:
        from stocktake.render import render_report, render_report_pdf

        documents = report_documents(raw, engine.limits)
        rules = registered_rules(engine, given["rules"], "rules")
        severity = registered_rules(engine, given["severity-rules"], "severity-rules")
        strategy = check_strategy(engine, given["strategy"])
        loaded = [_loaded(engine, doc) for doc in documents]
        result = _built(engine, ledger, loaded, title=given["title"], rules=rules, strategy=strategy,
                        severity_rules=severity)
        fmt, paper = given["format"] or "html", given["paper"] or "a4"
        content = render_report_pdf(result, paper) if fmt == "pdf" else render_report(result, fmt, paper)
        failures = [*(result.assessment.failures if result.assessment else []),
                    *(f for r in result.reviews for f in r.failures),
                    *(f for c in result.chains for f in c.result.failures)]
        options_recorded = {"paths": json.dumps([d.name for d in documents]), "rules": rules, "strategy": strategy,
                            "severity_rules": severity}
        known = {hashlib.sha256(d.data).hexdigest(): d.data for d in documents}
        return Outcome(content, fmt, result, "report", options_recorded, known, len(failures))

    return await decide(request, work)


def _loaded(engine: Any, doc: Document) -> Any:
    from stocktake.report.build import REPORT_KINDS

    loaded = engine.load(doc.stream(), kinds=(*REPORT_KINDS, "DeliveryReport"))
    if loaded.kind == "DeliveryAssessment":
        registered_rules(engine, loaded.model.rules, f"{doc.name}: rules")
        registered_rules(engine, loaded.model.severity_rules, f"{doc.name}: severity_rules")
    return loaded


def _built(engine: Any, ledger: str | None, loaded: list[Any], **how: Any) -> Any:
    if ledger is None:
        return engine.report(loaded, **how)
    from stocktake.ledger import open_ledger
    from stocktake.ledger.history import LedgerHistory

    with open_ledger(ledger) as opened:
        return engine.report(loaded, history=LedgerHistory(opened), **how)


ROUTES: list[BaseRoute] = [Route("/v1/report", decision(report), methods=["POST"])]
