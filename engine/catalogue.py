"""What an engine's plugins registered, looked up by id: scales, defaults, aggregation strategies,
rubrics, rule sets and chain detectors, each as a typed entry saying who registered it.

A :class:`Catalogue` owns one plugin host (its own pluggy manager) and the registry its plugins
filled; nothing is shared between catalogues and nothing is loaded at import time. Rubric and
rule-set files are read and validated on first use. :class:`stocktake.Engine` is a catalogue that
also judges documents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from stocktake.core.errors import DocumentError, UsageError
from stocktake.core.loading import load_document
from stocktake.core.models import version_key
from stocktake.core.parsing import DEFAULT_LIMITS, Limits
from stocktake.hooks.host import PluginHost, PluginInfo
from stocktake.hooks.registry import DEFAULTS, DocumentSource, Origin, Registry, document_files
from stocktake.judgment.scale import Scale
from stocktake.kinds import KINDS
from stocktake.rubric.model import Rubric

if TYPE_CHECKING:
    from stocktake.chains.analysis import Detector
    from stocktake.likelihood.decision import RuleSetLike
    from stocktake.review.strategies import Strategy

__all__ = ["Catalogue", "DetectorEntry", "RubricEntry", "RuleSetEntry", "StrategyEntry"]


@dataclass(frozen=True)
class RubricEntry:
    """An installed rubric and where it was found."""

    rubric: Rubric
    path: Path
    sha256: str
    origin: Origin

    @property
    def key(self) -> tuple[str, str]:
        return (self.rubric.id, self.rubric.version)


class StrategyEntry(NamedTuple):
    """A registered aggregation strategy and who registered it."""

    strategy: Strategy
    origin: Origin


class RuleSetEntry(NamedTuple):
    """A rule set (a compiled data table or a Python rule set), who registered it and the sha256
    of its file (None for Python rule sets)."""

    rule_set: RuleSetLike
    origin: Origin
    sha256: str | None


class DetectorEntry(NamedTuple):
    """A registered chain detector and who registered it."""

    detector: Detector
    origin: Origin


class Catalogue:
    """The plugins of one engine and everything they registered.

    :param rubric_paths: extra files or directories of rubrics (the CLI's ``--rubric-path`` and
        ``STOCKTAKE_RUBRIC_PATH``).
    :param disabled_plugins: plugin names not to load.
    :param plugins: extra plugins registered in-process, as ``(name, module_or_object)`` pairs.
    :param load_entry_points: load the ``stocktake`` entry points, built-ins included. Tests turn
        this off and pass plugins explicitly (see :mod:`stocktake.testing`).
    :param limits: bounds on what a document may make the loader do (file size, depth, values).
    """

    def __init__(
        self,
        *,
        rubric_paths: Iterable[str | Path] = (),
        disabled_plugins: Iterable[str] = (),
        plugins: Iterable[tuple[str, object]] = (),
        load_entry_points: bool = True,
        limits: Limits | None = None,
    ) -> None:
        rubric_paths, plugins = tuple(rubric_paths), tuple(plugins)
        self.limits = limits or DEFAULT_LIMITS
        self._rebuild_args: dict[str, Any] | None = None if plugins or not load_entry_points else {
            "rubric_paths": tuple(str(p) for p in rubric_paths), "disabled_plugins": tuple(disabled_plugins),
            "limits": self.limits}
        """How to build this engine again in another process (None: it has in-process plugins)."""
        self.host = PluginHost(disabled=disabled_plugins, plugins=plugins, load_entry_points=load_entry_points)
        self.registry = Registry()
        registrar, hook = self.registry.registrar(), self.host.hook
        hook.register_scales(registrar)  # scales first: rubrics are validated against them
        hook.register_rubrics(registrar)
        hook.register_strategies(registrar)
        hook.register_rule_sets(registrar)
        hook.register_chain_detectors(registrar)
        user = Origin(None, via="--rubric-path")
        for raw in rubric_paths:
            path = Path(raw)
            files = document_files(path)
            if files is None:
                what = "is neither a file nor a directory" if path.exists() else "does not exist"
                raise UsageError(f"rubric path {str(path)!r} {what}: give a rubric file or a directory of them")
            self.registry.rubric_sources.extend(DocumentSource(f, user) for f in files)
        self._rubrics: dict[tuple[str, str], RubricEntry] | None = None
        self._rule_sets: dict[str, RuleSetEntry] | None = None

    # -- plugins, scales, defaults, strategies, detectors --------------------------------------

    def plugins(self) -> list[PluginInfo]:
        """Loaded plugins with their distribution, version and hooks, sorted by name."""
        return self.host.plugins()

    def scales(self) -> dict[str, Scale]:
        """Registered scales by id."""
        return self.registry.scale_map()

    def scale(self, scale_id: str) -> Scale:
        """The registered scale ``scale_id``; :class:`UsageError` if there is none."""
        scales = self.scales()
        if scale_id not in scales:
            raise UsageError(f"no scale {scale_id!r} (scales: {', '.join(scales) or 'none'})")
        return scales[scale_id]

    def default(self, kind: str) -> str:
        """The id a plugin declared the default of ``kind`` (``strategy``, ``rule-set``,
        ``chain-scale``); :class:`UsageError` saying which plugins are
        disabled if none is declared (the built-ins declare every default)."""
        declared = self.registry.defaults.get(kind)
        if declared is not None:
            return declared[0]
        disabled = self.host.disabled
        hint = (f"disabled plugins: {', '.join(disabled)} (enable the one that provides it)" if disabled
                else "no plugin declares one")
        raise UsageError(f"no default {DEFAULTS.get(kind, kind)}: {hint}; or name one explicitly")

    def strategies(self) -> dict[str, StrategyEntry]:
        """Registered aggregation strategies by id, with who registered each."""
        return {sid: StrategyEntry(*item) for sid, item in sorted(self.registry.strategies.items())}

    def strategy(self, strategy_id: str) -> StrategyEntry:
        """The strategy ``strategy_id``; :class:`UsageError` naming the known ones."""
        known = self.strategies()
        if strategy_id not in known:
            raise UsageError(f"no aggregation strategy {strategy_id!r} (strategies: {', '.join(known) or 'none'})")
        return known[strategy_id]

    def detectors(self) -> list[DetectorEntry]:
        """Registered chain detectors, sorted by id."""
        return [DetectorEntry(*self.registry.detectors[k]) for k in sorted(self.registry.detectors)]

    # -- rubrics -------------------------------------------------------------------------------

    def rubrics(self) -> list[RubricEntry]:
        """Every installed rubric, sorted by id then version.

        Reads and validates each registered rubric file on first call. A broken file shipped by a
        plugin is a :class:`~stocktake.core.errors.PluginError`; a broken file of the user's is a
        :class:`DocumentError`; the same id and version twice is a :class:`UsageError` naming
        both files.
        """
        if self._rubrics is None:
            index: dict[tuple[str, str], RubricEntry] = {}
            context = self._context()
            for source in self.registry.rubric_sources:
                try:
                    doc = load_document(source.path, context=context, kinds=("Rubric",), limits=self.limits,
                                        table=KINDS)
                except DocumentError as err:
                    if source.origin.plugin is not None:
                        raise source.origin.error(f"ships an invalid rubric: {err}") from err
                    raise
                entry = RubricEntry(doc.model, source.path, doc.sha256, source.origin)
                other = index.get(entry.key)
                if other is not None:
                    raise UsageError(
                        f"rubric {entry.key[0]!r} version {entry.key[1]} is defined twice: "
                        f"{other.path} ({other.origin.describe()}) and {entry.path} ({entry.origin.describe()})"
                    )
                index[entry.key] = entry
            self._rubrics = index
        return sorted(self._rubrics.values(), key=lambda e: (e.rubric.id, version_key(e.rubric.version)))

    def rubric(self, rubric_id: str, version: str | None = None) -> RubricEntry:
        """The rubric ``rubric_id`` at ``version``, or its latest version if ``version`` is None.

        :raises UsageError: naming the installed rubrics (or versions) if there is no match.
        """
        entries = [e for e in self.rubrics() if e.rubric.id == rubric_id]
        if not entries:
            ids = sorted({e.rubric.id for e in self.rubrics()})
            raise UsageError(
                f"no rubric {rubric_id!r} is installed (installed: {', '.join(ids) or 'none'}; "
                "add a directory with --rubric-path)"
            )
        if version is None:
            return entries[-1]
        for entry in entries:
            if entry.rubric.version == version:
                return entry
        versions = ", ".join(e.rubric.version for e in entries)
        raise UsageError(f"rubric {rubric_id!r} version {version} is not installed (installed: {versions})")

    def _resolve_rubric(self, rubric_id: str, version: str) -> Rubric:
        """The installed rubric ``rubric_id`` at exactly ``version`` (what the loader hands to a
        document naming it).

        :raises RubricNotInstalled: saying which ids (or versions of that id) are installed.
        """
        from stocktake.rubric.model import RubricNotInstalled

        entries = [e for e in self.rubrics() if e.rubric.id == rubric_id]
        if not entries:
            ids = ", ".join(sorted({e.rubric.id for e in self.rubrics()})) or "none"
            raise RubricNotInstalled("id", f"an installed rubric ({ids})", repr(rubric_id))
        for entry in entries:
            if entry.rubric.version == version:
                return entry.rubric
        versions = ", ".join(e.rubric.version for e in entries)
        raise RubricNotInstalled("version", f"an installed version of rubric {rubric_id!r} ({versions})",
                                 repr(version))

    def _context(self) -> dict[str, Any]:
        """What every document validates in: the registered scales (``scales``) and the declared
        chain scale (``chain_scale``). The loader adds the rubric a document names (``rubric``,
        looked up with :meth:`_resolve_rubric`)."""
        context: dict[str, Any] = {"scales": self.scales()}
        declared = self.registry.defaults.get("chain-scale")
        if declared is not None:
            context["chain_scale"] = declared[0]
        return context

    # -- rule sets -----------------------------------------------------------------------------

    def rule_sets(self) -> dict[str, RuleSetEntry]:
        """Every rule set by id. Data tables are read, validated and compiled on first call; the
        same id twice is an error naming both places."""
        if self._rule_sets is None:
            from stocktake.likelihood.decision import CompiledTable

            found: dict[str, RuleSetEntry] = {}
            where: dict[str, str] = {}
            for rule_id, (ruleset, origin) in self.registry.rule_sets.items():
                found[rule_id] = RuleSetEntry(ruleset, origin, None)
                where[rule_id] = origin.describe()
            for source in self.registry.rule_set_sources:
                try:
                    doc = load_document(source.path, context=self._context(), kinds=("RuleSet",), table=KINDS)
                except DocumentError as err:
                    raise source.origin.error(f"ships an invalid rule set: {err}") from err
                rule_id = doc.model.id
                if rule_id in found:
                    raise source.origin.error(
                        f"registers rule set {rule_id!r} ({source.path}), already registered by {where[rule_id]}")
                found[rule_id] = RuleSetEntry(CompiledTable(doc.model, self.scales()), source.origin, doc.sha256)
                where[rule_id] = f"{source.origin.describe()} in {source.path}"
            self._rule_sets = dict(sorted(found.items()))
        return self._rule_sets

    def rule_set(self, name: str) -> RuleSetEntry:
        """A rule set by id, or a user's ``kind: RuleSet`` file by path."""
        from stocktake.likelihood.decision import CompiledTable

        path = Path(name)
        if path.suffix in (".yaml", ".yml", ".json") or path.is_file():
            doc = load_document(path, context=self._context(), kinds=("RuleSet",), limits=self.limits, table=KINDS)
            return RuleSetEntry(CompiledTable(doc.model, self.scales()), Origin(None, via=str(path)), doc.sha256)
        known = self.rule_sets()
        if name not in known:
            raise UsageError(f"no rule set {name!r} (rule sets: {', '.join(known) or 'none'}; or give a RuleSet file)")
        return known[name]
