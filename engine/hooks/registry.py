"""The registry: everything plugins register, keyed by id, with the plugin that registered it.

Registration hooks receive a :class:`Registrar`, a view of the shared :class:`Registry` bound to
the plugin whose hook receives it (the host binds it), so that a duplicate id can be reported
naming both plugins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stocktake.core.boundary import one_line, shown
from stocktake.core.errors import PluginError, json_path
from stocktake.judgment.scale import Scale

__all__ = ["DEFAULTS", "DocumentSource", "Origin", "Registrar", "Registry", "document_files"]

DOCUMENT_SUFFIXES = (".yaml", ".yml", ".json")


def document_files(path: Path) -> list[Path] | None:
    """``path`` itself if it is a file, its ``*.yaml``/``*.yml``/``*.json`` files (sorted) if it is
    a directory, or None if it does not exist."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in DOCUMENT_SUFFIXES and p.is_file())
    if path.is_file():
        return [path]
    return None


@dataclass(frozen=True)
class Origin:
    """Who registered something: a plugin (with its distribution) or the user."""

    plugin: str | None
    """Plugin name, or None for something the user supplied directly."""
    distribution: str | None = None
    version: str | None = None
    via: str = ""
    """For user-supplied items: how (``--rubric-path``, ...)."""

    def describe(self) -> str:
        if self.plugin is None:
            return self.via or "user"
        if self.distribution:
            return f"plugin {self.plugin} ({self.distribution} {self.version})"
        return f"plugin {self.plugin}"

    def error(self, message: str) -> PluginError:
        """A :class:`PluginError` naming this plugin; ``message`` is shown on one line."""
        return PluginError(
            one_line(message, 1000),
            plugin=self.plugin or "?",
            distribution=self.distribution,
            version=self.version,
        )


DEFAULTS = {
    "strategy": "aggregation strategy (for reviews that name none)",
    "rule-set": "likelihood rule set (for assessments that name none)",
    "severity-rule-set": "severity classifier rule set (for assessments that name none)",
    "chain-scale": "scale chains and their links are judged on",
}
"""What plugins declare defaults for (``Registrar.declare_default``), and what each is for."""

@dataclass(frozen=True)
class DocumentSource:
    """A document file (a rubric or a rule set) to read when first needed, and who asked for it."""

    path: Path
    origin: Origin


@dataclass
class Registry:
    """What plugins registered. Ids are owned here; duplicates are rejected."""

    scales: dict[str, tuple[Scale, Origin]] = field(default_factory=dict)
    rubric_sources: list[DocumentSource] = field(default_factory=list)
    strategies: dict[str, tuple[Any, Origin]] = field(default_factory=dict)
    rule_set_sources: list[DocumentSource] = field(default_factory=list)
    """Rule set files (``kind: RuleSet``) to read when rule sets are first needed."""
    rule_sets: dict[str, tuple[Any, Origin]] = field(default_factory=dict)
    """Python rule sets, by id."""
    detectors: dict[str, tuple[Any, Origin]] = field(default_factory=dict)
    """Chain detectors, by id."""
    defaults: dict[str, tuple[str, Origin]] = field(default_factory=dict)
    """Declared defaults (see :data:`DEFAULTS`): the id and who declared it."""

    def registrar(self, origin: Origin | None = None) -> Registrar:
        """A view of this registry that registers on behalf of ``origin`` (None: a registrar to
        hand to a hook call, which binds it to each plugin with :meth:`Registrar.for_plugin`)."""
        return Registrar(self, origin)

    def scale_map(self) -> dict[str, Scale]:
        """Registered scales by id."""
        return {sid: scale for sid, (scale, _) in sorted(self.scales.items())}


class Registrar:
    """What a registration hook receives: registers scales, rubrics, strategies, rule sets and
    detectors for one plugin."""

    def __init__(self, registry: Registry, origin: Origin | None = None) -> None:
        self._registry = registry
        self._bound = origin

    def for_plugin(self, origin: Origin) -> Registrar:
        """The same registry, registering on behalf of ``origin``."""
        return Registrar(self._registry, origin)

    @property
    def _origin(self) -> Origin:
        if self._bound is None:  # only the host hands out registrars, bound to each plugin
            raise RuntimeError("this Registrar is not bound to a plugin (see Registrar.for_plugin)")
        return self._bound

    def _claim(self, table: dict[str, tuple[Any, Origin]], what: str, item_id: str, item: Any) -> None:
        """Record ``item`` under ``item_id`` for this plugin; an id taken already names both plugins."""
        taken = table.get(item_id)
        if taken is not None:
            raise self._origin.error(f"registers {what} {shown(item_id)}, already registered by {taken[1].describe()}")
        table[item_id] = (item, self._origin)

    @property
    def plugin(self) -> str | None:
        """Name of the plugin this registrar registers for."""
        return self._origin.plugin

    def add_scale(self, scale: Scale | Mapping[str, Any]) -> Scale:
        """Register a rating scale; a mapping is validated as a :class:`~engine.Scale`.

        Fails with a :class:`~stocktake.core.errors.PluginError` if the scale is invalid or its id is taken.
        """
        if not isinstance(scale, Scale):
            from pydantic import ValidationError

            from stocktake.core.loading import document_error

            try:
                scale = Scale.model_validate(scale)
            except ValidationError as err:
                problem = document_error(err)
                raise self._origin.error(
                    f"registers an invalid scale: {json_path(problem.path)}: "
                    f"expected {problem.expected}, found {problem.found}"
                ) from err
        self._claim(self._registry.scales, "scale", scale.id, scale)
        return scale

    def add_strategy(self, strategy: Any) -> None:
        """Register an aggregation strategy (see :class:`stocktake.review.strategies.Strategy`)."""
        problem = _shape_problem(strategy, "aggregate")
        if problem is not None:
            raise self._origin.error(f"registers the strategy {shown(strategy)}, {problem}")
        self._claim(self._registry.strategies, "strategy", strategy.id, strategy)

    def add_rule_set(self, source: Any) -> None:
        """Register a rule set: a ``kind: RuleSet`` file or directory, or a Python rule set object."""
        if isinstance(source, (str, Path)) or hasattr(source, "is_dir"):
            path = Path(str(source))
            files = document_files(path)
            if files is None:
                raise self._origin.error(f"registers rule set path {str(path)!r}, which does not exist")
            self._registry.rule_set_sources.extend(DocumentSource(f, self._origin) for f in files)
            return
        problem = _shape_problem(source, "decide", also=("inputs", "output_scale"))
        if problem is None and not isinstance(source.output_scale, str):
            problem = f"whose output_scale is {shown(source.output_scale)}, not a text"
        if problem is None and (not isinstance(source.inputs, (tuple, list))
                                or not all(isinstance(name, str) for name in source.inputs)):
            problem = f"whose inputs are {shown(source.inputs)}, not a tuple of texts"
        if problem is not None:
            raise self._origin.error(f"registers the rule set {shown(source)}, {problem}")
        self._claim(self._registry.rule_sets, "rule set", source.id, source)

    def add_detector(self, detector: Any) -> None:
        """Register a chain detector (see :class:`stocktake.chains.analysis.Detector`)."""
        problem = _shape_problem(detector, "detect")
        if problem is not None:
            raise self._origin.error(f"registers the detector {shown(detector)}, {problem}")
        self._claim(self._registry.detectors, "detector", detector.id, detector)

    def declare_default(self, kind: str, item_id: str) -> None:
        """Declare ``item_id`` the default of ``kind`` (a key of :data:`DEFAULTS`): what the
        engine uses where a document and the user name none. One plugin per kind; a second
        declaration names both plugins."""
        if kind not in DEFAULTS:
            raise self._origin.error(f"declares a default {kind!r}; kinds: {', '.join(DEFAULTS)}")
        taken = self._registry.defaults.get(kind)
        if taken is not None:
            raise self._origin.error(f"declares the default {kind} {item_id!r}, already declared "
                                     f"({taken[0]!r}) by {taken[1].describe()}")
        self._registry.defaults[kind] = (item_id, self._origin)

    def add_rubric(self, path: str | Path) -> None:
        """Register a rubric file, or every ``*.yaml``/``*.yml``/``*.json`` file in a directory."""
        path = Path(path)
        files = document_files(path)
        if files is None:
            raise self._origin.error(f"registers rubric path {str(path)!r}, which does not exist")
        for file in files:
            self._registry.rubric_sources.append(DocumentSource(file, self._origin))


def _shape_problem(item: object, method: str, also: tuple[str, ...] = ()) -> str | None:
    """Why ``item`` cannot be registered, or None: it must have what every registered object has
    (``id``, ``version``, ``title`` and ``description``, all text, the id not empty), the
    attributes ``also`` and a callable ``method``. These are read into every result, so they are
    checked once, here. The full contracts are the protocols beside each capability
    (``Strategy``, ``RuleSetLike``, ``Detector``); this layer checks their shape without
    importing them."""
    names = ("id", "version", "title", "description", *also)
    missing = [name for name in names if not hasattr(item, name)]
    if not callable(getattr(item, method, None)):
        missing.append(f"{method}()")
    if missing:
        return f"which lacks {', '.join(missing)}"
    for name in ("id", "version", "title", "description"):
        value = getattr(item, name)
        if not isinstance(value, str) or (name == "id" and not value):
            return f"whose {name} is {shown(value)}, not {'a non-empty' if name == 'id' else 'a'} text"
    return None
