"""The engine: a plugin host plus everything its plugins registered, behind typed methods.

Each :class:`Engine` has its own plugin manager and registry; nothing is shared between engines
and nothing is loaded at import time. The CLI builds one engine per command.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stocktake.core.errors import DocumentError, StocktakeError, UsageError
from stocktake.core.loading import LoadedDocument, load_document
from stocktake.core.models import version_key
from stocktake.core.parsing import DEFAULT_LIMITS, Limits
from stocktake.hooks.host import PluginHost, PluginInfo
from stocktake.hooks.registry import DocumentSource, Origin, Registry, document_files
from stocktake.judgment.scale import Scale
from stocktake.kinds import KINDS
from stocktake.rubric.model import Rubric

if TYPE_CHECKING:
    from stocktake.likelihood.result import DeliveryAssessmentResult
    from stocktake.report.model import DeliveryReport
    from stocktake.review.result import CapacityReviewResult

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
        self.host = PluginHost(
            disabled=disabled_plugins, plugins=plugins, load_entry_points=load_entry_points
        )
        self.registry = Registry()
        registrar, hook = self.registry.registrar(), self.host.hook
        hook.register_scales(registrar)  # scales first: rubrics are validated against them
        hook.register_rubrics(registrar)
        hook.register_strategies(registrar)
        hook.register_rule_sets(registrar)
        hook.register_chain_detectors(registrar)
        self._rule_sets: dict[str, tuple[Any, Origin, str | None]] | None = None
        user = Origin(None, via="--rubric-path")
        for raw in rubric_paths:
            path = Path(raw)
            files = document_files(path)
            if files is None:
                raise UsageError(f"rubric path {str(path)!r} does not exist")
            self.registry.rubric_sources.extend(DocumentSource(f, user) for f in files)
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

    def default(self, kind: str) -> str:
        """The id a plugin declared the default of ``kind`` (``strategy``, ``rule-set``,
        ``likelihood-rubric``, ``chain-scale``); :class:`UsageError` saying which plugins are
        disabled if none is declared (the built-ins declare every default)."""
        from stocktake.hooks.registry import DEFAULTS

        declared = self.registry.defaults.get(kind)
        if declared is not None:
            return declared[0]
        disabled = self.host.disabled
        hint = (f"disabled plugins: {', '.join(disabled)} (enable the one that provides it)" if disabled
                else "no plugin declares one")
        raise UsageError(f"no default {DEFAULTS.get(kind, kind)}: {hint}; or name one explicitly")

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
        plugin is a :class:`~stocktake.core.errors.PluginError`; a broken file of the user's is a
        :class:`DocumentError`; the same id and version twice is a :class:`UsageError` naming
        both files.
        """
        if self._rubrics is None:
            index: dict[tuple[str, str], RubricEntry] = {}
            context = {"scales": self.scales()}
            for source in self.registry.rubric_sources:
                try:
                    doc = load_document(source.path, context=context, kinds=("Rubric",), limits=self.limits, table=KINDS)
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

        The rubric a review or assessment names is looked up first and handed to validation
        (see :meth:`_context`).

        :raises DocumentError: located: file, line:column, JSON path, expected and found.
        """
        return load_document(path, context=self._context(), kinds=kinds, limits=self.limits, table=KINDS,
                             rubrics=self._resolve_rubric)

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
        result = self.review_document(self.load(path, kinds=("CapacityReview",)), path, strategy=strategy)
        if baseline is not None:
            result = self.with_baseline(result, baseline)
        return result

    def with_baseline(self, result: CapacityReviewResult, baseline: str | Path) -> CapacityReviewResult:
        """``result`` with movement per component since ``baseline``, an earlier review (scored
        here with the same strategy) or its result JSON."""
        from stocktake.judgment.envelope import InputFile
        from stocktake.review.baseline import compare_with_baseline

        doc = self.load(baseline, kinds=("CapacityReview", "CapacityReviewResult"))
        base = doc.model if doc.kind == "CapacityReviewResult" else self.review(
            baseline, strategy=result.strategy.id)
        return compare_with_baseline(result, base, InputFile(path=str(baseline), sha256=doc.sha256), self.scale)

    def review_document(self, doc: LoadedDocument, path: str | Path, *,
                        strategy: str | None = None) -> CapacityReviewResult:
        """Score an already loaded ``CapacityReview`` (see :meth:`review`)."""
        from stocktake.judgment.envelope import InputFile
        from stocktake.review.scoring import ScoringRun, score_review

        review = doc.model
        entry = self.rubric(review.rubric.id, review.rubric.version)
        chosen = strategy or review.settings.strategy or entry.rubric.aggregation or "lower-median"
        found, origin = self.strategy(chosen)
        inputs = [InputFile(path=str(path), sha256=doc.sha256), *doc.extra_inputs]
        return score_review(review, ScoringRun(entry.rubric, entry.sha256, found, origin, tuple(inputs)))

    # -- rule sets and likelihood ------------------------------------------------------------

    def rule_sets(self) -> dict[str, tuple[Any, Origin, str | None]]:
        """Every rule set by id: (rule set, origin, sha256 of its file or None for Python ones).

        Data tables are read, validated and compiled on first call; the same id twice is an error
        naming both places.
        """
        if self._rule_sets is None:
            from stocktake.likelihood.decision import CompiledTable

            found: dict[str, tuple[Any, Origin, str | None]] = {}
            where: dict[str, str] = {}
            for rule_id, (ruleset, origin) in self.registry.rule_sets.items():
                found[rule_id] = (ruleset, origin, None)
                where[rule_id] = origin.describe()
            for source in self.registry.rule_set_sources:
                try:
                    doc = load_document(source.path, context=self._context(), kinds=("RuleSet",), table=KINDS)
                except DocumentError as err:
                    raise source.origin.error(f"ships an invalid rule set: {err}") from err
                rule_id = doc.model.id
                if rule_id in found:
                    raise source.origin.error(
                        f"registers rule set {rule_id!r} ({source.path}), already registered by {where[rule_id]}"
                    )
                found[rule_id] = (CompiledTable(doc.model, self.scales()), source.origin, doc.sha256)
                where[rule_id] = f"{source.origin.describe()} in {source.path}"
            self._rule_sets = dict(sorted(found.items()))
        return self._rule_sets

    def rule_set(self, name: str) -> tuple[Any, Origin, str | None]:
        """A rule set by id, or a user's ``kind: RuleSet`` file by path."""
        from stocktake.likelihood.decision import CompiledTable

        path = Path(name)
        if path.suffix in (".yaml", ".yml", ".json") or path.is_file():
            doc = self.load(path, kinds=("RuleSet",))
            return CompiledTable(doc.model, self.scales()), Origin(None, via=str(path)), doc.sha256
        known = self.rule_sets()
        if name not in known:
            raise UsageError(f"no rule set {name!r} (rule sets: {', '.join(known) or 'none'}; or give a RuleSet file)")
        return known[name]

    def judge(
        self,
        path: str | Path,
        *,
        rules: str | None = None,
        previous: str | Path | None = None,
        period: str | None = None,
        as_of: str | None = None,
        chains: Iterable[str | Path] = (),
    ) -> DeliveryAssessmentResult:
        """Judge every priority of the ``DeliveryAssessment`` at ``path`` (or a JSON Lines batch
        of priorities, which needs ``period`` and ``as_of``).

        The rule set is ``rules`` (an id or a RuleSet file), else the assessment's ``rules``, else
        ``likelihood-default``. ``previous`` is an earlier result (or assessment) whose levels
        count as the previous judgment where a priority states none.
        """
        path = Path(path)
        if path.suffix == ".jsonl":
            from stocktake.core.loading import LoadedDocument
            from stocktake.likelihood.batches import read_assessment_jsonl

            rubric = self.rubric("likelihood-of-delivery", "1.0.0").rubric
            context = {**self._context(), "rubric": rubric, "evidence_ids": set()}
            model, digest = read_assessment_jsonl(path, context, rubric, period=period, as_of=as_of)
            doc = LoadedDocument(path=path, kind="DeliveryAssessment", model=model, sha256=digest)
        else:
            if period or as_of:
                raise UsageError("--period and --as-of are for JSON Lines batches; an assessment states its own")
            doc = self.load(path, kinds=("DeliveryAssessment",))
        return self.judge_document(doc, path, rules=rules, previous=previous,
                                   chain_results=[self.chain(c) for c in chains])

    def judge_document(self, doc: LoadedDocument, path: str | Path, *, rules: str | None = None,
                       previous: str | Path | None = None,
                       chain_results: Iterable[Any] = ()) -> DeliveryAssessmentResult:
        """Judge an already loaded ``DeliveryAssessment`` (see :meth:`judge`); each of
        ``chain_results`` (analysed chains) is evidence for its priority's delivery chain."""
        from stocktake.judgment.envelope import InputFile
        from stocktake.likelihood.judge import judge_assessment

        assessment = doc.model
        rubric = self.rubric(assessment.rubric.id, assessment.rubric.version).rubric
        run = self._judging_run(rules or assessment.rules or "likelihood-default", rubric)
        inputs = [InputFile(path=str(path), sha256=doc.sha256)]
        earlier: dict[str, str] = {}
        if previous is not None:
            earlier, prev_digest = self._previous_levels(Path(previous), rules=rules)
            inputs.append(InputFile(path=str(previous), sha256=prev_digest))
        for chain in chain_results:
            assessment = self._with_chain(assessment, chain, inputs)
        return judge_assessment(assessment, replace(run, inputs=tuple(inputs), previous=earlier))

    def _judging_run(self, rules: str, rubric: Rubric, previous: Mapping[str, str] | None = None) -> Any:
        """Everything a judgment is made with (see :func:`stocktake.likelihood.judge.judging_run`)."""
        from stocktake.likelihood.judge import judging_run

        return judging_run(self, rules, rubric, previous)

    def _with_chain(self, doc: Any, result: Any, inputs: list[Any]) -> Any:
        """The assessment with a chain's judgment as evidence for its priority's delivery-chain
        sub-criterion: the criterion's level where the team gave none, cited beside theirs where
        they did."""
        from stocktake.judgment.evidence import Evidence
        from stocktake.likelihood.model import CategoryRating, CriterionRating

        priority_id = result.chain["priority"]
        ids = [p.id for p in doc.priorities]
        if priority_id not in ids:
            raise UsageError(f"the chain {result.chain['id']!r} is for priority {priority_id!r}, which the assessment "
                             f"does not have (priorities: {', '.join(ids)})")
        evidence_id = f"chain-{result.chain['id']}"
        level = result.judgment.rating
        doc = doc.model_copy(deep=True)
        doc.evidence.append(Evidence(id=evidence_id, kind="data",
                                     source=f"Delivery chain analysis of {result.inputs[0].path}",
                                     summary=result.judgment.because))
        priority = doc.priorities[ids.index(priority_id)]
        capacity = priority.ratings.capacity or CategoryRating()
        if "delivery-chain" in capacity.criteria:
            capacity.criteria["delivery-chain"].evidence.append(evidence_id)
        elif capacity.level is not None:
            capacity.evidence.append(evidence_id)
        else:
            capacity.criteria["delivery-chain"] = CriterionRating(
                level=level, rationale=f"From the delivery chain analysis: {result.judgment.because}",
                evidence=[evidence_id])
        priority.ratings.capacity = capacity
        inputs.extend(i for i in result.inputs if i not in inputs)
        return doc

    def chain(self, path: str | Path) -> Any:
        """Analyse the ``DeliveryChain`` at ``path`` with every registered detector."""
        return self.chain_with_document(path)[1]

    def chain_with_document(self, path: str | Path) -> tuple[Any, Any]:
        """The ``DeliveryChain`` at ``path`` and its analysis (for views that draw the chain)."""
        doc = self.load(path, kinds=("DeliveryChain",))
        return doc.model, self.chain_document(doc, path)

    def chain_document(self, doc: LoadedDocument, path: str | Path) -> Any:
        """Analyse an already loaded ``DeliveryChain`` with every registered detector."""
        from stocktake.chains.analysis import analyse_chain
        from stocktake.core.loading import gc_held
        from stocktake.judgment.envelope import InputFile

        detectors = [self.registry.detectors[k] for k in sorted(self.registry.detectors)]
        inputs = [InputFile(path=str(path), sha256=doc.sha256), *doc.extra_inputs]
        with gc_held():  # bulk graph building
            return analyse_chain(doc.model, self.scale(self.default("chain-scale")), detectors, inputs)

    def report(self, paths: Iterable[str | Path], *, title: str | None = None, rules: str | None = None,
               strategy: str | None = None) -> DeliveryReport:
        """One delivery report joining capacity reviews, assessments and chains (documents or
        their results); see :mod:`stocktake.report.build` for how the parts are matched. ``rules`` and
        ``strategy`` apply to the documents that are judged here."""
        from stocktake.report.build import build_report

        return build_report(self, paths, title=title, rules=rules, strategy=strategy)

    def judge_stream(self, path: str | Path, out: Any, *, rules: str | None = None,
                     previous: str | Path | None = None, as_of: str | None = None,
                     period: str | None = None, jobs: int = 1,
                     progress: Any = None) -> tuple[dict[str, int], list[Any]]:
        """Judge a JSON Lines batch, writing each result as one JSON line to ``out`` in input
        order; memory does not grow with the batch. With ``jobs`` > 1, chunks of lines are judged
        in that many processes. ``progress(priorities, bytes_read, bytes_total)`` is called as the
        batch goes. Returns (counts per level, failures)."""
        from functools import partial

        from stocktake.likelihood.batches import StreamJob, batch_date, judge_batch
        from stocktake.likelihood.judge import stream_run

        date = batch_date(period, as_of)
        earlier = self._previous_levels(Path(previous), rules=rules)[0] if previous is not None else {}
        how = (rules or "likelihood-default", ("likelihood-of-delivery", "1.0.0"), earlier)
        # Prepared here, in this process, so a bad rule set is one error before any worker starts.
        run, context = stream_run(lambda: self, *how)
        if jobs > 1 and self._rebuild_args is None:
            raise UsageError("--jobs needs an engine whose plugins are installed (entry points), "
                             "so each process can load them")
        # A worker prepares the same from an engine built again from this one's arguments.
        prepare = (None if self._rebuild_args is None
                   else partial(stream_run, partial(Engine, **self._rebuild_args), *how))
        return judge_batch(StreamJob(run, context, date, prepare), Path(path), out, jobs=jobs, progress=progress)

    def judge_levels(self, priorities: Any, *, as_of: Any, rules: str = "likelihood-default") -> list[Any]:
        """Decide the likelihood of many validated ``Priority`` models at once, without trails
        (see :func:`stocktake.likelihood.judge.decide_levels`); the same decisions as :meth:`judge`."""
        from stocktake.likelihood.judge import decide_levels

        run = self._judging_run(rules, self.rubric("likelihood-of-delivery").rubric)
        return decide_levels(list(priorities), as_of, run)

    def _previous_levels(self, path: Path, *, rules: str | None) -> tuple[dict[str, str], str]:
        doc = self.load(path, kinds=("DeliveryAssessmentResult", "DeliveryAssessment"))
        result = doc.model if doc.kind == "DeliveryAssessmentResult" else self.judge(path, rules=rules)
        return {p.id: p.judgment.rating for p in result.priorities if p.judgment.rating}, doc.sha256

    def _context(self) -> dict[str, Any]:
        """What every document validates in: the registered scales (``scales``). The loader adds
        the rubric a document names (``rubric``, looked up with :meth:`_resolve_rubric`)."""
        return {"scales": self.scales()}

    def _resolve_rubric(self, rubric_id: str, version: str) -> Rubric:
        """The installed rubric ``rubric_id`` at exactly ``version``.

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
        raise RubricNotInstalled(
            "version", f"an installed version of rubric {rubric_id!r} ({versions})", repr(version)
        )
