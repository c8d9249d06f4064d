"""One loader for every document kind: read, parse, dispatch on ``kind``, validate.

The kinds come from a table (:class:`~stocktake.core.schemas.DocumentKind` by name) the caller passes
(:data:`stocktake.kinds.KINDS`). Before validating, the loader runs the kind's prepare step and looks
up the rubric the document names: validators get what they check in the context, never the engine.

Validation runs in two passes: the published JSON Schema (the contract's own wording), then the
pydantic model, which adds typed and cross-reference checks. Every failure is a
:class:`DocumentError` naming the file, line:column, JSON path, what was expected and what was
found; a document with several problems raises :class:`DocumentErrors`, in file order.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stocktake.core.errors import DocumentError, DocumentErrors
from stocktake.core.parsing import DEFAULT_LIMITS, Limits, Parsed, parse_text
from stocktake.core.schemas import DocumentKind

__all__ = ["MAX_LOCATED", "LoadedDocument", "Lookup", "Prepared", "all_errors", "document_error", "load_document",
           "validate_data", "with_rubric"]


@dataclass(frozen=True)
class LoadedDocument:
    """A validated document and where it came from."""

    path: Path
    """The file; for a document given in memory, its name (``<data>``, ``<text>``, a stream's name)."""
    kind: str
    model: Any
    sha256: str
    """sha256 of the file's bytes (see :class:`stocktake.core.sources.Source`)."""
    extra_inputs: tuple[Any, ...] = ()
    """Other files the document pulled in (a ratings table), as ``InputFile`` records."""


Lookup = Callable[[str, str], Any]
"""``(id, version) -> rubric``; raises a ``LookupError`` if there is no such rubric."""


def load_document(
    source: Any,
    *,
    context: Mapping[str, Any] | None = None,
    kinds: tuple[str, ...] | None = None,
    limits: Limits = DEFAULT_LIMITS,
    table: Mapping[str, DocumentKind],
    rubrics: Lookup | None = None,
    records: bool = False,
) -> LoadedDocument:
    """Load and validate one document: ``source`` is a path or a document given in memory (see
    :data:`stocktake.core.sources.DocumentSource`).

    :param context: passed to pydantic validation (``{"scales": {...}}``), a fresh copy per document.
    :param kinds: if given, the kinds accepted here; any other kind is an error.
    :param table: the document kinds by name (:data:`stocktake.kinds.KINDS`).
    :param rubrics: looks up the rubric a document of a kind that names one names; the loader
        passes the rubric as ``context["rubric"]``, or the ``LookupError`` it raised, which the
        model reports where the document names the rubric, in its turn among the other errors.
    :param records: a JSON file may be read as read-only records, not models (see :mod:`~stocktake.core.plain_json`).
    :raises DocumentError: for anything wrong with the document, located as precisely as possible
        (for data, by JSON path only).
    """
    from stocktake.core.plain_json import plain_json_model
    from stocktake.core.sources import read_source

    read = read_source(source, limits)
    name: str | Path = read.path if read.path is not None else read.name
    if records and (fast := plain_json_model(read, kinds, table, limits, context, _check_size, gc_held)):
        return LoadedDocument(Path(name), *fast, read.sha256)
    prepared = Prepared()
    parsed: Parsed | None = None
    try:
        with gc_held():
            parsed = parse_text(read.text, fmt=read.fmt, limits=limits)
            if read.from_data:
                parsed = Parsed(parsed.data)  # no positions: the caller's data has no lines
            named = parsed.data.get("kind") if isinstance(parsed.data, dict) else None
            spec = table.get(named) if isinstance(named, str) else None  # (a list is no key)
            if spec is not None and (kinds is None or spec.name in kinds):
                _check_size(spec, read.text, limits)
                if spec.prepare is not None:
                    prepared = spec.prepare(parsed.data, read.path, limits)
                context = with_rubric(spec, parsed.data, context, rubrics)
            kind, model = validate_data(parsed, context=context, kinds=kinds, relocate=prepared.relocate,
                                        table=table, found=prepared.errors)
    except DocumentErrors as errs:
        raise errs.located(name) from errs.__cause__
    except DocumentError as err:
        if err.file is not None:
            raise
        if read.from_data:
            raise DocumentError(err.expected, err.found, path=err.path, file=name, on_key=err.on_key) \
                from err.__cause__
        raise _locate(err, Path(name), parsed if err.line is None else None) from err.__cause__
    return LoadedDocument(Path(name), kind, model, read.sha256, tuple(prepared.inputs))


def _check_size(spec: DocumentKind, text: str, limits: Limits) -> None:
    """Refuse a document larger than its kind allows (:attr:`DocumentKind.max_bytes`, at the
    default ``max_bytes``; in proportion to ``limits.max_bytes`` otherwise)."""
    if spec.max_bytes is None:
        return
    most = spec.max_bytes * limits.max_bytes // DEFAULT_LIMITS.max_bytes
    if len(text) <= most // 4:
        return
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > most:
        raise DocumentError(f"a {spec.name} of at most {most:,} bytes", f"{size:,} bytes{spec.larger}",
                            path=("kind",))


def with_rubric(spec: DocumentKind, data: Any, context: Mapping[str, Any] | None,
                 rubrics: Lookup | None) -> Mapping[str, Any] | None:
    """``context`` and the rubric (or the ``LookupError``) the document names, if its kind names one."""
    ref = spec.rubric(data) if spec.rubric is not None and rubrics is not None else None
    if ref is None or rubrics is None:
        return context
    try:
        found = rubrics(*ref)
    except LookupError as err:
        found = err
    return {**(context or {}), "rubric": found}


_FREEZE_AFTER_BULK = False


def freeze_after_bulk() -> None:
    """For one-shot processes (the CLI): after each :func:`gc_held` block, freeze what the collector
    tracks, so later collections skip what the block built (measured: a tenth of a 100,000-actor
    chain's time). Not for long-lived embedders, where a frozen unreachable cycle is never collected."""
    global _FREEZE_AFTER_BULK
    _FREEZE_AFTER_BULK = True


@contextmanager
def gc_held() -> Iterator[None]:
    """Hold the cyclic garbage collector off while the block builds many small objects (it would
    only rescan them); its previous state is restored after (see :func:`freeze_after_bulk`)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if _FREEZE_AFTER_BULK:
            gc.freeze()
        if collecting:
            gc.enable()


@dataclass
class Prepared:
    """What a kind's prepare step did: files it read, and where their values came from."""

    inputs: list[Any] = field(default_factory=list)
    """``InputFile`` records of the files read."""
    relocate: Callable[[DocumentError], DocumentError | None] | None = None
    """Re-locates an error about data that came from another file (None: not from one)."""
    errors: list[DocumentError] = field(default_factory=list)
    """Problems the step found and read past (a table's header), reported with validation's."""


def validate_data(
    parsed: Parsed,
    *,
    context: Mapping[str, Any] | None = None,
    kinds: tuple[str, ...] | None = None,
    relocate: Callable[[DocumentError], DocumentError | None] | None = None,
    table: Mapping[str, DocumentKind],
    found: Sequence[DocumentError] = (),
) -> tuple[str, Any]:
    """Validate parsed data against its kind in ``table``: returns ``(kind, model)``.

    Every problem is reported, with those ``found`` by the kind's prepare step: one
    :class:`DocumentError`, or :class:`DocumentErrors` in file order, each located with ``parsed``
    or, if about data from another file, by ``relocate`` (or already). The first :data:`MAX_LOCATED`
    are given a line and column; the others keep their JSON path (locating reads the text again)."""
    from stocktake.core.hints import with_hint

    problems = list(found)
    cause: BaseException | None = None
    try:
        kind_and_model = _validate(parsed.data, context=context, kinds=kinds, table=table)
    except DocumentError as err:
        problems += err.errors if isinstance(err, DocumentErrors) else [err]
        cause = err.__cause__
    if not problems:
        return kind_and_model
    ours: list[DocumentError] = []
    theirs: list[DocumentError] = []
    for problem in sorted(problems, key=lambda e: _data_order(parsed.data, e.path)):
        moved = problem if problem.file is not None else relocate(problem) if relocate is not None else None
        if moved is not None:
            theirs.append(moved)
        else:
            ours.append(with_hint(_locate(problem, None, parsed) if len(ours) < MAX_LOCATED else problem, parsed))
    theirs.sort(key=lambda e: (e.file or "", e.line or 0, e.column or 0))
    errors = ours + theirs
    raise (errors[0] if len(errors) == 1 else DocumentErrors(errors)) from cause


MAX_LOCATED = 100
"""Most errors of one document given a line and column (each one reads the text again)."""


def _data_order(data: Any, path: tuple[str | int, ...]) -> tuple[int, ...]:
    """Sort key of ``path`` in the order its values were read (the order of the file: mappings
    keep their keys in the order written); a key not in the data sorts after those that are."""
    key: list[int] = []
    node = data
    for part in path:
        if isinstance(node, dict) and isinstance(part, str):
            try:
                key.append(list(node).index(part))  # documents have few keys per mapping
            except ValueError:
                key.append(len(node))
                break
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            key.append(part)
            node = node[part]
        else:
            break
    return tuple(key)


def _validate(
    data: Any, *, context: Mapping[str, Any] | None, kinds: tuple[str, ...] | None,
    table: Mapping[str, DocumentKind],
) -> tuple[str, Any]:
    from stocktake.core.schemas import describe_value

    if not isinstance(data, dict):
        raise DocumentError("a mapping with 'kind' and 'schema_version'", describe_value(data))
    accepted = kinds or tuple(table)
    kind = data.get("kind")
    if kind is None:
        raise DocumentError(f"property 'kind' (one of {', '.join(accepted)})", "a mapping without it")
    if kind not in accepted:
        wanted = f"kind {accepted[0]}" if len(accepted) == 1 else f"one of the kinds {', '.join(accepted)}"
        raise DocumentError(wanted, repr(kind), path=("kind",))
    # The compiled model is fast and (tests/test_schemas.py proves) accepts exactly what the
    # published schema accepts; the schema is consulted only to word a rejection in its terms.
    spec = table[kind]
    try:
        model = spec.model().model_validate(data, context=dict(context or {}))
    except DocumentError:
        raise
    except Exception as err:
        from pydantic import ValidationError

        if not isinstance(err, ValidationError):
            raise
        problems = all_errors(spec, data, err)
        raise (problems[0] if len(problems) == 1 else DocumentErrors(problems)) from None
    return kind, model


def all_errors(spec: DocumentKind, data: Any, err: Any) -> list[DocumentError]:
    """Every problem of ``data`` that the ``pydantic.ValidationError`` ``err`` found, as
    :class:`DocumentError` s (not yet located, in no particular order).

    What the schema objects to is worded in its terms, one error per place; the model's own
    checks (references, unique ids) are added; pydantic's wording is used only for what the
    schema accepts."""
    from stocktake.core.models import ERROR_TYPE
    from stocktake.core.schemas import schema_errors

    details = err.errors(include_url=False)
    ours = [detail for detail in details if detail["type"] == ERROR_TYPE]
    worded = schema_errors(spec, data) if len(ours) < len(details) else []
    if not worded:  # the schema accepts it: pydantic's wording, once per place
        worded = _once_per_place([_detail_error(d, data) for d in details if d["type"] != ERROR_TYPE])
    seen = {(e.path, e.expected, e.found) for e in worded}
    for detail in ours:
        problem = _detail_error(detail, data)
        if (problem.path, problem.expected, problem.found) not in seen:
            seen.add((problem.path, problem.expected, problem.found))
            worded.append(problem)
    return worded


def _once_per_place(errors: list[DocumentError]) -> list[DocumentError]:
    """One error per place: a union reports one error per branch it tried, joined here
    (``expected text or an integer``)."""
    by_place: dict[tuple[Any, ...], DocumentError] = {}
    for problem in errors:
        first = by_place.get(problem.path)
        if first is None:
            by_place[problem.path] = problem
        elif problem.expected not in first.expected.split(" or "):
            by_place[problem.path] = DocumentError(f"{first.expected} or {problem.expected}", first.found,
                                                   path=first.path, on_key=first.on_key)
    return list(by_place.values())


def _in_data(loc: tuple[Any, ...], data: Any) -> tuple[str | int, ...]:
    """pydantic's ``loc`` as a path into ``data``: without the names of union branches it tried
    (``str``, ``function-after[...]``), which are no keys of the document."""
    path: list[str | int] = []
    node = data
    for depth, part in enumerate(loc):
        last = depth == len(loc) - 1
        member = (isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node)) or (
            isinstance(part, str) and isinstance(node, dict) and part in node)
        if member:
            node = node[part]
        elif isinstance(part, str) and (not isinstance(node, dict) or not last):
            continue  # a branch's name
        elif not isinstance(part, (str, int)):
            continue
        else:
            node = None
        path.append(part)
    return tuple(path)


def document_error(err: Any, data: Any = None) -> DocumentError:
    """The first error of a ``pydantic.ValidationError`` as a :class:`DocumentError`; given the
    ``data`` validated, at its place in the data and saying every shape a union tried there."""
    details = err.errors(include_url=False)
    if data is None:
        return _detail_error(details[0])
    return _once_per_place([_detail_error(detail, data) for detail in details])[0]


def _detail_error(first: Any, data: Any = None) -> DocumentError:
    """One of pydantic's error details as a :class:`DocumentError` (its path cleaned of union
    branches if the ``data`` validated is given)."""
    from stocktake.core.models import ERROR_TYPE
    from stocktake.core.schemas import describe_value

    if data is None:
        path = tuple(p for p in first["loc"] if isinstance(p, (str, int)))
    else:
        path = _in_data(tuple(first["loc"]), data)
    ctx = first.get("ctx") or {}
    if first["type"] == ERROR_TYPE:
        return DocumentError(
            ctx["expected"], ctx["found"], path=(*path, *ctx["path"]), on_key=ctx["on_key"]
        )
    found = describe_value(first.get("input"))
    kind = first["type"]
    if kind == "missing" and path:
        return DocumentError(f"property {path[-1]!r}", "a mapping without it", path=path[:-1])
    if kind == "extra_forbidden" and path:
        return DocumentError("no such property", f"unknown property {path[-1]!r}", path=path, on_key=True)
    if kind in _PYDANTIC_EXPECTED:
        return DocumentError(_PYDANTIC_EXPECTED[kind].format(**ctx), found, path=path)
    message = str(first.get("msg", "a valid value"))
    if message.lower().startswith("value error, "):
        message = message[len("value error, "):]
    return DocumentError(message[:1].lower() + message[1:], found, path=path)


_PYDANTIC_EXPECTED = {
    "too_short": "at least {min_length} item(s)",
    "too_long": "at most {max_length} item(s)",
    "string_too_short": "text of at least {min_length} character(s)",
    "string_too_long": "text of at most {max_length} characters",
    "string_pattern_mismatch": "text matching {pattern}",
    "string_type": "text",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "literal_error": "one of {expected}",
    "date_from_datetime_parsing": "a date (YYYY-MM-DD)",
    "date_parsing": "a date (YYYY-MM-DD)",
    "date_type": "a date (YYYY-MM-DD)",
    "greater_than_equal": "a number at least {ge}",
    "greater_than": "a number more than {gt}",
    "less_than_equal": "a number at most {le}",
    "less_than": "a number less than {lt}",
}
"""Our wording of pydantic's error types, filled in from the error's ``ctx``."""


def _locate(err: DocumentError, file: Path | None, parsed: Parsed | None) -> DocumentError:
    line, column = err.line, err.column
    if line is None and parsed is not None:
        pos = parsed.locate_key(err.path) if err.on_key else parsed.locate(err.path)
        if pos is not None:
            line, column = pos
    return err.located(file if file is not None else err.file, line, column)
