"""A fast read of a ``DeliveryChain``'s data: actors and links converted and validated in C by msgspec,
then checked by the model's own checks.

:func:`fast_chain` converts the parsed data (already free of duplicate keys and values beyond the
limits: the reader refused those) into :class:`Chain`, whose :class:`Actor` and :class:`Link`
mirror :class:`stocktake.chains.model.Actor` and :class:`~stocktake.chains.model.Link` field for
field (the same names, order, constraints and defaults; the same attributes, so the graph, the
detectors and the views read either). The chain's few evidence items and its settings are
validated by their pydantic models (the settings by the caller), and the whole by
:func:`~stocktake.chains.checks.check_chain`, the model's own checks. It returns None for
anything it is not sure of: data msgspec refuses, a CSV register to merge, a failed check. The
caller then validates the data with pydantic, which gives the model or the errors, worded and
located as ever. The structs accept and reject what the models do (tested on the valid, hostile
and mutated chains).

:meth:`DeliveryChain.model_validate <stocktake.chains.model.DeliveryChain.model_validate>` tries it
first. Detectors of other plugins receive the chain as today, with pydantic records
(:func:`stocktake.chains.model.as_models`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from stocktake.chains.checks import check_chain
from stocktake.chains.vocabulary import Lever, Role

__all__ = ["Actor", "Chain", "Link", "fast_chain"]

Id = Annotated[str, Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*\Z", max_length=100)]
Ref = Annotated[str, Meta(max_length=100)]
"""An :data:`Id` that must name an actor or an evidence item: its pattern is that item's, so only its
length is checked here (the checks refuse a name of no item; half a million regular-expression
matches on a large chain's links cost more than decoding them)."""
Text = Annotated[str, Meta(min_length=1)]
Level = str | int
"""Text or an integer, as :data:`~stocktake.core.models.LevelText`; an integer is made its digits."""


class Actor(Struct, kw_only=True, forbid_unknown_fields=True):
    """:class:`stocktake.chains.model.Actor`."""

    id: Id
    name: Text
    type: str = ""
    level: Annotated[int, Meta(ge=0)]
    role: Role
    count: Annotated[int, Meta(ge=1)] = 1
    capacity: Level | None = None
    will: Level | None = None
    evidence: list[Ref] = []


class Link(Struct, kw_only=True, forbid_unknown_fields=True):
    """:class:`stocktake.chains.model.Link` (``from`` is the attribute ``from_``)."""

    from_: Ref = msgspec.field(name="from")
    to: Ref
    levers: Annotated[list[Lever], Meta(min_length=1)]
    strength: Level
    evidence: list[Ref] = []
    note: str = ""

    @property
    def key(self) -> str:
        return f"{self.from_}->{self.to}"


class Chain(Struct, kw_only=True, forbid_unknown_fields=True):
    """:class:`stocktake.chains.model.DeliveryChain`, less its CSV registers; ``evidence`` and
    ``settings`` are validated by their models afterwards."""

    kind: Literal["DeliveryChain"]
    schema_version: Literal[1]
    id: Id
    priority: Id
    title: Text
    evidence: list[Any] = []
    actors: list[Actor] = []
    links: list[Link] = []
    settings: Any = None


def fast_chain(data: Any, context: Mapping[str, Any] | None) -> Chain | None:
    """The chain pydantic would validate from ``data`` in ``context``, as a :class:`Chain` whose
    evidence is validated (``settings`` is left as written: the caller validates it), or None
    when pydantic must validate it (see the module)."""
    from pydantic import TypeAdapter

    from stocktake.judgment.evidence import Evidence

    if type(data) is not dict or "actors_file" in data or "links_file" in data:
        return None
    try:
        chain = msgspec.convert(data, Chain)
        chain.evidence = TypeAdapter(list[Evidence]).validate_python(chain.evidence)
        _as_text(chain)
        check_chain(chain, data, context)
    except (msgspec.ValidationError, ValueError):  # pydantic's errors are ValueErrors
        return None
    return chain


def _as_text(chain: Chain) -> None:
    """Levels written as integers made their digits, as :data:`~stocktake.core.models.LevelText` does."""
    for actor in chain.actors:
        if type(actor.capacity) is int:
            actor.capacity = str(actor.capacity)
        if type(actor.will) is int:
            actor.will = str(actor.will)
    for link in chain.links:
        if type(link.strength) is int:
            link.strength = str(link.strength)
