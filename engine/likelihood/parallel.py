"""Judging a JSON Lines batch file in several processes.

This process scans the file for line boundaries (counting newlines: each range knows its first
line's number) and hands out byte ranges; each worker reads its ranges itself, judges their lines
and writes the results to a part file, copied into the output in input order (``os.sendfile``).
Only small metadata crosses the pipes: (id, line) pairs, counts per level, failures, any error.

Ranges end after a line numbered a multiple of ``chunk`` (the batch's ``CHUNK``) and are judged in
those same runs of lines, so errors are those of one process: runs are taken in file order, each
read whole (an over-long line refused) before it is judged, its ids checked for duplicates (the
first in file order wins) once all its lines are judged; what was written before an error is what
one process writes.

Workers are forked where that is safe (:func:`_start_method`). The parts live in a private temporary
directory removed whatever the way out; workers ignore ``SIGINT`` and are ended by this process or,
if it is killed, by the kernel (Linux), removing the directory first.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import IO, Any, BinaryIO, NamedTuple

from stocktake.core.errors import DocumentError, StocktakeError
from stocktake.core.files import open_input
from stocktake.core.output import copy_part

__all__ = ["judge_in_processes", "range_bytes"]

SCAN_BLOCK = 1 << 20
"""Bytes read at a time while scanning the file for line boundaries."""
MAX_RANGE = 1 << 20
"""Input bytes after which a range ends at the next run of lines (a part is a few times this)."""
IN_FLIGHT = 2
"""Ranges queued for each worker (one judged, the next waiting), so none waits for this process."""

Take = Callable[[tuple[str, list[tuple[str, int]], dict[str, int], list[Any]], int], None]
"""Takes a judged run of lines and its bytes, raising at a duplicate id (see ``judge_batch``)."""

Group = tuple[list[tuple[str, int]], int, int]
"""A judged run of lines: its (id, line) pairs, where its text ends in the part, its input bytes."""


def range_bytes(size: int, jobs: int) -> int:
    """Bytes per range of a file of ``size`` bytes: eight a process (the work balances), at most 1 MiB."""
    return max(1, min(MAX_RANGE, size // (jobs * 8)))


def judge_in_processes(path: Path, out: IO[str], jobs: int, take: Take, *, judge: Any,
                       prepare: Callable[[], Any] | None, chunk: int, longest: int, target: int | None = None) -> None:
    """Judge the regular file ``path`` in ``jobs`` processes, writing to ``out`` in input order each run
    of ``chunk`` lines ``take`` has taken. ``judge`` (``.lines(path, first, lines)``, see
    :class:`~stocktake.likelihood.batches._Judge`) is inherited by forked workers; ``prepare`` (picklable)
    makes one in workers started afresh. ``longest``: bytes a line may have; ``target``: bytes per range."""
    with open_input(path) as handle:
        info = os.fstat(handle.fileno())
        target = target or range_bytes(info.st_size, jobs)
        count = max(1, min(jobs, -(-info.st_size // target)))
        parts = Path(tempfile.mkdtemp(prefix="stocktake-parts-"))
        try:
            source = _Source(path, os.path.abspath(path), (info.st_dev, info.st_ino), parts, longest, chunk)
            with _Workers(count, judge, prepare, source) as workers:
                ranges = _ranges(handle, target, longest, chunk)
                for index, groups, counts, failures, error, trace in workers.judged(ranges):
                    if error is not None and trace:
                        error.__cause__ = _RemoteTraceback(trace)
                    _join(parts / PART.format(index), groups, counts, failures, error, out, take)
        finally:
            shutil.rmtree(parts, ignore_errors=True)


class _Source(NamedTuple):
    """What a worker knows: the file's name in errors, path, (device, inode), parts, longest line, chunk."""

    name: Path
    where: str
    identity: tuple[int, int]
    parts: Path
    longest: int
    chunk: int


PART = "{:08d}.part"
"""A range's part file, by the range's index."""


def _ranges(handle: BinaryIO, target: int, longest: int, chunk: int) -> Iterator[tuple[int, int | None, int]]:
    """(first byte, end byte or None: the end of the file, first line's number) of consecutive
    ranges of ``handle``'s file, each of at least ``target`` bytes and ending after a line numbered a
    multiple of ``chunk``. A line longer than ``longest`` makes the rest one range (refused there)."""
    start, first = 0, 1          # the current range's first byte and first line
    base = counted = 0           # the block's offset in the file; newlines before base + at
    last_newline = -1            # offset of the last newline seen
    while block := handle.read(SCAN_BLOCK):
        at = 0
        while True:
            allowed = max(at, start + target - base)  # the range may not end before this
            if allowed >= len(block):
                counted += block.count(b"\n", at)
                break
            counted += block.count(b"\n", at, allowed)
            at, wanted = allowed, (counted // chunk + 1) * chunk  # the line to end after
            while counted < wanted and (found := block.find(b"\n", at)) >= 0:
                at, counted = found + 1, counted + 1
            if counted < wanted:
                break
            yield start, base + at, first
            start, first = base + at, counted + 1
        newline = block.rfind(b"\n")
        last_newline = base + newline if newline >= 0 else last_newline
        base += len(block)
        if base - (last_newline + 1) > longest + 6:  # room for a byte-order mark and CRLF
            yield start, None, first
            return
    if base > start:
        yield start, None, first


Judged = tuple[int, list[Group], dict[str, int], list[Any], BaseException | None, str]
"""A worker's answer: range index, runs, counts, failures, error (or None), traceback (not the user's)."""


class _Workers:
    """Processes judging ranges, :data:`IN_FLIGHT` at a time each; stopped (or ended) as the block ends."""

    def __init__(self, count: int, judge: Any, prepare: Callable[[], Any] | None, source: _Source) -> None:
        self.count, self.judge, self.prepare, self.source = count, judge, prepare, source
        self.processes: list[Any] = []
        self.connections: list[Connection] = []

    def __enter__(self) -> _Workers:
        context: Any = multiprocessing.get_context(_start_method())
        forking = context.get_start_method() == "fork"
        if forking:  # the run is inherited as it is: nothing to prepare, nothing to pickle
            start: Callable[[], Any] = lambda: self.judge  # noqa: E731 - not pickled, inherited
        else:
            assert self.prepare is not None  # judge_batch refuses jobs without one
            start = self.prepare
        mask = _signal_mask(signal.SIG_BLOCK, _HELD)  # a worker inherits them held: see _follow_parent
        try:
            try:
                for _ in range(self.count):
                    ours, theirs = context.Pipe()
                    # A forked worker closes the copies it inherits of this process's ends of the pipes.
                    inherited = [*self.connections, ours] if forking else []
                    process = context.Process(target=_serve, daemon=True, name="stocktake-judge", args=(
                        theirs, start, self.source, os.getpid() if forking else None, inherited))
                    process.start()
                    theirs.close()  # the worker's end is the worker's alone: its death is an end of file here
                    self.processes.append(process)
                    self.connections.append(ours)
            finally:
                _signal_mask(signal.SIG_SETMASK, mask)  # one that came meanwhile is raised here
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        for process, connection in zip(self.processes, self.connections):
            with suppress(OSError):  # a worker whose pipe is closed has ended
                connection.send(None) if kind is None else process.terminate()
        for process in self.processes:
            process.join(None if kind is None else 10)
            if process.is_alive():
                process.kill()
                process.join()
        for connection in self.connections:
            connection.close()

    def judged(self, ranges: Iterator[tuple[int, int | None, int]]) -> Iterator[Judged]:
        """Each range's answer, in the order of ``ranges``; ranges are sent as workers are free,
        no more than a few ahead of the one taken (parts on disk stay bounded)."""
        queued: list[deque[int]] = [deque() for _ in self.processes]
        answers: dict[int, Judged] = {}
        window = (IN_FLIGHT + 1) * len(self.processes)
        sent = taken = 0
        more = True
        while True:
            while more and sent < taken + window:
                worker = min(range(len(queued)), key=lambda w: len(queued[w]))
                if len(queued[worker]) >= IN_FLIGHT:
                    break
                task = next(ranges, None)
                if task is None:
                    more = False
                    break
                self.connections[worker].send((sent, *task))
                queued[worker].append(sent)
                sent += 1
            if taken in answers:
                yield answers.pop(taken)
                taken += 1
                continue
            if not more and taken == sent:
                return
            busy = [w for w in range(len(queued)) if queued[w]]
            wait([self.connections[w] for w in busy] + [self.processes[w].sentinel for w in busy])
            for worker in busy:
                connection, process = self.connections[worker], self.processes[worker]
                if connection.poll():  # an answer, or the end of the pipe of a worker that died
                    with suppress(EOFError, OSError):
                        answers[queued[worker].popleft()] = connection.recv()
                        continue
                elif process.is_alive():
                    continue
                process.join(1)
                raise RuntimeError(f"a worker process judging {str(self.source.name)!r} ended unexpectedly "
                                   f"(exit code {process.exitcode})")


def _start_method() -> str:
    """``fork`` when this process runs no other thread (forking one that does is unsafe), else
    ``forkserver`` or ``spawn``, where each worker prepares the run."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


def _join(part_path: Path, groups: list[Group], counts: dict[str, int], failures: list[Any],
          error: BaseException | None, out: IO[str], take: Take) -> None:
    """Take a range's runs of lines in order and write its part to ``out``: up to the run
    ``take`` refuses, or the whole; then raise the worker's ``error``, if any."""
    with open(part_path, "rb") as part:
        os.unlink(part_path)
        written = 0
        try:
            for number, (ids, end, size) in enumerate(groups, 1):
                whole = number == len(groups) and error is None
                take(("", ids, counts if whole else {}, failures if whole else []), size)
                written = end
        finally:
            copy_part(part, written, out)
    if error is not None:
        raise error


# -- a worker process -----------------------------------------------------------------------------------


def _serve(connection: Connection, start: Any, source: _Source, parent: int | None,
           inherited: list[Connection]) -> None:
    """A worker: judge the ranges sent until told to stop (None). ``start``: the judge (forked) or
    what prepares one; ``parent``: the forking process (None: whichever started this one)."""
    for other in inherited:
        other.close()
    _follow_parent(os.getppid() if parent is None else parent, source.parts)
    gc.disable()  # a short-lived process building many small objects
    judge: Any = None
    failed: tuple[BaseException | None, str] = (None, "")
    try:
        judge = start()
    except BaseException as err:  # reported with the first range, as that range's error
        failed = _carried(err)
    while (task := connection.recv()) is not None:
        answer: Judged = (task[0], [], {}, [], *failed) if judge is None else _judge_range(judge, source, *task)
        try:
            connection.send(answer)
        except Exception as unsent:  # what does not pickle: the error's type, text and traceback do
            error = answer[4] or unsent
            plain = RuntimeError(f"{type(error).__name__}: {error}")
            connection.send((answer[0], [], {}, [], plain, answer[5] or _carried(error)[1]))


def _follow_parent(parent: int, parts: Path) -> None:
    """Ignore ``SIGINT`` and ``SIGHUP`` (the parent ends us on them), end on ``SIGTERM``, which on
    Linux the kernel sends when the parent dies: then remove the parts it can no longer remove."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    _signal_mask(signal.SIG_UNBLOCK, _HELD)  # one that came before is dropped, not a KeyboardInterrupt

    def end(signum: int, frame: object) -> None:
        if os.getppid() != parent:
            shutil.rmtree(parts, ignore_errors=True)
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    signal.signal(signal.SIGTERM, end)
    if sys.platform.startswith("linux"):
        import ctypes

        with suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # it died before we asked
        end(signal.SIGTERM, None)


_HELD: set[int] = {signal.SIGINT, signal.SIGHUP}
"""Held from a worker's start until it ignores them: in between, one would end it with a traceback."""


def _signal_mask(how: int, signals: Iterable[int]) -> set[int]:
    """``signal.pthread_sigmask`` where there is one (a process started meanwhile inherits the mask)."""
    return signal.pthread_sigmask(how, signals) if hasattr(signal, "pthread_sigmask") else set()


def _judge_range(judge: Any, source: _Source, index: int, start: int, end: int | None, first: int) -> Judged:
    """Judge the lines of ``source`` from byte ``start`` to ``end`` (None: the end of the file),
    numbered from ``first``, in runs of lines ending at multiples of ``chunk``, writing the results
    to the range's part file; stop at the first error, keeping the runs before it."""
    groups: list[Group] = []
    counts: dict[str, int] = {}
    failures: list[Any] = []
    longest, name = source.longest, source.name
    with open(source.parts / PART.format(index), "wb") as part:
        try:
            with open(source.where, "rb") as handle:
                info = os.fstat(handle.fileno())
                if (info.st_dev, info.st_ino) != source.identity:
                    raise DocumentError("the same file throughout", "a file replaced while it was read", file=name)
                handle.seek(start)
                lines: list[bytes] = []
                number, offset, written = first - 1, start, 0
                while end is None or offset < end:
                    line = handle.readline(longest + 6)  # room for a byte-order mark and CRLF
                    if not line:
                        break
                    number, offset = number + 1, offset + len(line)
                    if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                        line = line[3:]
                    if len(line.rstrip(b"\r\n")) > longest:
                        raise DocumentError(f"a line of at most {longest:,} bytes", "a longer line", file=name,
                                            line=number)
                    lines.append(line)
                    if number % source.chunk == 0:
                        written = _judge_group(judge, name, number - len(lines) + 1, lines, part, written, groups,
                                               counts, failures)
                        lines = []
                if lines:
                    _judge_group(judge, name, number - len(lines) + 1, lines, part, written, groups, counts, failures)
        except BaseException as err:  # the runs before it stand; the error is the parent's to raise
            error, trace = _carried(err)
            return index, groups, counts, failures, error, trace
    return index, groups, counts, failures, None, ""


def _judge_group(judge: Any, name: Path, first: int, lines: list[bytes], part: BinaryIO, written: int,
                 groups: list[Group], counts: dict[str, int], failures: list[Any]) -> int:
    text, ids, group_counts, group_failures = judge.lines(name, first, lines)
    data = text.encode("utf-8")
    part.write(data)
    written += len(data)
    groups.append((ids, written, sum(map(len, lines))))
    for key, value in group_counts.items():
        counts[key] = counts.get(key, 0) + value
    failures.extend(group_failures)
    return written


class _RemoteTraceback(Exception):
    """A worker's traceback as text: the cause of its error raised here (as concurrent.futures)."""

    def __str__(self) -> str:
        return "\n" + str(self.args[0])


def _carried(error: BaseException) -> tuple[BaseException, str]:
    """``error`` and, unless it is the user's (one line, no traceback), its traceback as text."""
    if isinstance(error, StocktakeError):
        return error, ""
    return error, "".join(traceback.format_exception(type(error), error, error.__traceback__))
