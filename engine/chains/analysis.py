"""Delivery chain analysis: shared computations on the chain's graph for the detector plugins.

Routes run along links that are not ``absent``, from a virtual source joined to every centre.
Nothing here enumerates paths: the strongest route to each actor is a widest-path (bottleneck)
search with one bucket per strength (strengths are four small integers, so it is O(V + E)); single
points of failure come from the dominator tree; feedback is the same widest-path search backwards
over links that carry information.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NoReturn, Protocol, runtime_checkable

from stocktake.judgment.scale import Scale

if TYPE_CHECKING:  # the chain models cost ~50 ms to import; every command loads the detectors
    from stocktake.chains.model import DeliveryChain, Link
    from stocktake.chains.routes import Adjacency

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
    ``graph`` is the same as a networkx ``DiGraph`` (edge attribute ``s``). Both are built on first
    use for detectors that want them: the analyses run on the actors as integers (in the chain's
    order, :data:`SOURCE` last) with CSR adjacency in the links' order (:mod:`stocktake.chains.routes`)
    and give their results keyed by id, in the order an id-keyed search would build them. A detector
    that loops over every actor or link can read the same results by node index instead (``ids``,
    ``index``, ``link_nodes``, ``link_at``, ``route_strengths``, ``weakest_link_nodes``,
    ``dominator_nodes``, ``hop_nodes``, ``reaching_nodes``): ``link_nodes`` is (from, to, strength)
    per link of ``chain.links``, the strength 0 for an absent link.

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
        from stocktake.chains.routes import adjacency, edges

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
        # Nodes as integers: the actors in the chain's order, then the source.
        self._ids: tuple[str, ...] = (*self.actors, SOURCE)
        index = {a: i for i, a in enumerate(self._ids)}
        self._index: Mapping[str, int] = MappingProxyType(index)
        size = len(self._ids)
        with_absent = {**strength, ABSENT: 0}
        links = chain.links
        self.link_nodes: tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]] = (
            tuple([index[x.from_] for x in links]), tuple([index[x.to] for x in links]),
            tuple([with_absent[x.strength] for x in links]))
        froms, tos, strengths = edges(size, [index[c] for c in self.centres], len(scale.codes), *self.link_nodes)
        self._out = adjacency(size, froms, tos, strengths)
        self._in = adjacency(size, tos, froms, strengths)
        self._sealed = True

    def __setattr__(self, name: str, value: Any) -> None:
        if getattr(self, "_sealed", False):
            raise AttributeError(f"the chain graph is shared by every detector and read-only (set {name!r})")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"the chain graph is shared by every detector and read-only (delete {name!r})")

    @cached_property
    def links_by_key(self) -> Mapping[str, Link]:
        """Each link by its key ``from->to`` (as ``Link.key``; of a link written twice, the last)."""
        return MappingProxyType({f"{x.from_}->{x.to}": x for x in self.chain.links})

    def link_at(self, u: int, v: int) -> Link | None:
        """As ``links_by_key``, by node index: the link from ``u`` to ``v`` (the last written), or None."""
        j = self._last_link.get(u * len(self._ids) + v)
        return None if j is None else self.chain.links[j]

    @cached_property
    def _last_link(self) -> dict[int, int]:
        """The position in ``chain.links`` of the last link written from ``u`` to ``v``, by ``u * len(ids) + v``."""
        size = len(self._ids)
        froms, tos, _ = self.link_nodes
        return dict(zip([u * size + v for u, v in zip(froms, tos)], range(len(froms))))  # the last j wins

    def _keyed(self, adj: Adjacency) -> Mapping[str, Mapping[str, int]]:
        ids, start, nodes, strengths = self._ids, adj.start, adj.nodes, adj.strengths
        return MappingProxyType({ids[u]: MappingProxyType({ids[nodes[p]]: strengths[p]
                                                           for p in range(start[u], start[u + 1])})
                                 for u in range(len(ids))})

    @cached_property
    def succ(self) -> Mapping[str, Mapping[str, int]]:
        """Each node's successors along links that are not absent, with the link's strength."""
        return self._keyed(self._out)

    @cached_property
    def pred(self) -> Mapping[str, Mapping[str, int]]:
        """Each node's predecessors along links that are not absent, with the link's strength."""
        return self._keyed(self._in)

    @cached_property
    def graph(self) -> Any:
        """The chain as a networkx ``DiGraph``: every actor and :data:`SOURCE`, the links that are
        not absent, each with its strength as attribute ``s``."""
        import networkx as nx

        graph = nx.DiGraph()
        graph.add_nodes_from(self.actors)
        graph.add_node(SOURCE)
        graph.add_edges_from((u, v, {"s": s}) for u, out in self.succ.items() for v, s in out.items())
        return nx.freeze(graph)

    def level_of(self, strength: int) -> str:
        return self.scale.codes[len(self.scale.codes) - strength]

    # -- the same analyses by node index, for detectors that loop over every actor or link ----------

    @property
    def ids(self) -> tuple[str, ...]:
        """Each node's id by its index: the actors in the chain's order, then :data:`SOURCE`."""
        return self._ids

    @property
    def index(self) -> Mapping[str, int]:
        """Each node's index by its id (the inverse of ``ids``)."""
        return self._index

    @cached_property
    def route_strengths(self) -> tuple[int, ...]:
        """By node index: the strength of its strongest route (as ``widest``), 0 if none; the source's is the top."""
        return tuple(self._widest[0])

    @cached_property
    def weakest_link_nodes(self) -> tuple[int, ...]:
        """By node index: the weakest link on its strongest route (as ``widest``) as ``u * len(ids) + v``,
        -1 if none (unreachable, a centre, or a route whose only link below the top is a centre's own)."""
        return tuple(self._widest[1])

    @cached_property
    def dominator_nodes(self) -> tuple[int, ...]:
        """By node index: its immediate dominator (as ``dominators``), -1 if unreachable; the source's is itself."""
        return tuple(self._dominators[0])

    def reaching_nodes(self, ends: Sequence[int], at_least: int) -> bytes:
        """As ``reaching``, by node index: 1 for each node of ``ends`` and each node from which links of
        strength ``at_least`` or more lead to one of them, 0 for the others."""
        from stocktake.chains.routes import upstream

        return bytes(upstream(self._in, ends, at_least))

    @cached_property
    def _widest(self) -> tuple[list[int], list[int], list[int]]:
        from stocktake.chains.routes import widest_routes

        return widest_routes(self._out, [len(self._ids) - 1], len(self.scale.codes))

    @cached_property
    def widest(self) -> tuple[Mapping[str, int], Mapping[str, tuple[str, str] | None]]:
        """(strength of the strongest route to each reachable actor, the weakest link on it)."""
        best, weakest, reached = self._widest
        ids, size = self._ids, len(self._ids)
        links: dict[int, tuple[str, str] | None] = {-1: None}
        for code in set(weakest):
            if code not in links:
                u, v = divmod(code, size)
                links[code] = (ids[u], ids[v])
        return (MappingProxyType({ids[v]: best[v] for v in reached[1:]}),
                MappingProxyType({ids[v]: links[weakest[v]] for v in reached[1:]}))

    @cached_property
    def _dominators(self) -> tuple[list[int], list[int]]:
        """(immediate dominator of each node, -1 if unreachable; the reachable nodes in reverse postorder)."""
        from stocktake.chains.routes import dominator_tree

        return dominator_tree(self._out, self._in, len(self._ids) - 1)

    @cached_property
    def _dominator_tree(self) -> tuple[Mapping[str, str], tuple[str, ...]]:
        """(immediate dominator of every reachable node, the reachable nodes in reverse postorder),
        by id (see :func:`stocktake.chains.routes.dominator_tree`)."""
        idom, order = self._dominators
        ids = self._ids
        return MappingProxyType({ids[v]: ids[idom[v]] for v in order}), tuple(ids[v] for v in order)

    @cached_property
    def dominators(self) -> Mapping[str, str]:
        """Immediate dominator of every reachable actor (the source for those with several routes)."""
        idom, order = self._dominators
        ids = self._ids
        return MappingProxyType({ids[v]: ids[idom[v]] for v in order[1:]})

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
        idom, order = self._dominators
        ids, index = self._ids, self._index
        is_end = bytearray(len(ids))
        units = [0] * len(ids)
        for e in self.ends:
            is_end[index[e]] = 1
            units[index[e]] = self.actors[e].count
        below = [0] * len(ids)  # ends strictly below each node in the dominator tree
        below_units = [0] * len(ids)
        for v in reversed(order[1:]):  # a node comes after its dominator in reverse postorder
            d = idom[v]
            below[d] += below[v] + is_end[v]
            below_units[d] += below_units[v] + units[v]
        return (MappingProxyType({ids[v]: n for v in order[1:] if (n := below[v])}),
                MappingProxyType({ids[v]: below_units[v] for v in order[1:] if below[v]}))

    def judged(self, link: Any) -> bool:
        """Whether ``link`` is part of the judgment: neither end is ``outside`` it."""
        return link.from_ not in self.outside and link.to not in self.outside

    @cached_property
    def _depths(self) -> list[int]:
        """Each node's depth in the dominator tree (the source is 0, -1 if unreachable)."""
        idom, order = self._dominators
        depth = [-1] * len(self._ids)
        depth[order[0]] = 0
        for v in order[1:]:
            depth[v] = depth[idom[v]] + 1
        return depth

    @cached_property
    def _depth(self) -> Mapping[str, int]:
        """Each reachable node's depth in the dominator tree (the source is 0)."""
        _, order = self._dominators
        depth, ids = self._depths, self._ids
        return MappingProxyType({ids[v]: depth[v] for v in order})

    @cached_property
    def only_way_in(self) -> Mapping[str, str]:
        """For each reachable actor entered by exactly one link from outside the actors it
        dominates: that link's source. Such a link is on every route to the actor; links back up
        from actors reached through it do not count as another way in."""
        idom, order = self._dominators
        depth, ids, source = self._depths, self._ids, len(self._ids) - 1
        start, nodes = self._in.start, self._in.nodes
        out: dict[str, str] = {}
        for v in order[1:]:
            below = depth[v]
            way, ways = -1, 0
            for p in range(start[v], start[v + 1]):
                u = nodes[p]
                level = depth[u]
                if level < 0 or u == source:
                    continue
                if level > below:  # deeper: is it reached through v?
                    w = u
                    for _ in range(level - below):
                        w = idom[w]
                    if w == v:
                        continue
                way, ways = u, ways + 1
                if ways > 1:
                    break  # not the only way in
            if ways == 1:
                out[ids[v]] = ids[way]
        return MappingProxyType(out)

    @cached_property
    def hops(self) -> Mapping[str, int]:
        """Fewest links from a centre to each reachable actor (centres are 0)."""
        dist, reached = self._hops
        ids = self._ids
        return MappingProxyType({ids[v]: dist[v] for v in reached})

    @cached_property
    def hop_nodes(self) -> tuple[int, ...]:
        """By node index: as ``hops``, -1 if unreachable from every centre (the source's is -1 too)."""
        return tuple(self._hops[0])

    @cached_property
    def _hops(self) -> tuple[list[int], list[int]]:
        from stocktake.chains.routes import breadth_first

        return breadth_first(self._out, [self._index[c] for c in self.centres])

    @cached_property
    def feedback(self) -> Mapping[str, int]:
        """For each actor from which information gets back to a centre: the strength of the strongest
        such route (its weakest link; centres are at the top). Routes back run along links in the
        judgment (see ``judged``) that carry information and are not absent."""
        from stocktake.chains.routes import adjacency, widest_routes

        outside, index = self.outside, self._index
        froms, tos, strengths = self.link_nodes
        carried = [j for j, link in enumerate(self.chain.links) if strengths[j] and "information" in link.levers]
        if outside:
            out = bytearray(len(self._ids))
            for a in outside:
                out[index[a]] = 1
            carried = [j for j in carried if not (out[froms[j]] or out[tos[j]])]
        back = adjacency(len(self._ids), [tos[j] for j in carried], [froms[j] for j in carried],
                         [strengths[j] for j in carried])
        best, _, reached = widest_routes(back, [index[c] for c in self.centres], len(self.scale.codes))
        ids = self._ids
        return MappingProxyType({ids[v]: best[v] for v in reached})

    @cached_property
    def feeds_back(self) -> frozenset[str]:
        """Actors whose feedback counts: their strongest route back (``feedback``) is not weak (on
        the delivery scale, at AG or better). Information that gets back only through a weak link
        cannot tell the centre, at any moment, whether delivery is on track."""
        return frozenset(a for a, s in self.feedback.items() if 0 < s <= len(self.scale.codes)
                         and not self.scale.low(self.level_of(s)))

    def reaching(self, ends: Sequence[str], at_least: int) -> frozenset[str]:
        """``ends`` and the actors from which links of strength ``at_least`` or more lead to one of them."""
        from stocktake.chains.routes import upstream

        index, ids = self._index, self._ids
        found = upstream(self._in, [index[e] for e in ends], at_least)
        return frozenset(ids[v] for v in range(len(ids)) if found[v])

    def evidence_of(self, actors: list[str] = (), links: list[str] = ()) -> tuple[str, ...]:  # type: ignore[assignment]
        found = {e for a in actors if a in self.actors for e in self.actors[a].evidence}
        found |= {e for k in links if k in self.links_by_key for e in self.links_by_key[k].evidence}
        return tuple(sorted(found))

