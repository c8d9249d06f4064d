"""What every result document carries besides its judgments: the engine that made it, the
files it read by content hash, and the plugin failures met on the way."""

from __future__ import annotations

from typing import Protocol

from stocktake.core.boundary import one_line
from stocktake.core.models import Model


class _Registered(Protocol):
    """Who registered something (:class:`stocktake.hooks.registry.Origin` is one)."""

    @property
    def plugin(self) -> str | None: ...
    @property
    def distribution(self) -> str | None: ...
    @property
    def version(self) -> str | None: ...


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

    @classmethod
    def of(cls, origin: _Registered, where: str, message: str) -> PluginFailure:
        """The one way to record a failure of what ``origin`` registered (a strategy, a rule set, a
        detector) at ``where``; something the user supplied directly counts as ``stocktake``'s.
        ``where`` and ``message`` are kept to one printable line each (see
        :func:`stocktake.core.boundary.one_line`): a plugin controls part of both."""
        return cls(plugin=origin.plugin or "stocktake", distribution=origin.distribution,
                   version=origin.version, where=one_line(where), message=one_line(message, 600))
