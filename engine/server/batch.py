"""``POST /v1/judge/batch``: ``stocktake judge BATCH.jsonl``, JSON Lines in and out.

Options as the CLI's: ``period``, ``as-of``, ``rules``, ``severity-rules``, ``previous`` (``latest``
or ``ledger:RUN``), ``format`` (default ``jsonl``), ``name``. Without a ledger and in ``jsonl`` the
batch streams: lines are judged as they arrive, 256 at a time, and each judged run of lines is sent
at once (memory stays flat; the body limit does not apply, ``--max-batch-lines`` does). The status
is decided by the first run of lines: a bad line there is a 400 with the CLI's located message; a
bad line after output has begun ends the stream with one line ``{"error": {...}}`` (the CLI writes
no output then; a client must check the last line). That first run must be judged within the
request's time limit (503 past it), and the limit bounds it only: a batch then streams for as long
as its client sends and reads. Streamed batches are judged in threads of their own
(``limits.BATCH_THREADS``), not the compute threads. With a ledger, or another format, the batch is
held (within the body limit), judged whole and recorded as the CLI records it, and the response
carries ``Stocktake-Run-Id``.
"""

from __future__ import annotations

import asyncio
import io
import json
import tempfile
import threading
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from stocktake.core.errors import DocumentError, StocktakeError
from stocktake.server.compute import MEDIA_TYPES, Outcome, decide, decision, decision_id
from stocktake.server.documents import JUDGE_FORMATS, earlier_assessment
from stocktake.server.errors import HTTPProblem, error_body, error_response
from stocktake.server.inputs import BATCH_TYPES, body_document, content_type, document_name, options, registered_rules
from stocktake.server.limits import batch_pool, collecting_after

__all__ = ["ROUTES"]

BATCH_PATH = "/v1/judge/batch"
OPTIONS: dict[str, tuple[str, ...] | None] = {"name": None, "format": JUDGE_FORMATS, "period": None, "as-of": None,
                                              "rules": None, "severity-rules": None, "previous": None}
_END = object()


class _BodyReader(io.RawIOBase):
    """The request body as a blocking binary stream, read in a worker thread from the event loop;
    more than ``max_lines`` lines is a located error at the first one too many."""

    def __init__(self, request: Request, loop: asyncio.AbstractEventLoop, max_lines: int, name: str) -> None:
        self._chunks = request.stream().__aiter__()
        self._loop, self._pending, self._lines, self._max, self._name = loop, b"", 0, max_lines, name
        self.name = name  # what the engine calls the batch (the buffered reader reads it from here)

    async def _next(self) -> bytes:
        return await self._chunks.__anext__()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            try:
                self._pending = asyncio.run_coroutine_threadsafe(self._next(), self._loop).result()
            except StopAsyncIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        taken, self._pending = self._pending[:size], self._pending[size:]
        self._lines += taken.count(b"\n")
        if self._lines > self._max:
            raise DocumentError(f"a batch of at most {self._max:,} lines (the server's --max-batch-lines)",
                                "more lines", file=self._name, line=self._max + 1)
        buffer[:size] = taken
        return size


class _Gone(Exception):
    """The client went away: the judging thread stops."""


class _Spool:
    """The judged lines between the judging thread and the response, kept in a temporary file.

    Most HTTP clients send the whole body before they read any of the answer. Were the judged
    lines held in a bounded queue, judging would stop once it filled, the body would stop being
    read and such a client would wait forever on its upload; held in memory they would grow with
    the batch. On disk, the body is read and judged at the client's pace whatever it does with
    the answer, memory stays flat, and a client that reads as it sends still gets the lines as
    they are judged."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop, self.closed = loop, False
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close(), from the response)
        self._lock = threading.Lock()
        self._written = self._read = 0
        self._end: Any = None  # _END, or the error that ended the judging
        self._ready = asyncio.Event()

    def _wake(self) -> None:
        self.loop.call_soon_threadsafe(self._ready.set)

    def write(self, text: str) -> int:
        """Called by the judging thread; raises :class:`_Gone` once the response has ended."""
        if self.closed:
            raise _Gone()
        if text:
            data = text.encode("utf-8")
            with self._lock:
                if self.closed:
                    raise _Gone()
                self._file.seek(self._written)
                self._file.write(data)
                self._written += len(data)
            self._wake()
        return len(text)

    def finish(self, end: Any) -> None:
        """The judging ended: ``_END``, or the error that ended it."""
        self._end = end
        self._wake()

    async def next(self) -> Any:
        """The next judged bytes (at most 1 MiB), else ``_END`` or the error, once all was read."""
        while True:
            with self._lock:
                if self._read < self._written:
                    self._file.seek(self._read)
                    chunk = self._file.read(min(self._written - self._read, 1 << 20))
                    self._read += len(chunk)
                    return chunk
                if self._end is not None:
                    return self._end
                self._ready.clear()
            await self._ready.wait()

    def close(self) -> None:
        self.closed = True
        with self._lock:
            self._file.close()


class _Streaming(StreamingResponse):
    """A streamed response that leaves ``receive`` alone: Starlette's listens on it for a disconnect
    (under ASGI < 2.4, as uvicorn's), taking the request body's messages the judging thread reads."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.stream_response(send)
        except OSError:
            raise ClientDisconnect() from None


async def judge_batch(request: Request) -> Response:
    given = options(request, OPTIONS)
    fmt = given["format"] or "jsonl"
    if request.app.state.config.ledger is not None or fmt != "jsonl":
        return await _held(request, given, fmt)
    content_type(request, BATCH_TYPES)
    return await _streamed(request, given)


async def _held(request: Request, given: dict[str, str | None], fmt: str) -> Response:
    doc = await body_document(request, given["name"], suffix=".jsonl", accepted=BATCH_TYPES)
    engine, ledger = request.app.state.engine, request.app.state.config.ledger
    max_lines = request.app.state.config.max_batch_lines

    def work() -> Outcome:
        import hashlib

        from stocktake.render import render_assessment

        if doc.data.count(b"\n") > max_lines:
            raise DocumentError(f"a batch of at most {max_lines:,} lines (the server's --max-batch-lines)",
                                "more lines", file=doc.name, line=max_lines + 1)
        how = _how(engine, given)
        previous = earlier_assessment(engine, ledger, given["previous"], _as_of(given))
        result = engine.judge(doc.stream(), previous=previous, **how)
        named = str(previous.path) if previous is not None else None
        recorded = {"path": doc.name, "rules": how["rules"], "severity_rules": how["severity_rules"],
                    "previous": named, "period": given["period"], "as_of": given["as-of"]}
        return Outcome(render_assessment(result, fmt), fmt, result, "judge", recorded,
                       {hashlib.sha256(doc.data).hexdigest(): doc.data}, len(result.failures))

    return await decide(request, work)


def _how(engine: Any, given: dict[str, str | None]) -> dict[str, Any]:
    return {"rules": registered_rules(engine, given["rules"], "rules"),
            "severity_rules": registered_rules(engine, given["severity-rules"], "severity-rules"),
            "period": given["period"], "as_of": given["as-of"]}


def _as_of(given: dict[str, str | None]) -> Any:
    from stocktake.likelihood.batches import batch_date

    return batch_date(given["period"], given["as-of"])


async def _streamed(request: Request, given: dict[str, str | None]) -> Response:
    config, engine = request.app.state.config, request.app.state.engine
    name = document_name(given["name"])
    name = name if name.endswith(".jsonl") else f"{name}.jsonl"
    decided = decision_id(request)
    loop = asyncio.get_running_loop()
    spool = _Spool(loop)
    reader = io.BufferedReader(_BodyReader(request, loop, config.max_batch_lines, name), 1 << 16)

    def work() -> None:
        try:
            how = _how(engine, given)
            previous = earlier_assessment(engine, None, given["previous"], None)  # no ledger: only none
            engine.judge_stream(reader, spool, previous=previous, **how)
            spool.finish(_END)
        except _Gone:
            pass
        except BaseException as err:  # handed to the response: an error line or status
            spool.finish(err)

    task = loop.run_in_executor(batch_pool(), collecting_after(work))
    headers = {"Stocktake-Decision-Id": decided}
    try:
        first = await _first_item(spool, config.request_timeout_s)
    except BaseException:
        spool.close()
        raise
    if first is _END:  # an empty batch: the CLI writes nothing
        spool.close()
        await task
        return Response(b"", media_type=MEDIA_TYPES["jsonl"], headers=headers)
    if isinstance(first, BaseException):
        spool.close()
        await task
        if isinstance(first, (StocktakeError, HTTPProblem)):
            return error_response(first, max_errors=config.max_errors, headers=headers)
        raise first
    return _Streaming(_rest(spool, first, task, config.max_errors), media_type=MEDIA_TYPES["jsonl"],
                      headers=headers)


async def _first_item(spool: _Spool, timeout_s: float) -> Any:
    """The first judged bytes (or the end, or the error), within the time limit (503 past it)."""
    try:
        return await asyncio.wait_for(spool.next(), timeout_s)
    except TimeoutError:
        raise HTTPProblem(503, f"the batch's first lines took longer than {timeout_s:g} s to judge "
                               "(the server's --request-timeout)") from None


async def _rest(spool: _Spool, first: Any, task: Any, max_errors: int) -> AsyncIterator[bytes]:
    item = first
    try:
        while item is not _END:
            if isinstance(item, BaseException):
                line = json.dumps(error_body(item, max_errors=max_errors), separators=(",", ":"))
                yield (line + "\n").encode("utf-8")
                break
            yield item
            item = await spool.next()
    finally:
        spool.close()
        await task


ROUTES: list[BaseRoute] = [Route(BATCH_PATH, decision(judge_batch), methods=["POST"])]
