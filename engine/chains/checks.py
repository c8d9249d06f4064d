"""The checks of a ``DeliveryChain`` after its fields, one implementation for the pydantic model
(:class:`stocktake.chains.model.DeliveryChain`) and its struct mirror (:mod:`stocktake.chains.structs`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stocktake.chains.vocabulary import ABSENT
from stocktake.core.models import as_written, invalid, unique_ids

__all__ = ["check_chain"]


def check_chain(chain: Any, data: Any, context: Any) -> None:
    """The chain's checks after its fields (on a :class:`DeliveryChain` or its struct mirror):
    ids unique, links between known actors, evidence cited, levels resolved to codes of the chain
    scale in the ``context`` (``scales``, ``chain_scale``: the id a plugin declared; ``delivery`` if
    none is given), and set to those codes. Raises the first problem (:func:`invalid`) in the
    document's order. ``data`` is read only to quote a bad level as the document wrote it."""
    context = context if isinstance(context, Mapping) else {}
    scale = context.get("scales", {}).get(context.get("chain_scale", "delivery"))
    evidence = set(unique_ids(chain.evidence, "evidence", "evidence ids unique"))

    def cite(ids: list[str], path: tuple[str | int, ...]) -> None:
        for j, ref in enumerate(ids):
            if ref not in evidence:
                raise invalid("an evidence id defined under 'evidence'", repr(ref), path=(*path, "evidence", j))

    known: dict[tuple[str, bool], str | None] = {}  # a register repeats a handful of spellings

    def code_of(value: str, allow_absent: bool) -> str | None:
        """The code ``value`` names, ``absent`` if allowed, or None."""
        key = (value, allow_absent)
        if key not in known:
            if allow_absent and value.strip().lower() == ABSENT:
                known[key] = ABSENT
            else:
                known[key] = scale.resolve(value) if scale is not None else value
        return known[key]

    def level(value: str, path: tuple[str | int, ...], allow_absent: bool = False) -> str:
        code = code_of(value, allow_absent)
        if code is None:
            extra = " or 'absent'" if allow_absent else ""
            raise invalid(f"a level of scale {scale.id!r} ({scale.describe_codes()}){extra}",
                          repr(as_written(data, path, value)), path=path)
        return code

    actors = set(unique_ids(chain.actors, "actors", "actor ids unique"))
    if not _sound(chain, actors, evidence, code_of):
        _locate(chain, actors, cite, level)  # raises the first error in the document's order
    written = {a.capacity for a in chain.actors} | {a.will for a in chain.actors}
    changed = {v: c for v in written if v is not None and (c := code_of(v, False)) is not None and c != v}
    if changed:
        for actor in chain.actors:
            for name in ("capacity", "will"):
                if (value := getattr(actor, name)) in changed:
                    setattr(actor, name, changed[value])  # pydantic's __setattr__ is slow: only when it changes
    strengths = {x.strength for x in chain.links}
    if changed := {v: c for v in strengths if (c := code_of(v, True)) is not None and c != v}:
        for link in chain.links:
            if link.strength in changed:
                link.strength = changed[link.strength]


def _sound(chain: Any, actors: set[str], evidence: set[str], code_of: Any) -> bool:
    """Whether the chain passes every check of :func:`_locate`, found a set at a time."""
    roles = {a.role for a in chain.actors}
    values = ({a.capacity for a in chain.actors} | {a.will for a in chain.actors}) - {None}
    cited = {ref for a in chain.actors for ref in a.evidence} | {ref for x in chain.links for ref in x.evidence}
    return ("centre" in roles and "front-line" in roles and cited <= evidence
            and all(code_of(v, False) is not None for v in values)
            and all(code_of(v, True) is not None for v in {x.strength for x in chain.links})
            and {x.from_ for x in chain.links} <= actors and {x.to for x in chain.links} <= actors
            and all(x.from_ != x.to for x in chain.links))


def _locate(chain: Any, actors: set[str], cite: Any, level: Any) -> None:
    """Each check in the document's order: raises the first error, located."""
    roles = set()
    for i, actor in enumerate(chain.actors):
        roles.add(actor.role)
        for name in ("capacity", "will"):
            if (value := getattr(actor, name)) is not None:
                level(value, ("actors", i, name))
        if actor.evidence:
            cite(actor.evidence, ("actors", i))
    if "centre" not in roles:
        raise invalid("at least one actor with role 'centre'", "none", path=("actors",))
    if "front-line" not in roles:
        raise invalid("at least one actor with role 'front-line'", "none", path=("actors",))
    for i, link in enumerate(chain.links):
        for end, value in (("from", link.from_), ("to", link.to)):
            if value not in actors:
                raise invalid("an actor id defined under 'actors'", repr(value), path=("links", i, end))
        if link.from_ == link.to:
            raise invalid("a link between two different actors", f"{link.from_!r} to itself", path=("links", i))
        level(link.strength, ("links", i, "strength"), allow_absent=True)
        if link.evidence:
            cite(link.evidence, ("links", i))
