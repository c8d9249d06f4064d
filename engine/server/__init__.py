"""``stocktake serve``: the engine over HTTP (the optional extra ``stocktake[serve]``).

Only this package imports Starlette and uvicorn; ``stocktake.cli.serve`` imports it inside the
command, so ``import stocktake`` and every other command load neither.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from stocktake.server.config import ServerConfig

if TYPE_CHECKING:
    from starlette.applications import Starlette

__all__ = ["ServerConfig", "create_app"]


def create_app(config: ServerConfig) -> Starlette:
    """The ASGI app for ``config`` (see :mod:`stocktake.server.app`)."""
    from stocktake.server.app import create_app as create

    return create(config)
