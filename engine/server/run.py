"""Run the app with uvicorn until SIGTERM or SIGINT, then finish the requests in flight and exit 0."""

from __future__ import annotations

import signal
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from stocktake.core.errors import UsageError
from stocktake.server.config import ServerConfig

__all__ = ["serve"]

GRACE_S = 30
"""How long requests in flight may take to finish after SIGTERM before the server stops anyway."""


def serve(config: ServerConfig) -> None:
    """Serve ``config`` until told to stop. The socket is bound before the line
    ``stocktake serving on http://HOST:PORT`` goes to stderr (with the real port for ``--port 0``),
    so a caller that has read the line can connect."""
    import uvicorn

    from stocktake.server.app import create_app

    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((config.host, config.port))
        sock.listen(128)
    except OSError as err:
        sock.close()
        raise UsageError(f"cannot listen on {config.host}:{config.port}: {err.strerror or err} "
                         "(another server there? choose another --port, or --port 0 for any free one)") from None
    sock.set_inheritable(True)
    app = create_app(config)  # plugins and rubrics load before the server says it is listening
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    # X-Forwarded-* are believed only from the proxies the operator names (uvicorn's default believes
    # any local process: one could make a plain-HTTP request look like HTTPS).
    trusted = config.forwarded_allow_ips
    uv = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                        timeout_graceful_shutdown=GRACE_S, server_header=False, date_header=True,
                        proxy_headers=trusted is not None, forwarded_allow_ips=trusted)
    server = _graceful_server(uvicorn.Server)(uv)
    print(f"stocktake serving on http://{shown}:{port}", file=sys.stderr, flush=True)
    server.run(sockets=[sock])
    print("stocktake: stopped", file=sys.stderr, flush=True)


def _graceful_server(base: Any) -> Any:
    class GracefulServer(base):  # type: ignore[misc]
        """uvicorn's server, whose SIGTERM, SIGINT and SIGHUP each finish the requests in flight and
        return (uvicorn's own raises the signal again afterwards: the command would end 143)."""

        @contextmanager
        def capture_signals(self) -> Iterator[None]:
            signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
            original = {sig: signal.signal(sig, self.handle_exit) for sig in signals}
            try:
                yield
            finally:
                for sig, handler in original.items():
                    signal.signal(sig, handler)

        def handle_exit(self, sig: int, frame: Any) -> None:
            if not self.should_exit:
                print(f"stocktake: {signal.Signals(sig).name}: finishing the requests in flight, then stopping",
                      file=sys.stderr, flush=True)
            super().handle_exit(sig, frame)

    return GracefulServer
