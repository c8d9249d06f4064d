"""Stocktake: judgments a system leader can trust, each with its evidence trail.

The public Python API. Names are imported on first use, so ``import engine`` costs almost nothing::

    from engine import Engine
    eng = Engine()                       # loads plugins from the "stocktake" entry points
    for entry in eng.rubrics():
        print(entry.rubric.id, entry.rubric.version, entry.origin.describe())
    doc = eng.load("my-rubric.yaml")     # any document kind; raises DocumentError, located

Plugin authors need only :data:`hookimpl` (and the hook specs in :mod:`engine.hookspecs`);
:mod:`engine.testing` is the harness for testing plugins and rubrics.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from engine._version import __version__

if TYPE_CHECKING:
    from engine.api import Engine, RubricEntry, ValidationOutcome
    from engine.errors import DocumentError, ExitCode, PluginError, StocktakeError, UsageError
    from engine.hookspecs import hookimpl
    from engine.host import PluginInfo
    from engine.loading import LoadedDocument
    from engine.models.rubric import Component, Criterion, Rubric, Section
    from engine.models.scale import Level, Scale
    from engine.registry import Registrar

_EXPORTS = {
    "Engine": "engine.api",
    "RubricEntry": "engine.api",
    "ValidationOutcome": "engine.api",
    "DocumentError": "engine.errors",
    "ExitCode": "engine.errors",
    "PluginError": "engine.errors",
    "StocktakeError": "engine.errors",
    "UsageError": "engine.errors",
    "hookimpl": "engine.hookspecs",
    "PluginInfo": "engine.host",
    "LoadedDocument": "engine.loading",
    "Component": "engine.models.rubric",
    "Criterion": "engine.models.rubric",
    "Rubric": "engine.models.rubric",
    "Section": "engine.models.rubric",
    "Level": "engine.models.scale",
    "Scale": "engine.models.scale",
    "Registrar": "engine.registry",
}

__all__ = [
    "Component",
    "Criterion",
    "DocumentError",
    "Engine",
    "ExitCode",
    "Level",
    "LoadedDocument",
    "PluginError",
    "PluginInfo",
    "Registrar",
    "Rubric",
    "RubricEntry",
    "Scale",
    "Section",
    "StocktakeError",
    "UsageError",
    "ValidationOutcome",
    "__version__",
    "hookimpl",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
