"""The engine: a catalogue of what its plugins registered (:class:`~stocktake.catalogue.Catalogue`)
that also loads documents and judges them: capacity reviews, likelihood of delivery, delivery
chains and the delivery report, behind typed methods.

Each :class:`Engine` has its own plugin manager and registry; nothing is shared between engines
and nothing is loaded at import time. The CLI builds one engine per command.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from os import PathLike
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from stocktake.catalogue import Catalogue, DetectorEntry, RubricEntry, RuleSetEntry, StrategyEntry
from stocktake.core.errors import DocumentError, StocktakeError, UsageError
from stocktake.core.loading import LoadedDocument, load_document
from stocktake.core.sources import DocumentSource
from stocktake.kinds import KINDS
from stocktake.rubric.model import Rubric

if TYPE_CHECKING:
    from stocktake.chains.model import DeliveryChain
    from stocktake.chains.result import DeliveryChainResult
    from stocktake.judgment.envelope import InputFile, PluginFailure
    from stocktake.judgment.scale import Scale
    from stocktake.likelihood.columnar import TableJudge
    from stocktake.likelihood.judge import JudgingRun, LevelOnly
    from stocktake.likelihood.model import DeliveryAssessment, Priority
    from stocktake.likelihood.result import DeliveryAssessmentResult
    from stocktake.report.model import DeliveryReport
    from stocktake.review.result import CapacityReviewResult

__all__ = ["DetectorEntry", "DocumentSource", "Engine", "RubricEntry", "RuleSetEntry", "StrategyEntry",
           "ValidationOutcome"]


@dataclass(frozen=True)
class ValidationOutcome:
    """The result of validating one file: the document, or the error."""

    path: Path
    document: LoadedDocument | None = None
    error: StocktakeError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class Engine(Catalogue):
    """Stocktake's engine (the parameters are :class:`~stocktake.catalogue.Catalogue`'s)."""

    # -- documents -----------------------------------------------------------------------------

    def rubric_from(self, ref: str) -> Rubric:
        """A rubric named by a file path, ``ID@VERSION`` or ``ID`` (the latest installed)."""
        path = Path(ref)
        if path.is_file() or path.suffix in (".yaml", ".yml", ".json"):
            rubric: Rubric = self.load(path, kinds=("Rubric",)).model
            return rubric
        rubric_id, _, version = ref.partition("@")
        return self.rubric(rubric_id, version or None).rubric

    def load(self, source: DocumentSource | LoadedDocument, *,
             kinds: tuple[str, ...] | None = None, records: bool = False) -> LoadedDocument:
        """Load and validate one document of any kind (or of ``kinds``): a path, or a document
        given in memory as a mapping, bytes or an open file (see :data:`DocumentSource`); an
        already loaded document is returned as it is if its kind is accepted.

        The rubric a review or assessment names is looked up first and handed to validation (see
        :meth:`_context`). ``records``: a JSON chain may come as read-only records, faster (no ``model_dump``).

        :raises DocumentError: located: file (or ``<data>``, ``<text>``), line:column, JSON path,
            expected and found.
        """
        if isinstance(source, LoadedDocument):
            if kinds is not None and source.kind not in kinds:
                wanted = kinds[0] if len(kinds) == 1 else f"one of {', '.join(kinds)}"
                raise DocumentError(f"kind {wanted}", repr(source.kind), path=("kind",), file=source.path)
            return source
        return load_document(source, context=self._context(), kinds=kinds, limits=self.limits, table=KINDS,
                             rubrics=self._resolve_rubric, records=records)

    def validate(self, sources: Iterable[DocumentSource]) -> list[ValidationOutcome]:
        """Validate each document, collecting errors instead of stopping at the first.

        :raises TypeError: ``sources`` is one document (a path, bytes, a mapping), not several:
            give a list.
        """
        if isinstance(sources, (str, bytes, PathLike, Mapping)):
            raise TypeError("validate takes several documents (a list, say), not one: validate([document])")
        outcomes = []
        for source in sources:
            try:
                doc = self.load(source)
                outcomes.append(ValidationOutcome(doc.path, document=doc))
            except DocumentError as err:
                outcomes.append(ValidationOutcome(Path(str(err.file)) if err.file is not None else Path("<data>"),
                                                  error=err))
        return outcomes

    # -- capacity reviews ----------------------------------------------------------------------

    def review(
        self,
        source: DocumentSource | LoadedDocument,
        *,
        strategy: str | None = None,
        baseline: DocumentSource | LoadedDocument | None = None,
    ) -> CapacityReviewResult:
        """Score a ``CapacityReview``: a path, or the document given in memory (see :meth:`load`).

        The strategy is ``strategy``, else the review's ``settings.strategy``, else the rubric's
        ``aggregation``, else the default a plugin declares (built in: ``lower-median``).
        ``baseline`` is an earlier review or its result
        JSON; movement per component is added. A strategy failure is recorded in
        ``result.failures`` (the rest of the result stands).
        """
        doc = self.load(source, kinds=("CapacityReview",))
        result = self.review_document(doc, doc.path, strategy=strategy)
        if baseline is not None:
            result = self.with_baseline(result, baseline)
        return result

    def with_baseline(self, result: CapacityReviewResult,
                      baseline: DocumentSource | LoadedDocument) -> CapacityReviewResult:
        """``result`` with movement per component since ``baseline``, an earlier review (scored
        here with the same strategy) or its result JSON."""
        from stocktake.judgment.envelope import InputFile
        from stocktake.review.baseline import compare_with_baseline

        doc = self.load(baseline, kinds=("CapacityReview", "CapacityReviewResult"))
        base = doc.model if doc.kind == "CapacityReviewResult" else self.review(doc, strategy=result.strategy.id)
        return compare_with_baseline(result, base, InputFile(path=str(doc.path), sha256=doc.sha256), self.scale)

    def review_document(self, doc: LoadedDocument, path: str | Path, *,
                        strategy: str | None = None) -> CapacityReviewResult:
        """Score an already loaded ``CapacityReview`` (see :meth:`review`)."""
        from stocktake.judgment.envelope import InputFile
        from stocktake.review.scoring import ScoringRun, score_review

        review = doc.model
        entry = self.rubric(review.rubric.id, review.rubric.version)
        chosen = strategy or review.settings.strategy or entry.rubric.aggregation or self.default("strategy")
        found, origin = self.strategy(chosen)
        inputs = [InputFile(path=str(path), sha256=doc.sha256), *doc.extra_inputs]
        return score_review(review, ScoringRun(entry.rubric, entry.sha256, found, origin, tuple(inputs)))

    # -- likelihood of delivery ----------------------------------------------------------------

    def judge(
        self,
        source: DocumentSource | LoadedDocument,
        *,
        rules: str | None = None,
        previous: DocumentSource | LoadedDocument | None = None,
        period: str | None = None,
        as_of: str | None = None,
        chains: Iterable[DocumentSource | LoadedDocument] = (),
        severity_rules: str | None = None,
    ) -> DeliveryAssessmentResult:
        """Judge every priority of a ``DeliveryAssessment`` (a path, or the document given in
        memory: see :meth:`load`), or of a JSON Lines batch (a ``.jsonl`` file, or a binary stream
        whose ``name`` ends ``.jsonl``; it needs ``period`` and ``as_of``).

        The rule set is ``rules`` (an id or a RuleSet file), else the assessment's ``rules``, else
        the default a plugin declares (built in: ``likelihood-default``). A batch names no rubric:
        like an assessment that names none, it is judged against the format's default
        (``likelihood-of-delivery`` 1.0.0). ``previous`` is an earlier result (or
        assessment) whose levels count as the previous judgment where a priority states none.
        Each priority's severity is classified by ``severity_rules``, else the assessment's
        ``severity_rules``, else the declared default (built in: ``severity-default``).
        """
        from stocktake.likelihood.batches import batch_source, is_batch

        if is_batch(source):
            from stocktake.likelihood.batches import read_assessment_jsonl
            from stocktake.likelihood.model import DEFAULT_RUBRIC

            rubric = self.rubric(*DEFAULT_RUBRIC).rubric  # a batch names no rubric: the format's default
            context = {**self._context(), "rubric": rubric, "evidence_ids": set()}
            path, stream = batch_source(source)
            model, digest = read_assessment_jsonl(path, context, rubric, period=period, as_of=as_of,
                                                  limits=self.limits, stream=stream)
            doc = LoadedDocument(path=path, kind="DeliveryAssessment", model=model, sha256=digest)
        else:
            if period or as_of:
                raise UsageError("--period and --as-of are for JSON Lines batches; an assessment states its own")
            doc = self.load(source, kinds=("DeliveryAssessment",))
        return self.judge_document(doc, doc.path, rules=rules, previous=previous,
                                   chain_results=[self.chain(c) for c in chains], severity_rules=severity_rules)

    def judge_document(self, doc: LoadedDocument, path: str | Path, *, rules: str | None = None,
                       previous: DocumentSource | LoadedDocument | None = None,
                       chain_results: Iterable[DeliveryChainResult] = (),
                       severity_rules: str | None = None) -> DeliveryAssessmentResult:
        """Judge an already loaded ``DeliveryAssessment`` (see :meth:`judge`); each of
        ``chain_results`` (analysed chains) is evidence for its priority's delivery chain."""
        from stocktake.judgment.envelope import InputFile
        from stocktake.likelihood.judge import judge_assessment

        assessment = doc.model
        rubric = self.rubric(assessment.rubric.id, assessment.rubric.version).rubric
        run = self._judging_run(rules or assessment.rules or self.default("rule-set"), rubric,
                                severity_rules=severity_rules or assessment.severity_rules)
        inputs: list[InputFile] = [InputFile(path=str(path), sha256=doc.sha256)]
        earlier: dict[str, str] = {}
        if previous is not None:
            earlier, prev_doc = self._previous_levels(previous, rules=rules)
            inputs.append(InputFile(path=str(prev_doc.path), sha256=prev_doc.sha256))
        chain_results = list(chain_results)
        chains: dict[str, tuple[str | None, str]] = {}  # each priority's weakest analysed chain
        for chain in chain_results:
            chains[chain.chain["priority"]] = _worse(chains.get(chain.chain["priority"]),
                                                     (chain.judgment.rating, chain.chain["id"]),
                                                     self.scale(chain.judgment.scale))
        for chain in chain_results:
            assessment = self._with_chain(assessment, chain, inputs, chains)
        return judge_assessment(assessment, replace(run, inputs=tuple(inputs), previous=earlier, chains=chains))

    def _judging_run(self, rules: str, rubric: Rubric, previous: Mapping[str, str] | None = None,
                     severity_rules: str | None = None) -> JudgingRun:
        """Everything a judgment is made with (see :func:`stocktake.likelihood.judge.judging_run`);
        the severity rule set is ``severity_rules``, else the declared default."""
        from stocktake.likelihood.judge import judging_run

        return judging_run(self, rules, rubric, previous, severity_rules or self.default("severity-rule-set"))

    def _with_chain(self, doc: DeliveryAssessment, result: DeliveryChainResult, inputs: list[InputFile],
                    weakest: Mapping[str, tuple[str | None, str]]) -> DeliveryAssessment:
        """The assessment with a chain's judgment as evidence for its priority's delivery-chain
        sub-criterion: the criterion's level where the team gave none (the ``weakest`` chain's, where
        a priority has several, so the likelihood and the severity read one level), cited beside
        theirs where they did."""
        from stocktake.judgment.evidence import Evidence
        from stocktake.likelihood.model import CategoryRating, CriterionRating

        priority_id = result.chain["priority"]
        ids = [p.id for p in doc.priorities]
        if priority_id not in ids:
            raise UsageError(f"the chain {result.chain['id']!r} is for priority {priority_id!r}, which the assessment "
                             f"does not have (priorities: {', '.join(ids)})")
        evidence_id = f"chain-{result.chain['id']}"
        level, weakest_id = weakest.get(priority_id, (result.judgment.rating, result.chain["id"]))
        doc = doc.model_copy(deep=True)
        doc.evidence.append(Evidence(id=evidence_id, kind="data",  # analysed now, for this assessment: its date
                                     source=f"Delivery chain analysis of {result.inputs[0].path}",
                                     date=doc.date, summary=result.judgment.because))
        priority = doc.priorities[ids.index(priority_id)]
        capacity = priority.ratings.capacity or CategoryRating()
        if "delivery-chain" in capacity.criteria:
            criterion = capacity.criteria["delivery-chain"]
            criterion.evidence.append(evidence_id)
            if level is not None and criterion.rationale.startswith(_FROM_CHAINS):  # set from an earlier chain
                criterion.level = level
                criterion.rationale = f"{_FROM_CHAINS} {weakest_id}: the weakest of the priority's chains"
        elif capacity.level is not None or level is None:  # a chain with no level only cites
            capacity.evidence.append(evidence_id)
        else:
            capacity.criteria["delivery-chain"] = CriterionRating(
                level=level, rationale=f"{_FROM_CHAINS}: {result.judgment.because}",
                evidence=[evidence_id])
        priority.ratings.capacity = capacity
        inputs.extend(i for i in result.inputs if i not in inputs)
        return doc

    def chain(self, source: DocumentSource | LoadedDocument) -> DeliveryChainResult:
        """Analyse a ``DeliveryChain`` (a path, or the document in memory: see :meth:`load`) with every detector."""
        return self.chain_with_document(source, records=True)[1]

    def chain_with_document(self, source: DocumentSource | LoadedDocument,
                            records: bool = False) -> tuple[DeliveryChain, DeliveryChainResult]:
        """A ``DeliveryChain`` and its analysis (for views that draw the chain); ``records`` as :meth:`load`."""
        doc = self.load(source, kinds=("DeliveryChain",), records=records)
        return doc.model, self.chain_document(doc, doc.path)

    def chain_document(self, doc: LoadedDocument, path: str | Path) -> DeliveryChainResult:
        """Analyse an already loaded ``DeliveryChain`` with every registered detector."""
        from stocktake.chains.judge import analyse_chain
        from stocktake.core.loading import gc_held
        from stocktake.judgment.envelope import InputFile

        inputs = [InputFile(path=str(path), sha256=doc.sha256), *doc.extra_inputs]
        with gc_held():  # bulk graph building
            return analyse_chain(doc.model, self.scale(self.default("chain-scale")), self.detectors(), inputs)

    def report(self, sources: Iterable[DocumentSource | LoadedDocument], *, title: str | None = None,
               rules: str | None = None, strategy: str | None = None,
               severity_rules: str | None = None, history: Mapping[str, Sequence[Any]] | None = None,
               ) -> DeliveryReport:
        """One delivery report joining capacity reviews, assessments and chains (documents or
        their results, as paths or given in memory: see :meth:`load`); see
        :mod:`stocktake.report.build` for how the parts are matched. ``rules`` and ``strategy``
        apply to the documents that are judged here; ``history`` (subject -> earlier judgments,
        e.g. a ledger's entries) gives the report its trends (:mod:`stocktake.report.trends`)."""
        from stocktake.report.build import build_report

        return build_report(self, sources, title=title, rules=rules, strategy=strategy, severity_rules=severity_rules,
                            history=history)

    def judge_stream(self, path: str | Path | IO[bytes], out: IO[str], *, rules: str | None = None,
                     previous: DocumentSource | LoadedDocument | None = None, as_of: str | None = None,
                     period: str | None = None, jobs: int = 1,
                     progress: Callable[[int, int, int], None] | None = None,
                     severity_rules: str | None = None,
                     ) -> tuple[dict[str, int], list[PluginFailure]]:
        """Judge a JSON Lines batch, writing each result as one JSON line to ``out`` in input
        order; memory does not grow with the batch. With ``jobs`` > 1, chunks of lines are judged
        in that many processes (a batch given as a binary stream, named by its ``name``, is judged in
        this one). ``progress(priorities, bytes_read, bytes_total)`` is called as the batch goes.
        Returns (counts per level, failures)."""
        from functools import partial

        from stocktake.likelihood.batches import StreamJob, batch_date, batch_source, judge_batch
        from stocktake.likelihood.judge import stream_run
        from stocktake.likelihood.model import DEFAULT_RUBRIC

        date = batch_date(period, as_of)
        earlier = self._previous_levels(previous, rules=rules)[0] if previous is not None else {}
        how = (rules or self.default("rule-set"), DEFAULT_RUBRIC, earlier,
               severity_rules or self.default("severity-rule-set"))
        # Prepared here, in this process, so a bad rule set is one error before any worker starts.
        run, context = stream_run(lambda: self, *how)
        if jobs > 1 and self._rebuild_args is None:
            raise UsageError("--jobs needs an engine whose plugins are installed (entry points), "
                             "so each process can load them")
        # A worker prepares the same from an engine built again from this one's arguments.
        prepare = (None if self._rebuild_args is None
                   else partial(stream_run, partial(Engine, **self._rebuild_args), *how))
        name, stream = batch_source(path)
        return judge_batch(StreamJob(run, context, date, prepare, self.limits), name, out, jobs=jobs,
                           progress=progress, stream=stream)

    def judge_levels(self, priorities: Iterable[Priority], *, as_of: dt.date,
                     rules: str | None = None) -> list[LevelOnly]:
        """Decide the likelihood of many validated ``Priority`` models at once, without trails
        (see :func:`stocktake.likelihood.judge.decide_levels`); the same decisions as :meth:`judge`."""
        from stocktake.likelihood.judge import decide_levels
        from stocktake.likelihood.model import DEFAULT_RUBRIC

        rubric = self.rubric(DEFAULT_RUBRIC[0]).rubric  # its latest version
        run = self._judging_run(rules or self.default("rule-set"), rubric)
        return decide_levels(list(priorities), as_of, run)

    def table_judge(self, *, as_of: dt.date | str, rules: str | None = None,
                    severity_rules: str | None = None) -> TableJudge:
        """A picklable callable judging tables of priorities on ``as_of``: a pandas DataFrame or an
        Arrow table in, its judgments out as the same type (the rows ``judge --format csv`` gives);
        for Dask, Spark or Ray. See :mod:`stocktake.likelihood.columnar` for the columns."""
        from stocktake.likelihood.columnar import TableJudge

        return TableJudge.of(self, as_of=as_of, rules=rules, severity_rules=severity_rules)

    def derive(self, command: str, options: Mapping[str, str]) -> bytes:
        """The result JSON of ``command`` (review, judge, chain) run with a ledger's recorded
        ``options`` (see :func:`stocktake.ledger.recording.run_record`): what ``ledger replay``
        compares with the stored result."""
        import json

        from stocktake.ledger.recording import result_json

        path = options["path"]
        if command == "review":
            result: object = self.review(path, strategy=options.get("strategy"), baseline=options.get("baseline"))
        elif command == "judge":
            result = self.judge(path, rules=options.get("rules"), previous=options.get("previous"),
                                period=options.get("period"), as_of=options.get("as_of"),
                                chains=json.loads(options.get("chain", "[]")),
                                severity_rules=options.get("severity_rules"))
        elif command == "chain":
            result = self.chain(path)
        else:
            raise UsageError(f"a run of {command!r} cannot be re-derived (review, judge and chain runs can)")
        return result_json(result)

    def _previous_levels(self, previous: DocumentSource | LoadedDocument, *,
                         rules: str | None) -> tuple[dict[str, str], LoadedDocument]:
        doc = self.load(previous, kinds=("DeliveryAssessmentResult", "DeliveryAssessment"))
        result = doc.model if doc.kind == "DeliveryAssessmentResult" else self.judge(doc, rules=rules)
        return {p.id: p.judgment.rating for p in result.priorities if p.judgment.rating}, doc


_FROM_CHAINS = "From the delivery chain analysis"
"""How a delivery-chain rating set from a chain analysis begins (the team's own never does)."""


def _worse(known: tuple[str | None, str] | None, found: tuple[str | None, str],
           scale: Scale) -> tuple[str | None, str]:
    """Of two analysed chains of one priority, (level, chain id), the weaker (no level is weakest:
    missing data is never good); the first on a tie."""
    if known is None:
        return found

    def rank(level: str | None) -> int:
        return scale.rank(level) if level in scale.codes else len(scale.codes)
    return found if rank(found[0]) > rank(known[0]) else known
