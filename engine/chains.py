"""Delivery chain analysis on a networkx DiGraph: shared computations for the detector plugins.

Routes run along links that are not ``absent``, from a virtual source joined to every centre.
Nothing here enumerates paths: the strongest route to each actor is a widest-path (bottleneck)
search with one bucket per strength (strengths are four small integers, so it is O(V + E)); single
points of failure come from the dominator tree; feedback is reverse reachability over links that
carry information.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from engine.loading import Prepared
from engine.models.chain import ABSENT, DeliveryChain, Link
from engine.models.scale import Scale

__all__ = ["ChainGraph", "Detector", "ChainFinding", "SOURCE", "prepare_chain"]

SOURCE = "\x00centre"
"""The virtual source joined to every centre."""


@dataclass(frozen=True)
class ChainFinding:
    """What a detector found: a code, the level it caps the chain at, and what is involved."""

    code: str
    level: str
    """The chain cannot be judged better than this while the finding stands."""
    message: str
    actors: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    count: int = 1
    """How many places the finding covers (front-line actors affected, links, ...)."""


@runtime_checkable
class Detector(Protocol):
    """The contract of a chain detector."""

    id: str
    version: str
    title: str
    description: str

    def detect(self, chain: ChainGraph) -> list[ChainFinding]:
        """Return findings about ``chain`` (levels on the delivery scale)."""
        ...


@dataclass
class ChainGraph:
    """A chain as a graph, with analyses computed once and shared by every detector."""

    chain: DeliveryChain
    scale: Scale
    links_by_key: dict[str, Link] = field(default_factory=dict)

    def __post_init__(self) -> None:
        import networkx as nx

        self.actors = {a.id: a for a in self.chain.actors}
        self.front_line = [a.id for a in self.chain.actors if a.role == "front-line"]
        self.centres = [a.id for a in self.chain.actors if a.role == "centre"]
        self.strength = {code: len(self.scale.codes) - i for i, code in enumerate(self.scale.codes)}
        graph = nx.DiGraph()
        graph.add_nodes_from(self.actors)
        graph.add_node(SOURCE)
        top = len(self.scale.codes)
        graph.add_edges_from((SOURCE, c, {"s": top}) for c in self.centres)
        edges = []
        for link in self.chain.links:
            self.links_by_key[link.key] = link
            if link.strength != ABSENT:
                edges.append((link.from_, link.to, {"s": self.strength[str(link.strength)]}))
        graph.add_edges_from(edges)
        self.graph = graph

    def level_of(self, strength: int) -> str:
        return self.scale.codes[len(self.scale.codes) - strength]

    @cached_property
    def widest(self) -> tuple[dict[str, int], dict[str, tuple[str, str] | None]]:
        """(strength of the strongest route to each reachable actor, the weakest link on it)."""
        top = len(self.scale.codes)
        best: dict[str, int] = {SOURCE: top}
        weakest: dict[str, tuple[str, str] | None] = {SOURCE: None}
        buckets: list[list[str]] = [[] for _ in range(top + 1)]
        buckets[top].append(SOURCE)
        succ = self.graph.succ
        for b in range(top, 0, -1):
            stack = buckets[b]
            while stack:
                u = stack.pop()
                if best[u] != b:
                    continue  # settled at a higher strength already
                for v, data in succ[u].items():
                    s = data["s"]
                    w = b if b < s else s
                    if w > best.get(v, 0):
                        best[v] = w
                        weakest[v] = (u, v) if s < b or weakest[u] is None else weakest[u]
                        if u == SOURCE:
                            weakest[v] = None
                        buckets[w].append(v)
        best.pop(SOURCE)
        weakest.pop(SOURCE)
        return best, weakest

    @cached_property
    def dominators(self) -> dict[str, str]:
        """Immediate dominator of every reachable actor (the source for those with several routes)."""
        import networkx as nx

        idom = nx.immediate_dominators(self.graph, SOURCE)
        return {v: d for v, d in idom.items() if v != SOURCE}

    @cached_property
    def dependants(self) -> dict[str, int]:
        """For each actor: how many reachable front-line actors every route to which passes it."""
        counts: dict[str, int] = {}
        idom = self.dominators
        for f in self.front_line:
            if f not in idom:
                continue
            d = idom[f]
            while d != SOURCE:
                counts[d] = counts.get(d, 0) + 1
                d = idom[d]
        return counts

    @cached_property
    def hops(self) -> dict[str, int]:
        """Fewest links from a centre to each reachable actor (centres are 0)."""
        dist = {c: 0 for c in self.centres}
        queue = deque(self.centres)
        succ = self.graph.succ
        while queue:
            u = queue.popleft()
            for v in succ[u]:
                if v not in dist:
                    dist[v] = dist[u] + 1
                    queue.append(v)
        return dist

    @cached_property
    def feeds_back(self) -> set[str]:
        """Actors from which links carrying information lead (in any number of steps) to a centre."""
        back: dict[str, list[str]] = {}
        for link in self.chain.links:
            if link.strength != ABSENT and "information" in link.levers:
                back.setdefault(link.to, []).append(link.from_)
        seen = set(self.centres)
        queue = deque(self.centres)
        while queue:
            v = queue.popleft()
            for u in back.get(v, ()):
                if u not in seen:
                    seen.add(u)
                    queue.append(u)
        return seen

    def evidence_of(self, actors: list[str] = (), links: list[str] = ()) -> tuple[str, ...]:  # type: ignore[assignment]
        found = {e for a in actors if a in self.actors for e in self.actors[a].evidence}
        found |= {e for k in links if k in self.links_by_key for e in self.links_by_key[k].evidence}
        return tuple(sorted(found))


# -- CSV actors and links ----------------------------------------------------------------------------

ACTOR_COLUMNS = ("id", "name", "level", "role")
ACTOR_OPTIONAL = ("type", "count", "capacity", "will", "evidence")
LINK_COLUMNS = ("from", "to", "levers", "strength")
LINK_OPTIONAL = ("evidence", "note")
_INT = re.compile(r"-?[0-9]+")


def prepare_chain(data: dict[str, Any], path: Path, limits: Any) -> Prepared:
    """Append the rows of ``actors_file`` and ``links_file`` (CSV beside the document)."""
    from engine.models.results import InputFile
    from engine.parsing import sha256_of
    from engine.tables import MergedRows, file_beside, read_table, relocate_any

    inputs = []
    merged: list[MergedRows] = []
    for field_name, key, required, optional in (("actors_file", "actors", ACTOR_COLUMNS, ACTOR_OPTIONAL),
                                                ("links_file", "links", LINK_COLUMNS, LINK_OPTIONAL)):
        ref = data.get(field_name)
        if not isinstance(ref, str):
            continue
        table = read_table(file_beside(path, ref, field_name), required=required, optional=optional, limits=limits)
        existing = data.get(key)
        rows = list(existing) if isinstance(existing, list) else []
        rows_from = MergedRows(key, table, len(rows), [])
        for number, row in table.rows:
            item: dict[str, Any] = {}
            for name, value in row.items():
                if value == "":
                    continue
                if name in ("level", "count") and _INT.fullmatch(value):
                    item[name] = int(value)
                elif name in ("evidence", "levers"):
                    item[name] = [v for v in re.split(r"[;,\s]+", value) if v]
                else:
                    item[name] = value
            rows.append(item)
            rows_from.lines.append(number)
        data[key] = rows
        merged.append(rows_from)
        inputs.append(InputFile(path=str(table.path), sha256=sha256_of(table.path)))
    return Prepared(inputs=inputs, relocate=relocate_any(merged))


def analyse_chain(chain: DeliveryChain, scale: Scale, detectors: list[tuple[Any, Any]],
                  inputs: list[Any]) -> Any:
    """Run every detector on ``chain``; judge it by its weakest necessary link (the lowest cap)."""
    from engine._version import __version__
    from engine.models.judgment import Flag, Input, Judgment, RuleRef
    from engine.models.results import (
        ChainSummary,
        DeliveryChainResult,
        DetectorFinding,
        DetectorUsed,
        EngineRef,
        PluginFailure,
    )

    graph = ChainGraph(chain, scale)
    findings: list[DetectorFinding] = []
    failures: list[PluginFailure] = []
    used = []
    trail = [f"{len(chain.actors)} actors, {len(chain.links)} links, {len(graph.front_line)} front-line, "
             f"centre(s): {', '.join(graph.centres)}"]
    for detector, origin in detectors:
        used.append(DetectorUsed(plugin=origin.plugin or "stocktake", id=detector.id,
                                 version=str(detector.version), title=detector.title))
        try:
            found = detector.detect(graph)
            if not isinstance(found, list) or not all(isinstance(f, ChainFinding) for f in found):
                raise TypeError(f"returned {type(found).__name__}, not a list of ChainFinding")
            for f in found:
                if f.level not in scale.codes:
                    raise ValueError(f"returned level {f.level!r}, not one of {scale.describe_codes()}")
        except Exception as err:  # a plugin's bug must not abort the analysis
            failures.append(PluginFailure(plugin=origin.plugin or "stocktake", distribution=origin.distribution,
                                          version=origin.version, where=f"detector {detector.id!r}",
                                          message=f"{type(err).__name__}: {err}"))
            trail.append(f"detector {detector.id} failed: {type(err).__name__}: {err}")
            continue
        for f in found:
            findings.append(DetectorFinding(detector=detector.id, code=f.code, level=f.level, message=f.message,
                                    actors=list(f.actors), links=list(f.links), evidence=list(f.evidence),
                                    count=f.count))
        worst = max((f.level for f in found), key=scale.rank, default=None)
        trail.append(f"detector {detector.id} {detector.version}: {len(found)} finding(s)"
                     + (f", worst {worst}" if worst else ""))
    caps = [f for f in findings]
    if caps:
        level = max((f.level for f in caps), key=scale.rank)
        deciding = [f for f in caps if f.level == level]
        because = (f"{level}: the chain is as strong as its weakest necessary link; "
                   f"{deciding[0].message}" + (f" (and {len(deciding) - 1} more at {level})" if len(deciding) > 1 else ""))
    else:
        level, deciding = scale.top.code, []
        because = f"{level}: no detector found a weak link."
    best, _ = graph.widest
    strength: dict[str, int] = {code: 0 for code in scale.codes}
    strength["unreachable"] = 0
    for f in graph.front_line:
        strength[graph.level_of(best[f]) if f in best else "unreachable"] += 1
    codes: dict[str, int] = {}
    for f in findings:
        codes[f.code] = codes.get(f.code, 0) + 1
    evidence_ids = sorted({e for f in deciding for e in f.evidence})
    judgment = Judgment(
        subject=f"chain:{chain.id}", title=chain.title, scale=scale.id,
        state="rated" if not failures else "partial", rating=level, computed=level,
        rule=RuleRef(plugin="stocktake", id="weakest-necessary-link", version=__version__),
        decided_by=sorted({f"{f.detector}/{f.code}" for f in deciding}), because=because,
        inputs=[Input(name=f"{f.detector}/{f.code}", value=f.level, role="finding", evidence=f.evidence,
                      note=f.message) for f in deciding][:50],
        evidence=evidence_ids,
        flags=[Flag(code="detector-failed", message=f"{x.where} failed: {x.message}") for x in failures],
        trail=trail,
    )
    cited = {e for f in findings for e in f.evidence}
    return DeliveryChainResult(
        kind="DeliveryChainResult", schema_version=1, engine=EngineRef(name="stocktake", version=__version__),
        inputs=inputs, chain={"id": chain.id, "priority": chain.priority, "title": chain.title},
        detectors=used, judgment=judgment, findings=findings,
        evidence={e.id: e for e in chain.evidence if e.id in cited},
        summary=ChainSummary(actors=len(chain.actors), links=len(chain.links),
                             absent_links=sum(1 for link in chain.links if link.strength == ABSENT),
                             front_line=len(graph.front_line), reachable_front_line=sum(1 for f in graph.front_line if f in best),
                             route_strength=strength, findings=dict(sorted(codes.items()))),
        failures=failures,
    )
