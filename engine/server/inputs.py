"""What a request gives a route: its query options (checked against the CLI's), its body as an
in-memory document, and the earlier results it may name (only ``latest`` or ``ledger:RUN``).

Nothing here opens a file named by a request: a document is its body (no directory, so it pulls in
no table beside it), a rule set or strategy is a registered id, never a path, and an earlier
result comes from the ledger.
"""

from __future__ import annotations

import io
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from stocktake.core.errors import UsageError
from stocktake.server.errors import HTTPProblem

__all__ = [
    "BATCH_TYPES",
    "DOCUMENT_TYPES",
    "REQUEST_NAME",
    "Document",
    "body_document",
    "check_strategy",
    "content_type",
    "earlier_result",
    "for_http",
    "options",
    "registered_rules",
]

REQUEST_NAME = "request"
"""What errors and results call a document sent in a request body (unless ``name`` says)."""
NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
"""A ``name`` a request may give its document: a file name (no directory), so the result's
``inputs`` read as the CLI's for a file of that name. A label only: nothing is read by it."""
LEDGER_RUN = re.compile(r"ledger:[0-9a-f]{4,64}")

YAML_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"})
JSON_TYPES = frozenset({"application/json", "text/json"})
JSONL_TYPES = frozenset({"application/jsonl", "application/x-ndjson", "application/jsonlines",
                         "application/x-jsonlines", "text/jsonl"})
DOCUMENT_TYPES = YAML_TYPES | JSON_TYPES | {"text/plain", "application/octet-stream"}
BATCH_TYPES = JSONL_TYPES | JSON_TYPES | {"text/plain", "application/octet-stream"}
"""A judge batch's body: JSON Lines (a JSON type is accepted too: each line is JSON; YAML is not)."""


@dataclass(frozen=True)
class Document:
    """A document sent in a request: its bytes and the name it goes by."""

    data: bytes
    name: str

    def stream(self) -> io.BytesIO:
        """The document as the engine reads one given in memory (a stream with a name)."""
        stream = io.BytesIO(self.data)
        stream.name = self.name
        return stream


def content_type(request: Request, accepted: Collection[str]) -> str:
    """The request's media type, if one of ``accepted`` (none given: ""); else 415."""
    given = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if not given:
        return ""
    if given not in accepted:
        raise HTTPProblem(415, f"a body of type {given} cannot be read here: send one of "
                               f"{', '.join(sorted(accepted))}")
    return given


def options(request: Request, allowed: Mapping[str, tuple[str, ...] | None]) -> dict[str, str | None]:
    """The query options, by name; each one of ``allowed`` (None: any text, else one of the choices).
    An unknown option or a bad choice is 400 naming the ones there are, as the CLI would."""
    found: dict[str, str | None] = dict.fromkeys(allowed)
    for key, value in request.query_params.multi_items():
        if key not in allowed:
            raise UsageError(f"no such option {key!r} here (options: {', '.join(allowed) or 'none'})")
        choices = allowed[key]
        if choices is not None and value not in choices:
            raise UsageError(f"{key}={value!r}: expected one of {', '.join(choices)}")
        if found[key] is not None:
            raise UsageError(f"option {key!r} given twice")
        found[key] = value
    return found


def document_name(given: str | None, default: str = REQUEST_NAME) -> str:
    if given is None:
        return default
    if not NAME.fullmatch(given):
        raise UsageError(f"name={given!r}: expected a file name (letters, digits, '.', '_', '-', at most 128, "
                         "no directory), e.g. name=review-2026.yaml: it names the document, nothing is read")
    return given


async def body_document(request: Request, name: str | None, *, suffix: str = "",
                        accepted: Collection[str] = DOCUMENT_TYPES) -> Document:
    """The body (of a type in ``accepted``, else 415) as one document named ``name`` (default
    ``request``); ``suffix`` is added to a name that lacks it (``.jsonl``: a batch). The body limit
    is the middleware's."""
    content_type(request, accepted)
    chosen = document_name(name)  # JSON or YAML: by the name's suffix, else JSON if it opens as JSON does
    if suffix and not chosen.endswith(suffix):
        chosen += suffix
    from stocktake.server.limits import bounded_body

    return Document(await bounded_body(request, request.app.state.config.max_body_bytes), chosen)


def registered_rules(engine: Any, name: str | None, option: str) -> str | None:
    """``name`` if it is a registered rule set (a request may not name a RuleSet file); else 400."""
    if name is None:
        return None
    known = engine.rule_sets()
    if name not in known:
        raise UsageError(f"{option}: no rule set {name!r} is registered here (rule sets: "
                         f"{', '.join(known) or 'none'}); over HTTP a rule set is named by id, never by a file")
    return name


def check_strategy(engine: Any, name: str | None) -> str | None:
    if name is not None:
        engine.strategy(name)  # UsageError naming the strategies there are
    return name


def earlier_result(engine: Any, ledger: str | None, given: str | None, kind: str, option: str) -> Any:
    """The earlier result ``option`` names: ``ledger:RUN`` (that run's result) or None; ``latest`` is
    resolved by the route (it needs the document's date). Anything else (a path) is 400."""
    if given == "latest" and ledger is None:
        raise UsageError(f"{option}=latest takes the earlier result from the server's ledger, but this server has "
                         f"no ledger (it is started without --ledger): send the request without {option}")
    if given is None or given == "latest":
        return given
    if not LEDGER_RUN.fullmatch(given):
        raise UsageError(f"{option}={given!r}: over HTTP an earlier result is 'latest' or 'ledger:RUN' (a run "
                         "id from the ledger), never a file")
    if ledger is None:
        raise UsageError(f"{option}={given}: this server has no ledger (start it with --ledger)")
    from stocktake.ledger import open_ledger

    with open_ledger(ledger, create=False) as opened:
        run = opened.run(given.removeprefix("ledger:"))
        if run.result_kind != kind:
            raise UsageError(f"{option}={given}: run {run.short_id} holds a {run.result_kind}, not a {kind}")
        data = opened.blob(run.result_sha256)
    stream = io.BytesIO(data)
    stream.name = f"ledger:{run.short_id}"
    return engine.load(stream, kinds=(kind,))


SERVER_LEDGER = "the server's ledger"
RUNS_HINT = "(stocktake ledger runs lists them)"


def for_http(err: BaseException, ledger: str | None) -> BaseException:
    """``err`` as a client is told it: the server's ledger called so, not by its path or URL, and no
    hint to run a command on the server. (A located document error is left as it is: it names the
    request's documents only.)"""
    from stocktake.core.errors import StocktakeError

    if not isinstance(err, UsageError):
        return err
    text = str(err)
    told = text.replace(RUNS_HINT, "(each decision's Stocktake-Run-Id header names its run)")
    if ledger:
        from stocktake.ledger import describe

        for name in sorted({ledger, describe(ledger)}, key=len, reverse=True):
            told = told.replace(name, SERVER_LEDGER)
    if told == text:
        return err
    retold: StocktakeError = UsageError(told)
    retold.exit_code = err.exit_code
    return retold
