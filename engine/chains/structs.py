"""A fast read of a ``DeliveryChain``: actors and links decoded and validated in C by msgspec, then
checked by the model's own checks.

:func:`fast_chain_text` decodes the document's JSON text into :class:`Chain`, with the guards of
:func:`~stocktake.core.json_lines.plain_typed_document` (no key twice, no value at or near a
limit) and no text longer than :data:`MAX_TEXT`; :func:`fast_chain` converts data already parsed
(which the reader has freed of both: the tests hold the structs and the models to one contract
with it). :class:`Actor` and :class:`Link` mirror
:class:`stocktake.chains.model.Actor` and :class:`~stocktake.chains.model.Link` field for field
(the same names, order, constraints and defaults; the same attributes, so the graph, the detectors
and the views read either). The chain's few evidence items and its settings are validated by
their pydantic models (the settings by the caller), and the whole by
:func:`~stocktake.chains.checks.check_chain`, the model's own checks. Both return None for
anything they are not sure of: what msgspec or a guard refuses, a CSV register to merge, a failed
check. The caller then reads the document the exact way (the reader, then pydantic), which gives
the model or the errors, worded and located as ever. The structs accept and reject what the
models do (tested on the valid, hostile and mutated chains).

:meth:`DeliveryChain.from_plain_json <stocktake.chains.model.DeliveryChain.from_plain_json>` tries
it first when the loader's caller asks for ``records`` (the chain's analysis and its views, which
only read attributes); every other load, ``Engine.load`` included, gives pydantic models. Detectors
of other plugins receive the chain as today, with pydantic records
(:func:`stocktake.chains.model.as_models`).

Optional fields are decoded as ``UNSET`` when absent, so that the keys given can be counted (encoded
again, each key brings one colon), and are then given the model's defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from stocktake.chains.checks import check_chain
from stocktake.chains.vocabulary import Lever, Role
from stocktake.core.json_lines import plain_typed_document
from stocktake.core.parsed import DEFAULT_LIMITS, Limits

__all__ = ["MAX_TEXT", "Actor", "Chain", "Link", "fast_chain", "fast_chain_text"]

MAX_TEXT = DEFAULT_LIMITS.max_text
"""The longest text the structs take (a longer one is left to the exact reader); the text read is
used only under limits that allow at least as much."""
_DEPTH = 4
"""The deepest a :class:`Chain` nests (the chain, its actors, an actor, its evidence)."""
Bounded = Annotated[str, Meta(max_length=MAX_TEXT)]
Id = Annotated[str, Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*\Z", max_length=100)]
Ref = Annotated[str, Meta(max_length=100)]
"""An :data:`Id` that must name an actor or an evidence item: its pattern is that item's, so only its
length is checked here (the checks refuse a name of no item; half a million regular-expression
matches on a large chain's links cost more than decoding them)."""
Text = Annotated[str, Meta(min_length=1, max_length=MAX_TEXT)]
Level = Bounded | int
"""Text or an integer, as :data:`~stocktake.core.models.LevelText`; an integer is made its digits."""
Record = dict[Bounded, Bounded | int | float | bool | None]
"""An evidence item or the settings, as written (their models validate them): no deeper value."""


class Actor(Struct, kw_only=True, forbid_unknown_fields=True):
    """:class:`stocktake.chains.model.Actor`."""

    id: Id
    name: Text
    type: Bounded | UnsetType = UNSET
    level: Annotated[int, Meta(ge=0)]
    role: Role
    count: Annotated[int, Meta(ge=1)] | UnsetType = UNSET
    capacity: Level | UnsetType | None = UNSET
    will: Level | UnsetType | None = UNSET
    evidence: list[Ref] | UnsetType = UNSET


class Link(Struct, kw_only=True, forbid_unknown_fields=True):
    """:class:`stocktake.chains.model.Link` (``from`` is the attribute ``from_``)."""

    from_: Ref = msgspec.field(name="from")
    to: Ref
    levers: Annotated[list[Lever], Meta(min_length=1)]
    strength: Level
    evidence: list[Ref] | UnsetType = UNSET
    note: Bounded | UnsetType = UNSET

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
    evidence: list[Record] | UnsetType = UNSET
    actors: list[Actor] | UnsetType = UNSET
    links: list[Link] | UnsetType = UNSET
    settings: Record | UnsetType = UNSET

    def given(self) -> set[str]:
        """The fields the document gave (before :func:`fast_chain` fills in the others)."""
        return {name for name in self.__struct_fields__ if getattr(self, name) is not UNSET}


_DECODER = msgspec.json.Decoder(Chain)
_ENCODER = msgspec.json.Encoder()


def fast_chain_text(text: str, limits: Limits, context: Mapping[str, Any] | None) -> tuple[Chain, set[str]] | None:
    """The chain pydantic would validate from the JSON document ``text`` read under ``limits``,
    and the fields it gave, or None when the exact reader must read it (see the module)."""
    if limits.max_text < MAX_TEXT or limits.max_depth < _DEPTH:
        return None
    raw = text.encode("utf-8", "surrogatepass")
    try:
        chain = _DECODER.decode(raw)
    except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError):
        return None
    if not plain_typed_document(raw, _ENCODER.encode(chain), limits):
        return None
    given = chain.given()
    return (chain, given) if _checked(chain, None, context) else None


def fast_chain(data: Any, context: Mapping[str, Any] | None) -> Chain | None:
    """The chain pydantic would validate from ``data`` in ``context``, as a :class:`Chain` whose
    evidence is validated (``settings`` is left as written: the caller validates it), or None
    when pydantic must validate it (see the module)."""
    if type(data) is not dict or "actors_file" in data or "links_file" in data:
        return None
    try:
        chain = msgspec.convert(data, Chain)
    except msgspec.ValidationError:
        return None
    return chain if _checked(chain, data, context) else None


def _checked(chain: Chain, data: Any, context: Mapping[str, Any] | None) -> bool:
    """Whether ``chain`` passes the model's checks, once its evidence is validated and its
    defaults filled in."""
    from pydantic import TypeAdapter

    from stocktake.judgment.evidence import Evidence

    try:
        records = [] if chain.evidence is UNSET else chain.evidence
        chain.evidence = TypeAdapter(list[Evidence]).validate_python(records)  # type: ignore[assignment]
        _complete(chain)
        check_chain(chain, data, context)  # (a bad level's quote is the exact path's to give)
    except ValueError:  # pydantic's errors are ValueErrors
        return False
    return True


def _complete(chain: Chain) -> None:
    """The model's defaults where the document gave none, and levels written as integers made
    their digits (as :data:`~stocktake.core.models.LevelText` does). Each link's ends are made the
    actor's own id, and its strength one text per level: each was decoded as a text of its own, and
    on a large chain the links' texts are a third of its memory."""
    if chain.actors is UNSET:
        chain.actors = []
    if chain.links is UNSET:
        chain.links = []
    for actor in chain.actors:
        if actor.type is UNSET:
            actor.type = ""
        if actor.count is UNSET:
            actor.count = 1
        if actor.evidence is UNSET:
            actor.evidence = []
        if actor.capacity is UNSET:
            actor.capacity = None
        elif type(actor.capacity) is int:
            actor.capacity = str(actor.capacity)
        if actor.will is UNSET:
            actor.will = None
        elif type(actor.will) is int:
            actor.will = str(actor.will)
    ids = {actor.id: actor.id for actor in chain.actors}
    levels: dict[str, str] = {}
    for link in chain.links:
        if link.evidence is UNSET:
            link.evidence = []
        if link.note is UNSET:
            link.note = ""
        strength = link.strength if type(link.strength) is not int else str(link.strength)
        link.strength = levels.setdefault(strength, strength)  # type: ignore[arg-type]
        link.from_ = ids.get(link.from_, link.from_)
        link.to = ids.get(link.to, link.to)
