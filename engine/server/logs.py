"""One JSON line per request on stderr: what an operator greps and a log shipper parses.

``{"ts": "...", "method": "POST", "route": "/v1/judge", "status": 200, "ms": 12.3,
"decision_id": "...", "run_id": "..."}``; ``decision_id`` and ``run_id`` are there when the
response carried them. The line is written when the response has been sent (a streamed batch's
time covers the whole stream).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from typing import IO, Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["RequestLog", "log_line"]


def log_line(fields: dict[str, Any], stream: IO[str] | None = None) -> None:
    """Write ``fields`` as one JSON line (flushed: a crash loses no finished request's line)."""
    out = stream if stream is not None else sys.stderr
    out.write(json.dumps(fields, ensure_ascii=True, separators=(",", ":")) + "\n")
    out.flush()


class RequestLog:
    """ASGI middleware writing the line for each HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        seen: dict[str, Any] = {"status": 500}

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
                for name, value in message.get("headers", []):
                    if name == b"stocktake-decision-id":
                        seen["decision_id"] = value.decode("latin-1")
                    elif name == b"stocktake-run-id":
                        seen["run_id"] = value.decode("latin-1")
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            fields = {"ts": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
                      "method": scope.get("method"), "route": _route(scope), "status": seen.pop("status"),
                      "ms": round((time.perf_counter() - started) * 1000, 1), **seen}
            log_line(fields)


def _route(scope: Scope) -> str:
    """The route's template (``/v1/reviews/{id}``) when one matches, else the path: ids stay out of
    the route field so lines group by endpoint. (Starlette >= 1.x sets ``scope["route"]``; the
    lowest we support does not, so the app's routes are matched again.)"""
    from starlette.routing import Match

    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    for candidate in getattr(scope.get("app"), "routes", ()):
        if candidate.matches(scope)[0] == Match.FULL and isinstance(getattr(candidate, "path", None), str):
            return str(candidate.path)
    return str(scope.get("path", ""))
