"""Delivery chain analysis: shared computations on the chain's graph for the detector plugins.

Routes run along links that are not ``absent``, from a virtual source joined to every centre.
Nothing here enumerates paths: the strongest route to each actor is a widest-path (bottleneck)
search with one bucket per strength (strengths are four small integers, so it is O(V + E)); single
points of failure come from the dominator tree; feedback is the same widest-path search backwards
over links that carry information.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NoReturn, Protocol, runtime_checkable

from stocktake.judgment.scale import Scale

if TYPE_CHECKING:  # the chain models cost ~50 ms to import; every command loads the detectors
    from stocktake.chains.model import DeliveryChain, Link

__all__ = ["SOURCE", "ChainFinding", "ChainGraph", "Detector"]

SOURCE = "\x00centre"
"""The virtual source joined to every centre."""


@dataclass(frozen=True)
class ChainFinding:
    """What a detector found: a code, the level it caps the chain at (unless ``caps`` is false),
    and what is involved."""

    code: str
    level: str
    """The chain cannot be judged better than this while the finding stands."""
    message: str
    actors: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    count: int = 1
    """How many places the finding covers (front-line actors affected, links, ...)."""
    caps: bool = True
    """Whether the finding caps the chain's judgment at ``level``; one that does not is reported
    beside the judgment (``level`` is then how serious it is) and does not change it."""


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


class ChainGraph:
    """A chain as a graph, with analyses computed once and shared by every detector.

    ``succ`` and ``pred`` map each actor (and :data:`SOURCE`) to its neighbours along links that
    are not absent, with the link's strength (4 for G down to 1 for R on the delivery scale).
    ``graph`` is the same as a networkx ``DiGraph`` (edge attribute ``s``), built on first use for
    detectors that want networkx's algorithms; the built-in analyses do not need it.

    ``ends`` are the actors routes are judged to reach: the front line, and the beneficiaries when
    the chain's ``settings.beneficiaries`` is ``judged``; ``outside`` are the actors outside the
    judgment (the beneficiaries when they are only drawn). With no beneficiary judged, ``ends`` is
    ``front_line``.

    Every detector sees the same graph, so it is read-only: attributes cannot be set or deleted,
    mappings are read-only views, sequences are tuples, sets are frozen, ``graph`` is a frozen
    networkx graph, and ``chain`` is the document with its actors, links and evidence as tuples.
    The records inside (each actor, link and evidence item, the scale) are the document's and the
    engine's: a detector must not change them.
    """

    def __init__(self, chain: DeliveryChain, scale: Scale) -> None:
        from stocktake.chains.model import ABSENT

        self.chain = chain.model_copy(update={"actors": tuple(chain.actors), "links": tuple(chain.links),
                                              "evidence": tuple(chain.evidence)})
        self.scale = scale
        self.actors: Mapping[str, Any] = MappingProxyType({a.id: a for a in chain.actors})
        self.front_line = tuple(a.id for a in chain.actors if a.role == "front-line")
        self.centres = tuple(a.id for a in chain.actors if a.role == "centre")
        judged = chain.settings.beneficiaries == "judged"
        beneficiaries = tuple(a.id for a in chain.actors if a.role == "beneficiary")
        self.ends = tuple(a.id for a in chain.actors if a.role == "front-line"
                          or (judged and a.role == "beneficiary"))
        self.outside: frozenset[str] = frozenset(() if judged else beneficiaries)
        strength = {code: len(scale.codes) - i for i, code in enumerate(scale.codes)}
        self.strength: Mapping[str, int] = MappingProxyType(strength)
        top = len(scale.codes)
        succ: dict[str, dict[str, int]] = {a: {} for a in self.actors}
        pred: dict[str, dict[str, int]] = {a: {} for a in self.actors}
        succ[SOURCE], pred[SOURCE] = {}, {}
        for c in self.centres:
            succ[SOURCE][c] = pred[c][SOURCE] = top
        links_by_key: dict[str, Link] = {}
        for link in chain.links:
            links_by_key[link.key] = link
            if link.strength != ABSENT:
                succ[link.from_][link.to] = pred[link.to][link.from_] = strength[link.strength]
        self.links_by_key: Mapping[str, Link] = MappingProxyType(links_by_key)
        self._succ, self._pred = succ, pred
        self._sealed = True

    def __setattr__(self, name: str, value: Any) -> None:
        if getattr(self, "_sealed", False):
            raise AttributeError(f"the chain graph is shared by every detector and read-only (set {name!r})")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"the chain graph is shared by every detector and read-only (delete {name!r})")

    @cached_property
    def succ(self) -> Mapping[str, Mapping[str, int]]:
        """Each node's successors along links that are not absent, with the link's strength."""
        return MappingProxyType({u: MappingProxyType(out) for u, out in self._succ.items()})

    @cached_property
    def pred(self) -> Mapping[str, Mapping[str, int]]:
        """Each node's predecessors along links that are not absent, with the link's strength."""
        return MappingProxyType({v: MappingProxyType(into) for v, into in self._pred.items()})

    @cached_property
    def graph(self) -> Any:
        """The chain as a networkx ``DiGraph``: every actor and :data:`SOURCE`, the links that are
        not absent, each with its strength as attribute ``s``."""
        import networkx as nx

        graph = nx.DiGraph()
        graph.add_nodes_from(self.actors)
        graph.add_node(SOURCE)
        graph.add_edges_from((u, v, {"s": s}) for u, out in self._succ.items() for v, s in out.items())
        return nx.freeze(graph)

    def level_of(self, strength: int) -> str:
        return self.scale.codes[len(self.scale.codes) - strength]

    @cached_property
    def widest(self) -> tuple[Mapping[str, int], Mapping[str, tuple[str, str] | None]]:
        """(strength of the strongest route to each reachable actor, the weakest link on it)."""
        top = len(self.scale.codes)
        best: dict[str, int] = {SOURCE: top}
        weakest: dict[str, tuple[str, str] | None] = {SOURCE: None}
        buckets: list[list[str]] = [[] for _ in range(top + 1)]
        buckets[top].append(SOURCE)
        succ = self._succ
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
        return MappingProxyType(best), MappingProxyType(weakest)

    @cached_property
    def _dominator_tree(self) -> tuple[Mapping[str, str], tuple[str, ...]]:
        """(immediate dominator of every reachable node, the reachable nodes in reverse postorder).

        Cooper, Harvey and Kennedy, "A Simple, Fast Dominance Algorithm" (2001), as networkx's
        ``immediate_dominators``, over this graph's own adjacency (several times faster here).
        """
        order = _postorder(self._succ, SOURCE)
        number = {v: i for i, v in enumerate(order)}
        order.reverse()
        idom = {SOURCE: SOURCE}
        pred = self._pred
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
        return MappingProxyType(idom), tuple(order)

    @cached_property
    def dominators(self) -> Mapping[str, str]:
        """Immediate dominator of every reachable actor (the source for those with several routes)."""
        idom, order = self._dominator_tree
        return MappingProxyType({v: idom[v] for v in order[1:]})

    @cached_property
    def dependants(self) -> Mapping[str, int]:
        """For each actor: how many reachable ends (front-line actors; see ``ends``) every route to
        which passes it."""
        return self._below[0]

    @cached_property
    def dependant_units(self) -> Mapping[str, int]:
        """For each actor in ``dependants``: the units (sum of ``count``) of those ends."""
        return self._below[1]

    @cached_property
    def _below(self) -> tuple[Mapping[str, int], Mapping[str, int]]:
        idom, order = self._dominator_tree
        units = {e: self.actors[e].count for e in self.ends}
        below = dict.fromkeys(order, 0)  # ends strictly below each node in the dominator tree
        below_units = dict.fromkeys(order, 0)
        for v in reversed(order[1:]):  # a node comes after its dominator in reverse postorder
            d = idom[v]
            below[d] += below[v] + (v in units)
            below_units[d] += below_units[v] + units.get(v, 0)
        return (MappingProxyType({v: n for v in order[1:] if (n := below[v])}),
                MappingProxyType({v: below_units[v] for v in order[1:] if below[v]}))

    def judged(self, link: Any) -> bool:
        """Whether ``link`` is part of the judgment: neither end is ``outside`` it."""
        return link.from_ not in self.outside and link.to not in self.outside

    @cached_property
    def _depth(self) -> Mapping[str, int]:
        """Each reachable node's depth in the dominator tree (the source is 0)."""
        idom, order = self._dominator_tree
        depth = {SOURCE: 0}
        for v in order[1:]:
            depth[v] = depth[idom[v]] + 1
        return MappingProxyType(depth)

    @cached_property
    def only_way_in(self) -> Mapping[str, str]:
        """For each reachable actor entered by exactly one link from outside the actors it
        dominates: that link's source. Such a link is on every route to the actor; links back up
        from actors reached through it do not count as another way in."""
        idom, order = self._dominator_tree
        depth = self._depth
        out: dict[str, str] = {}
        for v in order[1:]:
            below = depth[v]
            ways = []
            for u in self._pred[v]:
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
        return MappingProxyType(out)

    @cached_property
    def hops(self) -> Mapping[str, int]:
        """Fewest links from a centre to each reachable actor (centres are 0)."""
        dist = dict.fromkeys(self.centres, 0)
        queue = deque(self.centres)
        succ = self._succ
        while queue:
            u = queue.popleft()
            for v in succ[u]:
                if v not in dist:
                    dist[v] = dist[u] + 1
                    queue.append(v)
        return MappingProxyType(dist)

    @cached_property
    def feedback(self) -> Mapping[str, int]:
        """For each actor from which information gets back to a centre: the strength of the strongest
        such route (its weakest link; centres are at the top). Routes back run along links in the
        judgment (see ``judged``) that carry information and are not absent."""
        from stocktake.chains.model import ABSENT

        back: dict[str, list[tuple[str, int]]] = {}
        strength, outside = self.strength, self.outside
        for link in self.chain.links:
            if (link.strength != ABSENT and "information" in link.levers
                    and not (outside and (link.from_ in outside or link.to in outside))):
                back.setdefault(link.to, []).append((link.from_, strength[link.strength]))
        top = len(self.scale.codes)
        best = dict.fromkeys(self.centres, top)
        buckets: list[list[str]] = [[] for _ in range(top + 1)]
        buckets[top] = list(self.centres)
        for b in range(top, 0, -1):  # widest path, one bucket per strength, as ``widest``
            stack = buckets[b]
            while stack:
                v = stack.pop()
                if best[v] != b:
                    continue
                for u, s in back.get(v, ()):
                    w = b if b < s else s
                    if w > best.get(u, 0):
                        best[u] = w
                        buckets[w].append(u)
        return MappingProxyType(best)

    @cached_property
    def feeds_back(self) -> frozenset[str]:
        """Actors whose feedback counts: their strongest route back (``feedback``) is not weak (on
        the delivery scale, at AG or better). Information that gets back only through a weak link
        cannot tell the centre, at any moment, whether delivery is on track."""
        return frozenset(a for a, s in self.feedback.items() if 0 < s <= len(self.scale.codes)
                         and not self.scale.low(self.level_of(s)))

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
