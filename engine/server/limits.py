"""Request limits: the body's size (the CLI's --max-file-mb) and the time a request may compute.

Nothing is buffered past the limit: a declared ``Content-Length`` over it is refused before the
body is read, and a body without one is refused as soon as what arrived passes it.
"""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stocktake.server.errors import HTTPProblem, error_response

__all__ = ["BodyLimit", "BodyTooLarge", "batch_pool", "bounded_body", "collecting_after", "in_thread"]

T = TypeVar("T")


class BodyTooLarge(HTTPProblem):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"the request body is larger than {max_bytes:,} bytes (the server's --max-body-mb)")


class BodyLimit:
    """ASGI middleware refusing a request body over ``max_bytes`` with 413."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, exempt: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.exempt = exempt
        """Paths whose routes bound their bodies themselves (a streamed batch: by lines)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in self.exempt:
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await error_response(BodyTooLarge(self.max_bytes), headers={"Connection": "close"})(scope, receive, send)
            return
        received = 0

        async def receiving() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, receiving, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def bounded_body(request: Request, max_bytes: int) -> bytes:
    """The whole body, refused with 413 as soon as it passes ``max_bytes``."""
    declared = _content_length(request.scope)
    if declared is not None and declared > max_bytes:
        raise BodyTooLarge(max_bytes)
    parts, size = [], 0
    async for part in request.stream():
        size += len(part)
        if size > max_bytes:
            raise BodyTooLarge(max_bytes)
        parts.append(part)
    return b"".join(parts)


COMPUTE_THREADS = 16
"""Worker threads computing decisions (the engine holds the GIL most of the time: more would only
queue; requests beyond them wait their turn within their time limit)."""
BATCH_THREADS = 4
"""Threads judging streamed batches, apart from the compute threads (a batch may stream for as long
as its client sends): a fifth batch waits for one of them, within its time limit."""
_POOLS: dict[str, ThreadPoolExecutor] = {}


def _pool(name: str = "compute", size: int = COMPUTE_THREADS) -> ThreadPoolExecutor:
    if name not in _POOLS:
        _POOLS[name] = ThreadPoolExecutor(max_workers=size, thread_name_prefix=f"stocktake-{name}")
    return _POOLS[name]


def batch_pool() -> ThreadPoolExecutor:
    """The pool streamed batches are judged in (:data:`BATCH_THREADS`)."""
    return _pool("batch", BATCH_THREADS)


_BUSY = [0]
_BUSY_LOCK = threading.Lock()


def collecting_after(func: Callable[[], T]) -> Callable[[], T]:
    """``func``, after which the garbage collector is on again once no computation is running: the
    engine holds it off while it builds (``stocktake.core.loading.gc_held``), and two threads doing
    so at once can each see the other's "off" as the state to restore, leaving it off for good."""
    def run() -> T:
        with _BUSY_LOCK:
            _BUSY[0] += 1
        try:
            return func()
        finally:
            with _BUSY_LOCK:
                _BUSY[0] -= 1
                if _BUSY[0] == 0:
                    gc.enable()
    return run


async def in_thread(func: Callable[[], T], timeout_s: float, abandon: Callable[[], bool] | None = None) -> T:
    """``func()`` in a worker thread; past ``timeout_s`` the request is answered 503 (the thread is
    abandoned, not killed: Python cannot stop one; its result is discarded). ``abandon`` is asked
    first: True, the work will stop short of its side effects (503); False, it has begun them (a
    run being recorded), so it is waited for and its result returned, never a 503 for a thing done."""
    future = asyncio.get_running_loop().run_in_executor(_pool(), collecting_after(func))
    try:
        return await asyncio.wait_for(asyncio.shield(future), timeout_s)
    except TimeoutError:
        if abandon is not None and not abandon():
            return await future
        raise HTTPProblem(503, f"the request took longer than {timeout_s:g} s (the server's --request-timeout)",
                          headers={"Retry-After": "1"}) from None
