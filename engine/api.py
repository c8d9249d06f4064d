"""The engine: a plugin host plus everything its plugins registered, behind typed methods.

Each :class:`Engine` has its own plugin manager and registry; nothing is shared between engines
and nothing is loaded at import time. The CLI builds one engine per command.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import DocumentError, StocktakeError, UsageError
from engine.host import PluginHost, PluginInfo
from engine.loading import LoadedDocument, load_document
from engine.models.base import version_key
from engine.models.rubric import Rubric
from engine.models.scale import Scale
from engine.registry import Origin, Registry, RubricSource

if TYPE_CHECKING:
    from engine.models.results import CapacityReviewResult

__all__ = ["Engine", "RubricEntry", "ValidationOutcome"]


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


@dataclass(frozen=True)
class ValidationOutcome:
    """The result of validating one file: the document, or the error."""

    path: Path
    document: LoadedDocument | None = None
    error: StocktakeError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class Engine:
    """Stocktake's engine.

    :param rubric_paths: extra files or directories of rubrics (the CLI's ``--rubric-path`` and
        ``STOCKTAKE_RUBRIC_PATH``).
    :param disabled_plugins: plugin names not to load.
    :param plugins: extra plugins registered in-process, as ``(name, module_or_object)`` pairs.
    :param load_entry_points: load the ``stocktake`` entry points, built-ins included. Tests turn
        this off and pass plugins explicitly (see :mod:`engine.testing`).
    """

    def __init__(
        self,
        *,
        rubric_paths: Iterable[str | Path] = (),
        disabled_plugins: Iterable[str] = (),
        plugins: Iterable[tuple[str, object]] = (),
        load_entry_points: bool = True,
    ) -> None:
        self.host = PluginHost(
            disabled=disabled_plugins, plugins=plugins, load_entry_points=load_entry_points
        )
        self.registry = Registry()
        for _ in self.host.call_each("stocktake_register_scales", registry=self.registry.registrar):
            pass
        for _ in self.host.call_each("stocktake_register_rubrics", registry=self.registry.registrar):
            pass
        for _ in self.host.call_each("stocktake_register_strategies", registry=self.registry.registrar):
            pass
        user = Origin(None, via="--rubric-path")
        for raw in rubric_paths:
            path = Path(raw)
            if not path.exists():
                raise UsageError(f"rubric path {str(path)!r} does not exist")
            files = (
                sorted(p for p in path.iterdir() if p.is_file() and p.suffix in (".yaml", ".yml", ".json"))
                if path.is_dir()
                else [path]
            )
            self.registry.rubric_sources.extend(RubricSource(f, user) for f in files)
        self._rubrics: dict[tuple[str, str], RubricEntry] | None = None

    # -- plugins and scales --------------------------------------------------------------------

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

    def strategies(self) -> dict[str, tuple[Any, Origin]]:
        """Registered aggregation strategies by id, with who registered each."""
        return dict(sorted(self.registry.strategies.items()))

    def strategy(self, strategy_id: str) -> tuple[Any, Origin]:
        """The strategy ``strategy_id`` and its origin; :class:`UsageError` naming the known ones."""
        known = self.strategies()
        if strategy_id not in known:
            raise UsageError(
                f"no aggregation strategy {strategy_id!r} (strategies: {', '.join(known) or 'none'})"
            )
        return known[strategy_id]

    # -- rubrics -------------------------------------------------------------------------------

    def rubrics(self) -> list[RubricEntry]:
        """Every installed rubric, sorted by id then version.

        Reads and validates each registered rubric file on first call. A broken file shipped by a
        plugin is a :class:`~engine.errors.PluginError`; a broken file of the user's is a
        :class:`DocumentError`; the same id and version twice is a :class:`UsageError` naming
        both files.
        """
        if self._rubrics is None:
            index: dict[tuple[str, str], RubricEntry] = {}
            context = {"scales": self.scales()}
            for source in self.registry.rubric_sources:
                try:
                    doc = load_document(source.path, context=context, kinds=("Rubric",))
                except DocumentError as err:
                    if source.origin.plugin is not None:
                        raise source.origin.error(f"ships an invalid rubric: {err}") from err
                    raise
                entry = RubricEntry(doc.model, source.path, doc.sha256, source.origin)
                other = index.get(entry.key)
                if other is not None:
                    raise UsageError(
                        f"rubric {entry.key[0]!r} version {entry.key[1]} is defined twice: "
                        f"{other.path} ({other.origin.describe()}) and "
                        f"{entry.path} ({entry.origin.describe()})"
                    )
                index[entry.key] = entry
            self._rubrics = index
        return sorted(
            self._rubrics.values(), key=lambda e: (e.rubric.id, version_key(e.rubric.version))
        )

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
        raise UsageError(
            f"rubric {rubric_id!r} version {version} is not installed (installed: {versions})"
        )

    def rubric_from(self, ref: str) -> Rubric:
        """A rubric named by a file path, ``ID@VERSION`` or ``ID`` (the latest installed)."""
        path = Path(ref)
        if path.is_file() or path.suffix in (".yaml", ".yml", ".json"):
            return self.load(path, kinds=("Rubric",)).model  # type: ignore[no-any-return]
        rubric_id, _, version = ref.partition("@")
        return self.rubric(rubric_id, version or None).rubric

    # -- documents -----------------------------------------------------------------------------

    def load(self, path: str | Path, *, kinds: tuple[str, ...] | None = None) -> LoadedDocument:
        """Load and validate one document of any kind (or of ``kinds``).

        :raises DocumentError: located: file, line:column, JSON path, expected and found.
        """
        return load_document(path, context=self._context(), kinds=kinds)

    def validate(self, paths: Iterable[str | Path]) -> list[ValidationOutcome]:
        """Validate each file, collecting errors instead of stopping at the first."""
        outcomes = []
        for raw in paths:
            path = Path(raw)
            try:
                outcomes.append(ValidationOutcome(path, document=self.load(path)))
            except DocumentError as err:
                outcomes.append(ValidationOutcome(path, error=err))
        return outcomes

    # -- capacity reviews ----------------------------------------------------------------------

    def review(
        self,
        path: str | Path,
        *,
        strategy: str | None = None,
        baseline: str | Path | None = None,
    ) -> CapacityReviewResult:
        """Score the ``CapacityReview`` at ``path``.

        The strategy is ``strategy``, else the review's ``settings.strategy``, else the rubric's
        ``aggregation``, else ``lower-median``. ``baseline`` is an earlier review or its result
        JSON; movement per component is added. A strategy failure is recorded in
        ``result.failures`` (the rest of the result stands).
        """
        from engine.capacity import ScoringRun, score_review
        from engine.models.results import InputFile

        doc = self.load(path, kinds=("CapacityReview",))
        review = doc.model
        entry = self.rubric(review.rubric.id, review.rubric.version)
        chosen = strategy or review.settings.strategy or entry.rubric.aggregation or "lower-median"
        found, origin = self.strategy(chosen)
        inputs = [InputFile(path=str(path), sha256=doc.sha256), *doc.extra_inputs]
        run = ScoringRun(entry.rubric, entry.sha256, found, origin, tuple(inputs))
        result = score_review(review, run)
        if baseline is not None:
            from engine.baseline import compare_with_baseline

            result = compare_with_baseline(self, result, Path(baseline))
        return result

    def _context(self) -> dict[str, Any]:
        return {"scales": self.scales(), "rubric": self._resolve_rubric}

    def _resolve_rubric(self, rubric_id: str, version: str) -> Rubric:
        from engine.models.review import RubricNotInstalled

        entries = [e for e in self.rubrics() if e.rubric.id == rubric_id]
        if not entries:
            ids = ", ".join(sorted({e.rubric.id for e in self.rubrics()})) or "none"
            raise RubricNotInstalled("id", f"an installed rubric ({ids})", repr(rubric_id))
        for entry in entries:
            if entry.rubric.version == version:
                return entry.rubric
        versions = ", ".join(e.rubric.version for e in entries)
        raise RubricNotInstalled(
            "version", f"an installed version of rubric {rubric_id!r} ({versions})", repr(version)
        )
