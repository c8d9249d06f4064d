"""What every result document carries besides its judgments: the engine that made it, the
files it read by content hash, and the plugin failures met on the way."""

from __future__ import annotations

from stocktake.core.models import Model


class EngineRef(Model):
    name: str
    version: str


class InputFile(Model):
    """A file that was read, by content hash."""

    path: str
    sha256: str


class PluginFailure(Model):
    """A plugin failed while judging; the rest of the result stands (exit code 3)."""

    plugin: str
    distribution: str | None
    version: str | None
    where: str
    message: str
