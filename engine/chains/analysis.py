"""Delivery chain analysis: shared computations on the chain's graph for the detector plugins.

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
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from stocktake.judgment.scale import Scale

if TYPE_CHECKING:  # the chain models cost ~50 ms to import; every command loads the detectors
    from stocktake.chains.model import DeliveryChain, Link
    from stocktake.core.loading import Prepared

__all__ = ["SOURCE", "ChainFinding", "ChainGraph", "Detector", "prepare_chain"]

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
    """A chain as a graph, with analyses computed once and shared by every detector.

    ``succ`` and ``pred`` map each actor (and :data:`SOURCE`) to its neighbours along links that
    are not absent, with the link's strength (4 for G down to 1 for R on the delivery scale).
    ``graph`` is the same as a networkx ``DiGraph`` (edge attribute ``s``), built on first use for
    detectors that want networkx's algorithms; the built-in analyses do not need it.
    """

    chain: DeliveryChain
    scale: Scale
    links_by_key: dict[str, Link] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from stocktake.chains.model import ABSENT

        self.actors = {a.id: a for a in self.chain.actors}
        self.front_line = [a.id for a in self.chain.actors if a.role == "front-line"]
        self.centres = [a.id for a in self.chain.actors if a.role == "centre"]
        self.strength = {code: len(self.scale.codes) - i for i, code in enumerate(self.scale.codes)}
        top = len(self.scale.codes)
        succ: dict[str, dict[str, int]] = {a: {} for a in self.actors}
        pred: dict[str, dict[str, int]] = {a: {} for a in self.actors}
        succ[SOURCE], pred[SOURCE] = {}, {}
        for c in self.centres:
            succ[SOURCE][c] = pred[c][SOURCE] = top
        strength, links_by_key = self.strength, self.links_by_key
        for link in self.chain.links:
            links_by_key[link.key] = link
            if link.strength != ABSENT:
                succ[link.from_][link.to] = pred[link.to][link.from_] = strength[link.strength]
        self.succ, self.pred = succ, pred

    @cached_property
    def graph(self) -> Any:
        """The chain as a networkx ``DiGraph``: every actor and :data:`SOURCE`, the links that are
        not absent, each with its strength as attribute ``s``."""
        import networkx as nx

        graph = nx.DiGraph()
        graph.add_nodes_from(self.actors)
        graph.add_node(SOURCE)
        graph.add_edges_from((u, v, {"s": s}) for u, out in self.succ.items() for v, s in out.items())
        return graph

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
        succ = self.succ
        for b in range(top, 0, -1):
            stack = buckets[b]
            while stack:
                u = stack.pop()
                if best[u] != b:
                    continue  # settled at a higher strength already
                for v, s in succ[u].items():
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
    def _dominator_tree(self) -> tuple[dict[str, str], list[str]]:
        """(immediate dominator of every reachable node, the reachable nodes in reverse postorder).

        Cooper, Harvey and Kennedy, "A Simple, Fast Dominance Algorithm" (2001), as networkx's
        ``immediate_dominators``, over this graph's own adjacency (several times faster here).
        """
        order = _postorder(self.succ, SOURCE)
        number = {v: i for i, v in enumerate(order)}
        order.reverse()
        idom = {SOURCE: SOURCE}
        pred = self.pred
        changed = True
        while changed:
            changed = False
            for v in order[1:]:
                new = None
                for u in pred[v]:
                    if u not in idom:
                        continue
                    if new is None:
                        new = u
                        continue
                    while u != new:  # the nearest common dominator of u and new
                        while number[u] < number[new]:
                            u = idom[u]
                        while number[new] < number[u]:
                            new = idom[new]
                if idom.get(v) != new:
                    idom[v] = new  # type: ignore[assignment]
                    changed = True
        return idom, order

    @cached_property
    def dominators(self) -> dict[str, str]:
        """Immediate dominator of every reachable actor (the source for those with several routes)."""
        idom, order = self._dominator_tree
        return {v: idom[v] for v in order[1:]}

    @cached_property
    def dependants(self) -> dict[str, int]:
        """For each actor: how many reachable front-line actors every route to which passes it."""
        idom, order = self._dominator_tree
        front = set(self.front_line)
        below = dict.fromkeys(order, 0)  # front-line actors strictly below each node
        for v in reversed(order[1:]):  # a node comes after its dominator in reverse postorder
            d = idom[v]
            below[d] += below[v] + (v in front)
        return {v: n for v in order[1:] if (n := below[v])}

    @cached_property
    def _depth(self) -> dict[str, int]:
        """Each reachable node's depth in the dominator tree (the source is 0)."""
        idom, order = self._dominator_tree
        depth = {SOURCE: 0}
        for v in order[1:]:
            depth[v] = depth[idom[v]] + 1
        return depth

    @cached_property
    def only_way_in(self) -> dict[str, str]:
        """For each reachable actor entered by exactly one link from outside the actors it
        dominates: that link's source. Such a link is on every route to the actor; links back up
        from actors reached through it do not count as another way in."""
        idom, order = self._dominator_tree
        depth = self._depth
        out: dict[str, str] = {}
        for v in order[1:]:
            below = depth[v]
            ways = []
            for u in self.pred[v]:
                level = depth.get(u)
                if level is None or u == SOURCE:
                    continue
                if level > below:  # deeper: is it reached through v?
                    w = u
                    for _ in range(level - below):
                        w = idom[w]
                    if w == v:
                        continue
                ways.append(u)
            if len(ways) == 1:
                out[v] = ways[0]
        return out

    @cached_property
    def hops(self) -> dict[str, int]:
        """Fewest links from a centre to each reachable actor (centres are 0)."""
        dist = dict.fromkeys(self.centres, 0)
        queue = deque(self.centres)
        succ = self.succ
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
        from stocktake.chains.model import ABSENT

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


def _postorder(succ: dict[str, dict[str, int]], root: str) -> list[str]:
    """The nodes reachable from ``root`` in depth-first postorder (without recursion)."""
    seen = {root}
    order: list[str] = []
    stack = [(root, iter(succ[root]))]
    while stack:
        node, rest = stack[-1]
        for v in rest:
            if v not in seen:
                seen.add(v)
                stack.append((v, iter(succ[v])))
                break
        else:
            stack.pop()
            order.append(node)
    return order


# -- CSV actors and links ----------------------------------------------------------------------------

ACTOR_COLUMNS = ("id", "name", "level", "role")
ACTOR_OPTIONAL = ("type", "count", "capacity", "will", "evidence")
LINK_COLUMNS = ("from", "to", "levers", "strength")
LINK_OPTIONAL = ("evidence", "note")
_INT = re.compile(r"-?[0-9]+")


def prepare_chain(data: dict[str, Any], path: Path, limits: Any) -> Prepared:
    """Append the rows of ``actors_file`` and ``links_file`` (CSV beside the document)."""
    from stocktake.core.loading import Prepared
    from stocktake.core.parsing import sha256_of
    from stocktake.core.tables import MergedRows, file_beside, read_table, relocate_any
    from stocktake.judgment.envelope import InputFile

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
    from pydantic import TypeAdapter

    from stocktake._version import __version__
    from stocktake.chains.model import ABSENT
    from stocktake.chains.result import (
        ChainSummary,
        DeliveryChainResult,
        DetectorFinding,
        DetectorUsed,
    )
    from stocktake.judgment.envelope import EngineRef, PluginFailure
    from stocktake.judgment.model import Flag, Input, Judgment, RuleRef

    graph = ChainGraph(chain, scale)
    rows: list[dict[str, Any]] = []
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
        rows.extend({"detector": detector.id, "code": f.code, "level": f.level, "message": f.message,
                     "actors": list(f.actors), "links": list(f.links), "evidence": list(f.evidence),
                     "count": f.count} for f in found)
        worst = max((f.level for f in found), key=scale.rank, default=None)
        trail.append(f"detector {detector.id} {detector.version}: {len(found)} finding(s)"
                     + (f", worst {worst}" if worst else ""))
    # One validation for every finding: a large chain has tens of thousands.
    findings = TypeAdapter(list[DetectorFinding]).validate_python(rows)
    if findings:
        level = max((f.level for f in findings), key=scale.rank)
        deciding = [f for f in findings if f.level == level]
        because = (f"{level}: the chain is as strong as its weakest necessary link; "
                   f"{deciding[0].message}" + (f" (and {len(deciding) - 1} more at {level})" if len(deciding) > 1 else ""))
    else:
        level, deciding = scale.top.code, []
        because = f"{level}: no detector found a weak link."
    best, _ = graph.widest
    strength: dict[str, int] = dict.fromkeys(scale.codes, 0)
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
