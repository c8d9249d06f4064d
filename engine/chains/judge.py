"""Judging a delivery chain: every detector plugin runs on the shared graph; the chain is as
strong as its weakest necessary link, so its level is the lowest any finding caps it at."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from stocktake.chains.analysis import ChainFinding, ChainGraph
from stocktake.chains.result import ChainSummary, DetectorFinding, DetectorUsed
from stocktake.core.boundary import PASS_THROUGH, describe, shown
from stocktake.judgment.envelope import PluginFailure
from stocktake.judgment.model import Flag, Input, Judgment, RuleRef, Subject
from stocktake.judgment.scale import Scale

if TYPE_CHECKING:
    from stocktake.chains.model import DeliveryChain
    from stocktake.chains.result import DeliveryChainResult

__all__ = ["analyse_chain"]

_BATCH = 4096
"""Findings validated at a time (each already checked): one validation per batch, not per finding
(a large chain has tens of thousands), without holding every finding's plain data at once."""
_OURS = "stocktake.plugins.chain_detectors"
"""The module of the detectors that read the chain's records as struct mirrors too (see
:mod:`stocktake.chains.structs`)."""


def analyse_chain(chain: DeliveryChain, scale: Scale, detectors: Sequence[tuple[Any, Any]],
                  inputs: list[Any]) -> DeliveryChainResult:
    """Run every detector on ``chain``; judge it by its weakest necessary link (the lowest cap).

    A detector that crashes or returns something else than findings on ``scale`` is recorded as
    a plugin failure (the chain is then judged ``partial`` on what the others found)."""
    from stocktake._version import __version__
    from stocktake.chains.result import DeliveryChainResult
    from stocktake.judgment.envelope import EngineRef

    if any(type(detector).__module__ != _OURS for detector, _ in detectors):
        from stocktake.chains.model import as_models

        chain = as_models(chain)  # another plugin's detector gets the pydantic records, as ever
    graph = ChainGraph(chain, scale)
    trail = [f"{len(chain.actors)} actors, {len(chain.links)} links, {len(graph.front_line)} front-line, "
             f"centre(s): {', '.join(graph.centres)}"]
    run = _run_detectors(graph, scale, detectors, trail)
    cited = {e for f in run.findings for e in f.evidence}
    return DeliveryChainResult(
        kind="DeliveryChainResult", schema_version=1, engine=EngineRef(name="stocktake", version=__version__),
        inputs=inputs, chain={"id": chain.id, "priority": chain.priority, "title": chain.title},
        detectors=run.used, judgment=_judgment(chain, scale, run, trail), findings=run.findings,
        evidence={e.id: e for e in chain.evidence if e.id in cited},
        summary=_summary(chain, graph, run.findings), failures=run.failures,
    )


@dataclass
class _DetectorRun:
    used: list[DetectorUsed]
    findings: list[DetectorFinding]
    failures: list[PluginFailure]


def _run_detectors(graph: ChainGraph, scale: Scale, detectors: Sequence[tuple[Any, Any]],
                   trail: list[str]) -> _DetectorRun:
    """Every detector's findings, failures as plugin failures; a line per detector on ``trail``.

    What a detector returns is checked here, finding by finding, before any of it is kept; every
    exception it raises but Ctrl-C (``SystemExit`` included) is its failure alone."""
    from pydantic import TypeAdapter

    validate = TypeAdapter(list[DetectorFinding]).validate_python
    findings: list[DetectorFinding] = []
    failures: list[PluginFailure] = []
    used = []
    for detector, origin in detectors:
        used.append(DetectorUsed(plugin=origin.plugin or "stocktake", id=detector.id,
                                 version=str(detector.version), title=detector.title))
        try:
            found = detector.detect(graph)
            problem = _findings_problem(found, scale)
        except PASS_THROUGH:
            raise
        except BaseException as err:  # a plugin's bug (or exit) must not abort the analysis
            problem = describe(err)
        if problem is not None:
            failure = PluginFailure.of(origin, f"detector {detector.id!r}", problem)
            failures.append(failure)
            trail.append(f"detector {detector.id} failed: {failure.message}")
            continue
        for at in range(0, len(found), _BATCH):  # tuples are made lists by the validation
            findings += validate([{"detector": detector.id, "code": f.code, "level": f.level, "message": f.message,
                                   "actors": f.actors, "links": f.links, "evidence": f.evidence, "count": f.count,
                                   "caps": f.caps} for f in found[at:at + _BATCH]])
        worst = max((f.level for f in found if f.caps), key=scale.rank, default=None)
        noted = sum(1 for f in found if not f.caps)
        trail.append(f"detector {detector.id} {detector.version}: {len(found)} finding(s)"
                     + (f", worst cap {worst}" if worst else "")
                     + (f", {noted} noted without capping" if noted else ""))
    return _DetectorRun(used, findings, failures)


def _findings_problem(found: Any, scale: Scale) -> str | None:
    """Why what a detector returned is not a list of well-formed findings on ``scale``, or None."""
    if not isinstance(found, list):
        return f"returned {type(found).__name__}, not a list of ChainFinding"
    codes = frozenset(scale.codes)  # looked up per finding; a level is text by then
    if _well_formed(found, codes):
        return None
    for i, f in enumerate(found):
        if not isinstance(f, ChainFinding):
            return f"returned {type(f).__name__} as finding {i}, not a ChainFinding"
        for name in ("code", "level", "message"):
            if not isinstance(getattr(f, name), str):
                return f"returned finding {i} whose {name} is {shown(getattr(f, name))}, not text"
        if f.level not in codes:
            return f"returned level {shown(f.level)}, not one of {scale.describe_codes()}"
        for name in ("actors", "links", "evidence"):
            value = getattr(f, name)
            if not isinstance(value, (tuple, list)) or not all(isinstance(x, str) for x in value):
                return f"returned finding {i} whose {name} is {shown(value)}, not a tuple of texts"
        if type(f.count) is not int or f.count < 0:  # an int: not a bool, not text
            return f"returned finding {i} whose count is {shown(f.count)}, not a whole number"
        if not isinstance(f.caps, bool):
            return f"returned finding {i} whose caps is {shown(f.caps)}, not true or false"
    return None


def _well_formed(found: list[Any], codes: frozenset[str]) -> bool:
    """A quick pass of :func:`_findings_problem`'s checks that accepts only what they accept: exact
    types (a subclass, a list or anything unusual is left to the checks), texts by ``str.join``,
    which refuses anything but text."""
    try:
        for f in found:
            if (type(f) is not ChainFinding or type(f.code) is not str or type(f.level) is not str
                    or type(f.message) is not str or f.level not in codes or type(f.actors) is not tuple
                    or type(f.links) is not tuple or type(f.evidence) is not tuple
                    or type(f.count) is not int or f.count < 0 or type(f.caps) is not bool):
                return False
            "".join((*f.actors, *f.links, *f.evidence))
    except TypeError:
        return False
    return True


def _judgment(chain: DeliveryChain, scale: Scale, run: _DetectorRun, trail: list[str]) -> Judgment:
    """The chain's judgment: the lowest level any capping finding caps it at, decided by those
    findings (findings that do not cap are reported beside it)."""
    from stocktake._version import __version__

    findings = [f for f in run.findings if f.caps]
    if findings:
        level = max((f.level for f in findings), key=scale.rank)
        deciding = [f for f in findings if f.level == level]
        more = f" (and {len(deciding) - 1} more at {level})" if len(deciding) > 1 else ""
        because = f"{level}: the chain is as strong as its weakest necessary link; {deciding[0].message}{more}"
    else:
        level, deciding = scale.top.code, []
        because = f"{level}: no finding caps the chain."
    return Judgment(
        subject=Subject.of("chain", chain.id), title=chain.title, scale=scale.id,
        state="rated" if not run.failures else "partial", rating=level, computed=level,
        rule=RuleRef(plugin="stocktake", id="weakest-necessary-link", version=__version__),
        decided_by=sorted({f"{f.detector}/{f.code}" for f in deciding}), because=because,
        inputs=[Input(name=f"{f.detector}/{f.code}", value=f.level, role="finding", evidence=f.evidence,
                      note=f.message) for f in deciding[:50]],
        evidence=sorted({e for f in deciding for e in f.evidence}),
        flags=[Flag(code="detector-failed", message=f"{x.where} failed: {x.message}") for x in run.failures],
        trail=trail,
    )


def _summary(chain: DeliveryChain, graph: ChainGraph, findings: list[DetectorFinding]) -> ChainSummary:
    """Counts: actors, links, absent links, front line reached, front line per route strength,
    findings per code."""
    best, codes = graph.route_strengths, graph.scale.codes
    reached = [0] * (len(codes) + 1)  # front-line actors by the strength of their strongest route, 0 if none
    for f in map(graph.index.__getitem__, graph.front_line):
        reached[best[f]] += 1
    strength: dict[str, int] = {code: reached[len(codes) - i] for i, code in enumerate(codes)}  # as level_of
    strength["unreachable"] = reached[0]
    found: dict[str, int] = {}
    for finding in findings:
        found[finding.code] = found.get(finding.code, 0) + 1
    return ChainSummary(actors=len(chain.actors), links=len(chain.links),
                        absent_links=graph.link_nodes[2].count(0),  # an absent link's strength is 0
                        front_line=len(graph.front_line), reachable_front_line=len(graph.front_line) - reached[0],
                        route_strength=strength, findings=dict(sorted(found.items())),
                        beneficiaries=chain.settings.beneficiaries)
