"""From what a command read and produced to a :class:`~stocktake.ledger.model.RunRecord`: the
inputs' bytes (read again and checked against the hashes the result holds), the engine, plugins
and rules, and one entry per judgment (the flat table's rows)."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

from stocktake._version import __version__
from stocktake.core.output import json_text
from stocktake.judgment.table import COLUMNS, Row
from stocktake.ledger.hashing import sha256
from stocktake.ledger.model import RunInfo, RunRecord, StoredInput
from stocktake.ledger.store import LedgerError

LEDGER_PREFIX = "ledger:"
"""How an input taken from the ledger is named (``ledger:RUN``, see :mod:`stocktake.ledger.history`)."""

__all__ = ["RECORDED", "default_actor", "engine_plugins", "now_utc", "record_result", "report_runs",
           "result_entries", "result_json", "result_rules", "run_record", "stored_inputs"]

RECORDED = ("CapacityReviewResult", "DeliveryAssessmentResult", "DeliveryChainResult")
"""The result kinds a run records."""


class _Read(Protocol):
    @property
    def path(self) -> Any: ...
    @property
    def sha256(self) -> str: ...


def default_actor() -> str:
    """``STOCKTAKE_ACTOR``, else the OS user, else ``unknown``."""
    named = os.environ.get("STOCKTAKE_ACTOR", "").strip()
    if named:
        return named
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return "unknown"


def now_utc() -> str:
    """Now, UTC, ISO 8601 to the second."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def run_record(engine: Any, command: str, options: Mapping[str, str | None], loaded_documents: Iterable[_Read],
               result: Any, actor: str, *, recorded_at: str | None = None, result_bytes: bytes | None = None,
               blobs: Callable[[str], bytes] | None = None, given: Mapping[str, bytes] | None = None) -> RunRecord:
    """The record of one run: ``command`` (review, judge, chain) called with ``options`` (those that
    change the result, by option name; None and empty are left out; a path among them is one of
    the inputs) read ``loaded_documents`` (anything with ``path`` and ``sha256``, in order, the
    main document first: usually ``result.inputs``) and produced ``result``, written as
    ``result_bytes`` (default: ``dump_model(result)``). An input named ``ledger:RUN`` (an earlier
    result taken from the ledger, as ``--baseline latest`` does) is taken from ``blobs`` (the
    ledger's :meth:`~stocktake.ledger.Ledger.blob`), not from disk; so is one whose sha256 is a key of
    ``given`` (documents given in memory, as over HTTP: their bytes by sha256), taken from there.

    :raises LedgerError: an input is gone or changed since it was read.
    """
    when = recorded_at or now_utc()
    data = result_bytes if result_bytes is not None else result_json(result)
    date, period, system = _when_and_where(result, when)
    entries = [{**dict(zip(COLUMNS, row, strict=True)), "system": system or "", "period": period or "",
                "date": date or ""} for row in result_entries(result)]
    plugins = engine_plugins(engine)
    named = {k: str(v) for k, v in options.items() if v not in (None, "")}
    read = stored_inputs([*loaded_documents, *_option_inputs(engine, named)], blobs, given)
    return RunRecord(command=command, options=named, inputs=read, result_kind=result.kind, result=data,
                     engine_version=__version__, plugins=plugins, rules=result_rules(result), actor=actor,
                     recorded_at=when, entries=entries, date=date, period=period, system=system)


def _option_inputs(engine: Any, options: Mapping[str, str]) -> list[_Read]:
    """What the options' files pulled in beyond the result's inputs: an earlier review's or
    assessment's own tables, a rule set given as a file."""
    from stocktake.judgment.envelope import InputFile

    found: list[_Read] = []
    for name in ("baseline", "previous"):
        if name in options and not options[name].startswith(LEDGER_PREFIX):  # a stored result pulls in no table
            found += engine.load(options[name]).extra_inputs
    for name in ("rules", "severity_rules"):
        if name in options and Path(options[name]).is_file():
            found.append(InputFile(path=options[name], sha256=sha256(Path(options[name]).read_bytes())))
    return found


def report_runs(report: Any, options: Mapping[str, str | None]) -> list[tuple[str, dict[str, str | None], Any]]:
    """The parts a report judged itself (not those given as results), each as (command, options,
    result): the same run ``review``, ``judge`` or ``chain`` would record for it. ``options`` are
    the report's: ``paths`` (the files given, as a JSON list), rules, severity_rules, strategy. A
    part was judged here when its document is one of the files given (a finished report given to
    be rendered again judges nothing)."""
    given = {(i.path, i.sha256) for i in report.inputs}
    named = {str(Path(p)) for p in json.loads(options.get("paths") or "[]")}

    def judged_here(result: Any) -> bool:
        main = result.inputs[0] if result.inputs else None
        return main is not None and (main.path, main.sha256) in given and main.path in named

    runs: list[tuple[str, dict[str, str | None], Any]] = []
    for review in report.reviews:
        if judged_here(review):
            baseline = review.inputs[-1].path if review.baseline is not None and len(review.inputs) > 1 else None
            runs.append(("review", {"path": review.inputs[0].path, "strategy": options.get("strategy"),
                                    "baseline": baseline}, review))
    assessment = report.assessment
    if assessment is not None and judged_here(assessment):
        order = {p.id: i for i, p in enumerate(assessment.priorities)}
        evidence = sorted((c.result for c in report.chains if c.result.chain["priority"] in order),
                          key=lambda r: (order[r.chain["priority"]], r.chain["id"]))
        from_chains = {(i.path, i.sha256) for r in evidence for i in r.inputs}
        rest = assessment.inputs[1:2]
        previous = rest[0].path if rest and (rest[0].path, rest[0].sha256) not in from_chains else None
        chains = json.dumps([r.inputs[0].path for r in evidence]) if evidence else None
        runs.append(("judge", {"path": assessment.inputs[0].path, "rules": options.get("rules"),
                               "severity_rules": options.get("severity_rules"), "previous": previous,
                               "chain": chains}, assessment))
    for part in report.chains:
        if judged_here(part.result):
            runs.append(("chain", {"path": part.result.inputs[0].path}, part.result))
    return runs


def record_result(target: str, engine: Any, command: str, options: Mapping[str, str | None], result: Any,
                  actor: str, *, given: Mapping[str, bytes] | None = None) -> list[tuple[RunInfo, bool]]:
    """Open the ledger ``target`` and record ``result`` of ``command`` (a report: each part it
    judged, see :func:`report_runs`). Returns each run and whether it was newly recorded.
    ``given``: the bytes of inputs given in memory, by sha256 (see :func:`run_record`)."""
    from stocktake.ledger import open_ledger

    runs = report_runs(result, options) if result.kind == "DeliveryReport" else [(command, dict(options), result)]
    with open_ledger(target) as ledger:
        records = [run_record(engine, name, named, part.inputs, part, actor, blobs=ledger.blob, given=given)
                   for name, named, part in runs]
        return [ledger.record(record) for record in records]


def result_json(result: Any) -> bytes:
    """The result's JSON as ``stocktake.render.dump_model`` writes it (the bytes a command writes)."""
    return (json_text(result.model_dump_json(indent=2)) + "\n").encode("utf-8")


def engine_plugins(engine: Any) -> list[dict[str, str]]:
    """The engine's plugins as a run records them: name, distribution, version."""
    return [{"name": p.name, "distribution": p.distribution or "", "version": p.version or ""}
            for p in engine.plugins()]


def stored_inputs(read: Iterable[_Read], blobs: Callable[[str], bytes] | None = None,
                  given: Mapping[str, bytes] | None = None) -> list[StoredInput]:
    """Each file read, once, with its bytes and its path relative to the first one's directory; an
    input named ``ledger:RUN`` comes from ``blobs`` by its sha256, and one whose sha256 is in ``given``
    from there (a document given in memory: no file of that name is read)."""
    found: list[StoredInput] = []
    seen: set[tuple[str, str]] = set()
    base: Path | None = None
    for item in read:
        path, digest = str(item.path), item.sha256
        if (path, digest) in seen:
            continue
        seen.add((path, digest))
        if path.startswith(LEDGER_PREFIX) and blobs is not None:
            found.append(StoredInput(path=path, relative=path, sha256=digest, data=blobs(digest)))
            continue
        if given is not None and digest in given:
            found.append(StoredInput(path=path, relative=path, sha256=digest, data=given[digest]))
            continue
        try:
            data = Path(path).read_bytes()
        except OSError as err:
            raise LedgerError(f"{path}: cannot be read again to record it ({err.strerror or err})") from None
        if sha256(data) != digest:
            raise LedgerError(f"{path}: changed while the run read it (its sha256 is no longer the one the result "
                              "records): run again")
        here = Path(os.path.abspath(path))
        base = base or here.parent
        found.append(StoredInput(path=path, relative=Path(os.path.relpath(here, base)).as_posix(), sha256=digest,
                                 data=data))
    return found


def result_entries(result: Any) -> list[Row]:
    """The flat table's rows of a review, assessment or chain result."""
    if result.kind == "CapacityReviewResult":
        from stocktake.review.table import review_rows

        return review_rows(result)
    if result.kind == "DeliveryAssessmentResult":
        from stocktake.likelihood.table import assessment_rows

        return assessment_rows(result)
    if result.kind == "DeliveryChainResult":
        from stocktake.chains.table import chain_rows

        return chain_rows(result)
    raise TypeError(f"not a result the ledger records: {result.kind}")


def result_rules(result: Any) -> list[dict[str, str]]:
    """What judged: the rubric and strategy, the rule sets, or the detectors (id, version, hash)."""
    def used(kind: str, item: Any) -> dict[str, str]:
        return {"kind": kind, "id": item.id, "version": str(item.version),
                "plugin": getattr(item, "plugin", "") or "", "sha256": getattr(item, "sha256", "") or ""}

    if result.kind == "CapacityReviewResult":
        return [used("rubric", result.rubric), used("strategy", result.strategy)]
    if result.kind == "DeliveryAssessmentResult":
        rules = [used("rule-set", result.rules)]
        return rules + ([used("severity-rule-set", result.severity_rules)] if result.severity_rules else [])
    return [used("detector", d) for d in result.detectors]


def _when_and_where(result: Any, recorded_at: str) -> tuple[str | None, str | None, str | None]:
    """(date, period, system): a review's date and system, an assessment's date and period, a
    chain's day of recording."""
    if result.kind == "CapacityReviewResult":
        return result.date.isoformat(), None, result.system
    if result.kind == "DeliveryAssessmentResult":
        return result.date.isoformat(), result.period, None
    return recorded_at[:10], None, None
