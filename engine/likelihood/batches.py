"""Large batches of priorities as JSON Lines: one ``Priority`` object per line.

Each line is validated with the compiled model (the garbage collector held off while the batch is
built); an error names the file, the line and the column within it. What a batch is judged with
comes prepared by the caller (the facade): the run, the context lines validate in, and for worker
processes a picklable function that prepares the same again; nothing here looks up an engine.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from stocktake.core.errors import DocumentError, UsageError
from stocktake.core.files import open_input
from stocktake.core.json_lines import plain_line
from stocktake.core.loading import document_error, gc_held
from stocktake.core.parsing import DEFAULT_LIMITS, Limits, parse_text

if TYPE_CHECKING:
    from stocktake.likelihood.judge import JudgingRun
    from stocktake.likelihood.model import DeliveryAssessment, Priority
    from stocktake.rubric.model import Rubric

__all__ = ["StreamJob", "batch_date", "batch_source", "is_batch", "iter_priorities_jsonl", "judge_batch", "parse_line",
           "read_assessment_jsonl", "read_line"]


def iter_priorities_jsonl(path: Path, context: dict[str, Any], limits: Limits = DEFAULT_LIMITS,
                          digest: Any = None, stream: IO[bytes] | None = None) -> Iterator[Priority]:
    """Validated priorities from ``path``, one line at a time (memory stays flat), each validated
    in ``context`` (scales, ``rubric`` and ``evidence_ids``) and read within ``limits``; the bytes
    read are fed to ``digest`` (a hashlib object), if given. With ``stream`` (a batch given in
    memory, as over HTTP), the lines are read from it and ``path`` only names it in errors."""
    from stocktake.likelihood.model import Priority

    seen: dict[str, int] = {}
    each = limits.per_line()
    for first, lines in _chunks(path, CHUNK, limits, digest, stream):
        for number, line in enumerate(lines, first):
            if not line.strip():
                continue
            priority = read_line(path, number, line, Priority, context, each)
            _first_time(seen, priority.id, number, path)
            yield priority
    if not seen:
        raise DocumentError("at least one priority", "an empty file", file=path)


def _first_time(seen: dict[str, int], priority_id: str, number: int, path: Path) -> None:
    """Record that ``priority_id`` is on line ``number``; a second time is an error at that line."""
    if priority_id in seen:
        raise DocumentError("priority ids unique", f"{priority_id!r} again (first on line {seen[priority_id]})",
                            path=("id",), file=path, line=number)
    seen[priority_id] = number


def parse_line(path: Path, number: int, line: bytes, model: Any, context: dict[str, Any],
               limits: Limits = DEFAULT_LIMITS) -> Any:
    """One line of a batch as a validated ``model``, read within ``limits`` (depth, values, text,
    digits: each line is a document; see :meth:`~stocktake.core.parsed.Limits.per_line`); errors
    name the file, line and column."""
    from pydantic import ValidationError

    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DocumentError("UTF-8 text", f"byte 0x{line[err.start]:02x}", file=path, line=number,
                            column=err.start + 1) from None
    try:
        parsed = parse_text(text, fmt="json", limits=limits)
        return model.model_validate(parsed.data, context=context)
    except DocumentError as err:
        raise err.located(path, number, err.column) from None
    except ValidationError as err:
        problem = document_error(err, parsed.data)
        pos = parsed.locate_key(problem.path) if problem.on_key else parsed.locate(problem.path)
        raise problem.located(path, number, pos[1] if pos else None) from None


def read_line(path: Path, number: int, line: bytes, model: Any, context: dict[str, Any],
              limits: Limits = DEFAULT_LIMITS) -> Any:
    """:func:`parse_line`, the same model or the same error, faster: a line that
    :func:`~stocktake.core.json_lines.plain_line` decodes and ``model`` accepts is taken as it is;
    any other is read again by :func:`parse_line`, which says what is wrong and where."""
    from pydantic import ValidationError

    data = plain_line(line, limits)
    if data is not None:
        try:
            return model.model_validate(data, context=context)
        except ValidationError:
            pass
    return parse_line(path, number, line, model, context, limits)


def batch_date(period: str | None, as_of: str | None) -> dt.date:
    if not period or not as_of:
        raise UsageError("a JSON Lines batch of priorities needs --period and --as-of (YYYY-MM-DD)")
    try:
        return dt.date.fromisoformat(as_of)
    except ValueError:
        raise UsageError(f"--as-of: expected a date YYYY-MM-DD, found {as_of!r}") from None


def read_assessment_jsonl(path: Path, context: dict[str, Any], rubric: Rubric, *, period: str | None,
                          as_of: str | None, limits: Limits = DEFAULT_LIMITS,
                          stream: IO[bytes] | None = None) -> tuple[DeliveryAssessment, str]:
    """An assessment made of all the priorities in ``path`` (or ``stream``, named ``path``; validated
    in ``context``, following ``rubric``) and its sha256 (held in memory; for one result per line without holding the
    batch, see :meth:`stocktake.api.Engine.judge_stream`)."""
    from stocktake.likelihood.model import DeliveryAssessment
    from stocktake.rubric.model import RubricRef

    date = batch_date(period, as_of)
    assert period is not None  # batch_date refuses a batch without one
    digest = hashlib.sha256()
    with gc_held():  # building many models
        priorities = list(iter_priorities_jsonl(path, context, limits, digest, stream))
    doc = DeliveryAssessment.model_construct(
        kind="DeliveryAssessment", schema_version=1, period=period, date=date, title="",
        rubric=RubricRef(id=rubric.id, version=rubric.version), rules=None, evidence=[], priorities=priorities,
    )
    return doc, digest.hexdigest()


def is_batch(source: object) -> bool:
    """A JSON Lines batch: a ``.jsonl`` path, or a stream whose name ends ``.jsonl``."""
    if isinstance(source, (str, os.PathLike)):
        return Path(source).suffix == ".jsonl"
    name = getattr(source, "name", None)
    return callable(getattr(source, "read", None)) and isinstance(name, str) and name.endswith(".jsonl")


def batch_source(source: object) -> tuple[Path, IO[bytes] | None]:
    """The batch's name and, for one given as a stream, the stream (else None: the file is opened)."""
    if isinstance(source, (str, os.PathLike)):
        return Path(source), None
    return Path(str(getattr(source, "name", "<text>"))), source  # type: ignore[return-value]


# -- judging a batch, in one process or several ------------------------------------------------------

CHUNK = 256
"""Lines judged at a time (in several processes, ranges of the file end at multiples of it)."""


Prepare = Callable[[], "tuple[JudgingRun, dict[str, Any]]"]
"""Prepares a run and the context lines validate in (see :func:`stocktake.likelihood.judge.stream_run`)."""


@dataclass(frozen=True)
class StreamJob:
    """What judging the lines of a batch needs, prepared by the caller."""

    run: JudgingRun
    context: dict[str, Any]
    """What each line validates in: scales, ``rubric`` and ``evidence_ids``."""
    date: dt.date
    """The date the priorities are judged at."""
    prepare: Prepare | None = None
    """Prepares the same run and context in a worker process: picklable (a module-level function,
    or a :func:`functools.partial` of one). None: only this process can judge."""
    limits: Limits = DEFAULT_LIMITS
    """What each line may hold (see :attr:`~stocktake.core.parsed.Limits.line_bytes`)."""


def _chunks(path: Path, size: int, limits: Limits, digest: Any = None,
            stream: IO[bytes] | None = None) -> Iterator[tuple[int, list[bytes]]]:
    """(number of the first line, the lines) for consecutive runs of ``size`` lines.

    Each line is read with a bounded ``readline``: one longer than ``limits.line_bytes`` is refused
    with its number before it is held whole (a device that never ends is refused on line 1). A
    UTF-8 byte-order mark at the start of the file is dropped. Every byte read is fed to
    ``digest``, if given (the file is read once, so a pipe can be a batch). ``stream``: read it instead
    of opening ``path``.
    """
    longest = limits.line_bytes
    with nullcontext(stream) if stream is not None else open_input(path) as handle:
        first, lines, number = 1, [], 0
        while line := handle.readline(longest + 6):  # room for a byte-order mark and CRLF
            number += 1
            if digest is not None:
                digest.update(line)
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            if len(line.rstrip(b"\r\n")) > longest:
                raise DocumentError(f"a line of at most {longest:,} bytes", "a longer line", file=path, line=number)
            lines.append(line)
            if len(lines) == size:
                yield first, lines
                first, lines = number + 1, []
        if lines:
            yield first, lines


Chunk = tuple[str, list[tuple[str, int]], dict[str, int], list[Any]]
"""A judged run of lines: results as JSON Lines text, the (id, line) of each priority, counts per
level, failures."""


class _Judge:
    """Judges lines of a batch: parse, validate, judge, serialise. One per process."""

    def __init__(self, run: JudgingRun, context: dict[str, Any], date: dt.date, limits: Limits) -> None:
        from stocktake.likelihood.model import Priority

        self.run, self.context, self.model, self.date = run, context, Priority, date
        self.each = limits.per_line()

    def lines(self, path: Path, first: int, lines: list[bytes]) -> Chunk:
        """Results as JSON Lines text, the (id, line) of each priority, counts per level, failures."""
        from stocktake.likelihood.judge import priority_data
        from stocktake.likelihood.structs import fast_priority

        out, ids, counts, failures = [], [], {}, []  # type: ignore[var-annotated]
        for number, line in enumerate(lines, first):
            if not line or line.isspace():  # blank (isspace stops at the first other byte; strip copies)
                continue
            # The struct has the model's attributes; the judge reads either.
            priority: Any = (fast_priority(line, self.context, self.each)
                             or read_line(path, number, line, self.model, self.context, self.each))
            # Written without validating: the data is the model's to the byte (tested).
            result = priority_data(priority, self.date, self.run, failures)
            out.append(result_json(result))
            ids.append((priority.id, number))
            key = result["judgment"]["rating"] or "not-rated"
            counts[key] = counts.get(key, 0) + 1
        return printable_lines(out), ids, counts, failures


def result_json(data: Any) -> bytes:
    """``pydantic_core.to_json(data)``, to the byte, for the plain data of a result (dicts with
    text keys, lists, text, numbers, dates, None): written by orjson, which writes the same bytes
    for these (tested) and faster; anything orjson refuses (an integer beyond 64 bits, a lone
    surrogate) is written by pydantic_core."""
    import orjson
    from pydantic_core import to_json

    try:
        return orjson.dumps(data)
    except TypeError:  # orjson.JSONEncodeError
        return to_json(data)


def printable_lines(results: list[bytes]) -> str:
    """The JSON ``results`` as JSON Lines text, what a terminal must not see raw written as
    escapes (see :func:`~stocktake.core.output.json_text`), or "" for none."""
    from stocktake.core.output import json_text

    if not results:
        return ""
    data = b"\n".join(results)
    text = data.decode()
    # All ASCII without DEL: nothing to escape, and bytes are scanned far faster than a pattern.
    return (text if data.isascii() and b"\x7f" not in data else json_text(text)) + "\n"


def _prepared_judge(prepare: Prepare, date: dt.date, limits: Limits) -> _Judge:
    """A judge made in a worker process started afresh (see :mod:`stocktake.likelihood.parallel`)."""
    return _Judge(*prepare(), date, limits)


def judge_batch(job: StreamJob, path: Path, out: Any, *, jobs: int = 1, progress: Any = None,
                stream: IO[bytes] | None = None) -> tuple[dict[str, int], list[Any]]:
    """Judge every line of ``path`` (or of ``stream``, named ``path``; in this process) and write the
    results to ``out`` in input order (see :meth:`stocktake.api.Engine.judge_stream`). With ``jobs``
    > 1 a regular file is judged in that many processes, each reading its own ranges of it (see
    :mod:`stocktake.likelihood.parallel`; needs ``job.prepare``). Priority ids must be unique across
    the batch."""
    total = path.stat().st_size if stream is None and path.is_file() else 0
    counts: dict[str, int] = {}
    failures: list[Any] = []
    seen: dict[str, int] = {}
    done = read = 0

    def take(chunk: tuple[str, list[tuple[str, int]], dict[str, int], list[Any]], size: int) -> None:
        nonlocal done, read
        text, ids, chunk_counts, chunk_failures = chunk
        for priority_id, number in ids:
            _first_time(seen, priority_id, number, path)
        out.write(text)
        for key, value in chunk_counts.items():
            counts[key] = counts.get(key, 0) + value
        failures.extend(chunk_failures)
        done, read = done + len(ids), read + size
        if progress is not None:
            progress(done, read, total)

    with gc_held():
        if jobs <= 1 or stream is not None or not path.is_file():  # a pipe or a device is read once, here
            judge = _Judge(job.run, job.context, job.date, job.limits)
            for first, lines in _chunks(path, CHUNK, job.limits, stream=stream):
                take(judge.lines(path, first, lines), sum(map(len, lines)))
        elif job.prepare is None:
            raise UsageError("judging in several processes needs a way to prepare the run in each")
        else:
            from functools import partial

            from stocktake.likelihood.parallel import judge_in_processes

            judge_in_processes(path, out, jobs, take, judge=_Judge(job.run, job.context, job.date, job.limits),
                               prepare=partial(_prepared_judge, job.prepare, job.date, job.limits), chunk=CHUNK,
                               longest=job.limits.line_bytes)
    if not seen:
        raise DocumentError("at least one priority", "an empty file", file=path)
    return counts, failures
