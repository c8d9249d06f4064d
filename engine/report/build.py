"""Joining reviews, assessments and chains (documents or their results) into one delivery report.

How the inputs are joined, so a report says the same whatever order its files are given in:

- **Capacity reviews** are grouped by system and ordered by date. The latest of each system is
  reported; the review before it is its baseline (movement per component). A result that already
  has a baseline keeps it.
- **Assessments** are ordered by date. The latest is reported; the one before it supplies the
  previous judgments where a priority states none.
- A finished **report** (its JSON) given alone is rendered again as it is.
- **Chains** are analysed (or their results taken as given). A chain document whose priority is
  in a reported assessment *document* is evidence for that priority's delivery-chain
  sub-criterion, exactly as ``stocktake judge --chain``.

Two inputs that cannot both be current (two reviews of one system on one date, two assessments of
one date, two chains with one id) are a usage error naming both files.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from stocktake.chains.result import MAX_DRAWN
from stocktake.core.errors import UsageError
from stocktake.judgment.envelope import InputFile
from stocktake.report.model import (
    ChainDrawing,
    DeliveryReport,
    DrawnActor,
    DrawnLink,
    PrioritySummary,
    ReportChain,
    ReportSummary,
    ReviewSummaryRow,
)
from stocktake.report.trends import History, build_trends

if TYPE_CHECKING:
    from stocktake.chains.result import DeliveryChainResult
    from stocktake.core.loading import LoadedDocument
    from stocktake.judgment.scale import Scale
    from stocktake.likelihood.result import DeliveryAssessmentResult
    from stocktake.review.result import CapacityReviewResult


class Engine(Protocol):
    """What building a report needs from the engine (:class:`stocktake.Engine` provides it)."""

    def load(self, source: Any, *, kinds: tuple[str, ...] | None = None) -> LoadedDocument: ...

    def chain_document(self, doc: LoadedDocument, path: str | Path) -> DeliveryChainResult: ...

    def judge_document(self, doc: LoadedDocument, path: str | Path, *, rules: str | None = None,
                       previous: LoadedDocument | None = None,
                       chain_results: Sequence[DeliveryChainResult] = (),
                       severity_rules: str | None = None) -> DeliveryAssessmentResult: ...

    def review_document(self, doc: LoadedDocument, path: str | Path, *,
                        strategy: str | None = None) -> CapacityReviewResult: ...

    def with_baseline(self, result: CapacityReviewResult, baseline: LoadedDocument) -> CapacityReviewResult: ...

    def scales(self) -> dict[str, Scale]: ...

__all__ = ["REPORT_KINDS", "build_report"]

REPORT_KINDS = ("CapacityReview", "CapacityReviewResult", "DeliveryAssessment", "DeliveryAssessmentResult",
                "DeliveryChain", "DeliveryChainResult")


@dataclass(frozen=True)
class _Part:
    path: Path
    doc: LoadedDocument

    @property
    def date(self) -> dt.date:
        return self.doc.model.date  # type: ignore[no-any-return]


def build_report(engine: Engine, sources: Iterable[Any], *, title: str | None = None,
                 rules: str | None = None, strategy: str | None = None,
                 severity_rules: str | None = None, history: History | None = None) -> DeliveryReport:
    """The delivery report of ``sources``, paths or documents given in memory (see the module
    docstring for how they are joined). With ``history`` (subject -> its earlier judgments, as
    :mod:`stocktake.report.trends` reads them; what a ledger holds), the report has a trend for
    each priority and component; without it, none: two points, previous and current, would only
    repeat the movement the summary and the heatmap already show."""
    from stocktake._version import __version__
    from stocktake.judgment.envelope import EngineRef

    parts: dict[str, list[_Part]] = {kind: [] for kind in (*REPORT_KINDS, "DeliveryReport")}
    inputs: list[InputFile] = []
    seen: dict[Path | str, str] = {}
    for source in sources:
        if isinstance(source, (str, os.PathLike)):  # a file given twice, however it is named
            key: Path | str = Path(source).resolve()
            if key in seen:
                raise UsageError(f"{str(source)!r} is given twice (also as {seen[key]!r})")
        doc = engine.load(source, kinds=(*REPORT_KINDS, "DeliveryReport"))
        if not isinstance(source, (str, os.PathLike)):  # in memory: the same content twice
            key = f"{doc.path}:{doc.sha256}"
            if key in seen:
                raise UsageError(f"a document given in memory ({doc.kind}) is given twice")
        seen[key] = str(doc.path)
        parts[doc.kind].append(_Part(doc.path, doc))
        inputs += [InputFile(path=str(doc.path), sha256=doc.sha256), *doc.extra_inputs]
    if not seen:
        raise UsageError("give at least one review, assessment or chain (document or result)")
    if parts["DeliveryReport"]:
        if len(seen) > 1:
            raise UsageError(f"{str(parts['DeliveryReport'][0].path)!r} is a finished report: give it alone "
                             "(to render it again) or give the documents it was built from")
        report: DeliveryReport = parts["DeliveryReport"][0].doc.model
        return report.model_copy(update={"title": title}) if title else report

    chains = _chains(engine, parts["DeliveryChain"], parts["DeliveryChainResult"])
    assessment = _assessment(engine, parts["DeliveryAssessment"] + parts["DeliveryAssessmentResult"],
                             chains, rules, severity_rules)
    reviews = _reviews(engine, parts["CapacityReview"] + parts["CapacityReviewResult"], strategy)
    order = {p.id: i for i, p in enumerate(assessment.priorities)} if assessment else {}
    chains.sort(key=lambda c: (order.get(c.result.chain["priority"], len(order)), c.result.chain["id"]))
    dates = [r.date for r in reviews] + ([assessment.date] if assessment else [])
    return DeliveryReport(
        kind="DeliveryReport", schema_version=1,
        engine=EngineRef(name="stocktake", version=__version__),
        title=title or _default_title(assessment, reviews, chains),
        date=max(dates) if dates else None,
        inputs=[i for _, i in sorted({(i.path, i.sha256): i for i in inputs}.items())],
        summary=_summary(assessment, reviews, chains),
        assessment=assessment, reviews=reviews, chains=chains,
        trends=build_trends(history, assessment, reviews, engine.scales()) if history is not None else [],
    )


def _chains(engine: Engine, documents: list[_Part], results: list[_Part]) -> list[ReportChain]:
    found: dict[str, tuple[Path, ReportChain]] = {}
    analysed = []
    for part in documents:
        chain = part.doc.model
        result = engine.chain_document(part.doc, part.path)
        drawing = None
        if len(chain.actors) <= MAX_DRAWN:
            drawing = ChainDrawing(
                actors=[DrawnActor(id=a.id, name=a.name, level=a.level, role=a.role, count=a.count)
                        for a in chain.actors],
                links=[DrawnLink.model_validate({"from": k.from_, "to": k.to, "levers": list(k.levers),
                                                 "strength": str(k.strength)}) for k in chain.links])
        analysed.append((part.path, ReportChain(result=result, drawing=drawing)))
    analysed += [(part.path, ReportChain(result=part.doc.model)) for part in results]
    for path, chain in analysed:
        chain_id = chain.result.chain["id"]
        if chain_id in found:
            raise UsageError(f"two chains have the id {chain_id!r}: {str(found[chain_id][0])!r} and {str(path)!r}")
        found[chain_id] = (path, chain)
    return [chain for _, chain in found.values()]


def _latest(parts: list[_Part], what: str, key: Any) -> tuple[_Part | None, _Part | None]:
    """The latest part and the one before it; two parts with the same key and date are an error."""
    ordered = sorted(parts, key=lambda p: (p.date, str(p.path)))
    for a, b in itertools.pairwise(ordered):
        if a.date == b.date:
            raise UsageError(f"two {what} of {key} are dated {a.date}: {str(a.path)!r} and {str(b.path)!r}; "
                             "give the one to report (and the earlier one to compare with)")
    if not ordered:
        return None, None
    return ordered[-1], (ordered[-2] if len(ordered) > 1 else None)


def _assessment(engine: Engine, parts: list[_Part], chains: list[ReportChain],
                rules: str | None, severity_rules: str | None) -> DeliveryAssessmentResult | None:
    current, earlier = _latest(parts, "assessments", "the report")
    if current is None:
        return None
    previous = earlier.doc if earlier else None
    if current.doc.kind == "DeliveryAssessmentResult":
        if rules is not None or severity_rules is not None:
            option = "--rules" if rules is not None else "--severity-rules"
            raise UsageError(f"{option} applies to assessments; {str(current.path)!r} is already judged")
        return current.doc.model  # type: ignore[no-any-return]
    order = {p.id: i for i, p in enumerate(current.doc.model.priorities)}
    evidence = sorted((c.result for c in chains if c.result.chain["priority"] in order),
                      key=lambda r: (order[r.chain["priority"]], r.chain["id"]))
    return engine.judge_document(current.doc, current.path, rules=rules, previous=previous,
                                 chain_results=evidence, severity_rules=severity_rules)


def _reviews(engine: Engine, parts: list[_Part], strategy: str | None) -> list[CapacityReviewResult]:
    systems: dict[str, list[_Part]] = {}
    for part in parts:
        systems.setdefault(part.doc.model.system, []).append(part)
    out = []
    for system in sorted(systems):
        current, earlier = _latest(systems[system], "capacity reviews", repr(system))
        assert current is not None
        if current.doc.kind == "CapacityReview":
            result = engine.review_document(current.doc, current.path, strategy=strategy)
        else:
            result = current.doc.model
        if earlier is not None and result.baseline is None:
            result = engine.with_baseline(result, earlier.doc)
        out.append(result)
    return out


def _default_title(assessment: Any, reviews: list[Any], chains: list[ReportChain]) -> str:
    if assessment is not None and assessment.title:
        return f"{assessment.title}: delivery report {assessment.period}"
    if assessment is not None:
        return f"Delivery report {assessment.period}"
    if reviews:
        return f"{reviews[0].system}: capacity review {reviews[0].date}"
    return "Delivery chains: " + ", ".join(c.result.chain["title"] for c in chains)


def _summary(assessment: Any, reviews: list[Any], chains: list[ReportChain]) -> ReportSummary:
    by_priority = {c.result.chain["priority"]: c.result for c in chains}
    rows = []
    if assessment is not None:
        latest = {p.id: p.trajectory.latest for p in assessment.priorities}
        for row in assessment.league:
            chain = by_priority.get(row.id)
            rows.append(PrioritySummary(
                id=row.id, title=row.title, owner=row.owner, rating=row.rating, agreed=row.agreed,
                previous=row.previous, movement=row.movement, distance_to_target=row.distance_to_target,
                unit=row.unit, latest=latest[row.id], chain=chain.chain["id"] if chain else None,
                chain_rating=chain.judgment.rating if chain else None, severity=row.severity))
    covered = {p.id for p in assessment.priorities} if assessment is not None else set()
    review_rows = []
    for r in reviews:
        declined = [m.title for m in r.movement or [] if m.movement == "declined"]
        titles = {j.subject.id: j.title for j in r.judgments if j.subject.kind == "component"}
        review_rows.append(ReviewSummaryRow(
            system=r.system, date=r.date, baseline_date=r.baseline.date if r.baseline else None,
            counts=r.summary.counts, movement=r.summary.movement, weakest=[titles.get(w, w) for w in r.summary.weakest],
            declined=declined))
    return ReportSummary(priorities=rows, reviews=review_rows,
                         chains_without_priority=[c.result.chain["id"] for c in chains
                                                  if c.result.chain["priority"] not in covered])
