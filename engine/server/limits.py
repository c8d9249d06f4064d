"""Request limits: the body's size (the CLI's --max-file-mb) and the time a request may compute.

Nothing is buffered past the limit: a declared ``Content-Length`` over it is refused before the
body is read, and a body without one is refused as soon as what arrived passes it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stocktake.server.errors import HTTPProblem, error_response

__all__ = ["BodyLimit", "BodyTooLarge", "in_thread"]

T = TypeVar("T")


class BodyTooLarge(HTTPProblem):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"the request body is larger than {max_bytes:,} bytes (the server's --max-body-mb)")


class BodyLimit:
    """ASGI middleware refusing a request body over ``max_bytes`` with 413."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
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


async def in_thread(func: Callable[[], T], timeout_s: float) -> T:
    """``func()`` in a worker thread; past ``timeout_s`` the request is answered 503 (the thread is
    abandoned, not killed: Python cannot stop one, and its result is discarded)."""
    try:
        with anyio.fail_after(timeout_s):
            return await anyio.to_thread.run_sync(func, abandon_on_cancel=True)
    except TimeoutError:
        raise HTTPProblem(503, f"the request took longer than {timeout_s:g} s (the server's --request-timeout)",
                          headers={"Retry-After": "1"}) from None
