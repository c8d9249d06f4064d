"""Stocktake: judgments a system leader can trust, each with its evidence trail.

The public Python API. Names are imported on first use, so ``import stocktake`` costs almost nothing::

    from stocktake import Engine
    eng = Engine()                       # loads plugins from the "stocktake" entry points
    for entry in eng.rubrics():
        print(entry.rubric.id, entry.rubric.version, entry.origin.describe())
    doc = eng.load("my-rubric.yaml")     # any document kind; raises DocumentError, located

Plugin authors need only :data:`hookimpl` (and the hook specs in :mod:`stocktake.hooks.specs`);
:mod:`stocktake.testing` is the harness for testing plugins and rubrics.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from stocktake._version import __version__

if TYPE_CHECKING:
    from stocktake.api import Engine, ValidationOutcome
    from stocktake.catalogue import DetectorEntry, RubricEntry, RuleSetEntry, StrategyEntry
    from stocktake.core.errors import (
        DocumentError,
        DocumentErrors,
        ExitCode,
        PluginError,
        StocktakeError,
        UsageError,
    )
    from stocktake.core.loading import LoadedDocument
    from stocktake.core.sources import DocumentSource
    from stocktake.hooks.host import PluginInfo
    from stocktake.hooks.registry import Registrar
    from stocktake.hooks.specs import hookimpl
    from stocktake.judgment.scale import Level, Scale
    from stocktake.rubric.model import Component, Criterion, Rubric, Section

_EXPORTS = {
    "Engine": "stocktake.api",
    "RubricEntry": "stocktake.catalogue",
    "StrategyEntry": "stocktake.catalogue",
    "RuleSetEntry": "stocktake.catalogue",
    "DetectorEntry": "stocktake.catalogue",
    "ValidationOutcome": "stocktake.api",
    "DocumentError": "stocktake.core.errors",
    "DocumentErrors": "stocktake.core.errors",
    "ExitCode": "stocktake.core.errors",
    "PluginError": "stocktake.core.errors",
    "StocktakeError": "stocktake.core.errors",
    "UsageError": "stocktake.core.errors",
    "hookimpl": "stocktake.hooks.specs",
    "PluginInfo": "stocktake.hooks.host",
    "LoadedDocument": "stocktake.core.loading",
    "DocumentSource": "stocktake.core.sources",
    "Component": "stocktake.rubric.model",
    "Criterion": "stocktake.rubric.model",
    "Rubric": "stocktake.rubric.model",
    "Section": "stocktake.rubric.model",
    "Level": "stocktake.judgment.scale",
    "Scale": "stocktake.judgment.scale",
    "Registrar": "stocktake.hooks.registry",
}

__all__ = [
    "Component",
    "Criterion",
    "DetectorEntry",
    "DocumentError",
    "DocumentErrors",
    "DocumentSource",
    "Engine",
    "ExitCode",
    "Level",
    "LoadedDocument",
    "PluginError",
    "PluginInfo",
    "Registrar",
    "Rubric",
    "RubricEntry",
    "RuleSetEntry",
    "Scale",
    "Section",
    "StocktakeError",
    "StrategyEntry",
    "UsageError",
    "ValidationOutcome",
    "__version__",
    "hookimpl",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'stocktake' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
