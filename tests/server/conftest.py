"""The ``serve`` fixture: start real server processes (see serving.py); each is killed at the end."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # `import serving`, as tests/browser.py is imported
    sys.path.insert(0, str(HERE))

import serving  # noqa: E402

pytest.importorskip("starlette", reason="the serve extra is not installed")
pytest.importorskip("uvicorn", reason="the serve extra is not installed")


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., serving.Server]]:
    """``serve(ledger=True, global_args=[...], serve_args=[...])`` starts a server (anonymous by default)."""
    started: list[serving.Server] = []

    def start(**options: Any) -> serving.Server:
        options.setdefault("serve_args", ())
        server = serving.Server.start(tmp_path, **options)
        started.append(server)
        return server

    yield start
    for server in started:
        if server.running:
            server.kill()


@pytest.fixture
def server(serve: Callable[..., serving.Server]) -> serving.Server:
    """One stateless server (no ledger), anonymous."""
    return serve()
