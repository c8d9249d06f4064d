"""A real ``stocktake serve`` process for tests, and HTTP to it with the standard library only.

``Server.start(tmp_path, ledger=True)`` runs ``python -m stocktake [global options] serve --port 0
[serve options]`` on 127.0.0.1, waits for its line ``stocktake serving on http://HOST:PORT`` (the
real port) and returns the :class:`Server`; ``server.request("POST", "/v1/judge", body=...)``
returns a :class:`Response`. Everything the process wrote on stderr is kept (``stderr_lines()``),
and a server not stopped by the test is killed when its fixture ends (see conftest.py).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["LISTENING", "Response", "Server"]

LISTENING = re.compile(r"stocktake serving on (http://(\S+):(\d+))")
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 60.0


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    """Lower-cased names (a repeated header's values joined with ", ")."""
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    host: str
    port: int
    ledger: Path | None = None
    _stderr: list[str] = field(default_factory=list)
    _reader: threading.Thread | None = None

    # -- life ----------------------------------------------------------------------------------

    @classmethod
    def start(cls, tmp_path: Path, *, ledger: bool | Path = False, global_args: Sequence[str] = (),
              serve_args: Sequence[str] = (), env: Mapping[str, str] | None = None) -> Server:
        """Start a server; ``ledger=True`` gives it a fresh SQLite ledger in ``tmp_path``."""
        ledger_path = (tmp_path / "ledger.db") if ledger is True else (Path(ledger) if ledger else None)
        command = [sys.executable, "-m", "stocktake", *global_args]
        if ledger_path is not None:
            command += ["--ledger", str(ledger_path)]
        command += ["serve", "--host", "127.0.0.1", "--port", "0", *serve_args]
        environment = {k: v for k, v in os.environ.items() if not k.startswith("STOCKTAKE_")}
        environment.update(env or {})
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, cwd=tmp_path, env=environment)
        lines: list[str] = []
        found = threading.Event()

        def read() -> None:
            assert process.stderr is not None
            for raw in process.stderr:
                lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
                found.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            match = next((m for m in map(LISTENING.search, list(lines)) if m), None)
            if match:
                server = cls(process, match.group(1), match.group(2), int(match.group(3)), ledger_path, lines, reader)
                server.wait_healthy()
                return server
            if process.poll() is not None:
                reader.join(5)
                raise RuntimeError(f"the server exited {process.returncode}:\n" + "\n".join(lines))
            found.wait(0.05)
            found.clear()
        process.kill()
        raise RuntimeError("the server printed no listening line:\n" + "\n".join(lines))

    def wait_healthy(self, timeout_s: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                if self.request("GET", "/healthz").status == 200:
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.05)

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> int:
        """SIGTERM, then wait for the process to end; its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout_s)
        self._join()
        return code

    def kill(self) -> int:
        """SIGKILL (nothing is finished), then wait; its exit code."""
        if self.process.poll() is None:
            self.process.kill()
        code = self.process.wait(STOP_TIMEOUT_S)
        self._join()
        return code

    def _join(self) -> None:
        if self._reader is not None:
            self._reader.join(10)

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def stderr_lines(self) -> list[str]:
        return list(self._stderr)

    def log_records(self) -> list[dict[str, Any]]:
        """The JSON request-log lines on stderr so far."""
        records = []
        for line in self.stderr_lines():
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    records.append(json.loads(line))
        return records

    # -- HTTP ----------------------------------------------------------------------------------

    def connection(self, timeout_s: float = 120.0) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout_s)

    def request(self, method: str, path: str, body: bytes | str | Any = None, *,
                headers: Mapping[str, str] | None = None, token: str | None = None,
                content_type: str | None = None, timeout_s: float = 120.0) -> Response:
        """One request on a fresh connection. ``body``: bytes or str as given; anything else is sent
        as JSON. ``token``: sent as ``Authorization: Bearer``."""
        sent: dict[str, str] = {}
        data: bytes | None
        if body is None or isinstance(body, (bytes, bytearray)):
            data = bytes(body) if body is not None else None
        elif isinstance(body, str):
            data = body.encode("utf-8")
        else:
            data = json.dumps(body).encode("utf-8")
            sent["Content-Type"] = "application/json"
        if content_type is not None:
            sent["Content-Type"] = content_type
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        sent.update(headers or {})
        connection = self.connection(timeout_s)
        try:
            connection.request(method, path, body=data, headers=sent)
            answer = connection.getresponse()
            received = answer.read()
            names: dict[str, str] = {}
            for name, value in answer.getheaders():
                key = name.lower()
                names[key] = f"{names[key]}, {value}" if key in names else value
            return Response(answer.status, names, received)
        finally:
            connection.close()
