"""The ``DeliveryChain`` document: actors and the links (levers of some strength) between them.

A chain may have several centres (e.g. two departments sharing a priority); routes may start from
any of them, as if from one centre. It needs at least one centre and one front-line actor. Link
strength is a level of the delivery scale or ``absent`` (a relationship that should exist and
does not); absent links carry no route.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, ModelWrapValidatorHandler, ValidationInfo, model_validator

from stocktake.core.models import (
    Id,
    LevelText,
    Model,
    SchemaVersion,
    StrictInt,
    Text,
    as_written,
    invalid,
    unique_ids,
)
from stocktake.judgment.evidence import Evidence

__all__ = ["ABSENT", "Actor", "Beneficiaries", "ChainSettings", "DeliveryChain", "Lever", "Link", "Role"]

ABSENT = "absent"
Lever = Literal["accountability", "funding", "information", "support", "regulation", "influence"]
"""What a link carries. ``information`` is information and feedback: the route back to the centre."""
Role = Literal["centre", "intermediary", "front-line", "beneficiary"]


class Actor(Model):
    """A person, organisation or type of organisation in the chain."""

    id: Id
    name: Text
    type: str = ""
    """What kind of actor (e.g. ``district``), for grouping and drawing."""
    level: StrictInt = Field(ge=0)
    """0 at the centre, rising toward the front line; used to draw the chain in layers."""
    role: Role
    count: StrictInt = Field(default=1, ge=1)
    """How many actors this stands for ("20,000 schools")."""
    capacity: LevelText | None = None
    """Skill to play the role, on the delivery scale."""
    will: LevelText | None = None
    """Willingness to play the role, on the delivery scale."""
    evidence: list[Id] = Field(default_factory=list)


class Link(Model):
    """A relationship from one actor to another, carrying levers."""

    from_: Id = Field(alias="from")
    to: Id
    levers: list[Lever] = Field(min_length=1)
    strength: LevelText
    """A level of the delivery scale, or ``absent``."""
    evidence: list[Id] = Field(default_factory=list)
    note: str = ""

    @property
    def key(self) -> str:
        return f"{self.from_}->{self.to}"


Beneficiaries = Literal["drawn", "judged"]
"""Whether the citizens who benefit are only drawn (the chain's judgment ends at the front line) or
judged as the chain's end, as the front line is."""


class ChainSettings(Model):
    max_levels: StrictInt = Field(default=5, ge=1)
    """Links on the shortest route from the centre to a front-line actor above which the chain is
    flagged as long (the centre cannot see that far)."""
    spof_share: float = Field(default=0.5, strict=True, allow_inf_nan=False, ge=0, le=1)
    """The share of the front line's units (actors times their ``count``) at or above which a
    single point of failure caps the chain unless it is strong (0.5 is half)."""
    beneficiaries: Beneficiaries = "drawn"
    """``drawn``: beneficiaries and their links are drawn but outside the judgment; ``judged``:
    they are the chain's end, judged as the front line is."""


class DeliveryChain(Model):
    """The delivery chain of one priority."""

    kind: Literal["DeliveryChain"]
    schema_version: SchemaVersion
    id: Id
    priority: Id
    """The priority (in a DeliveryAssessment) this chain serves."""
    title: Text
    evidence: list[Evidence] = Field(default_factory=list)
    actors: list[Actor] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)
    actors_file: str | None = None
    """A CSV of further actors (id, name, type, level, role, count, capacity, will, evidence)."""
    links_file: str | None = None
    """A CSV of further links (from, to, levers, strength, evidence); levers separated by ``;``."""
    settings: ChainSettings = Field(default_factory=ChainSettings)

    @model_validator(mode="wrap")
    @classmethod
    def _check(cls, data: Any, handler: ModelWrapValidatorHandler[DeliveryChain],
               info: ValidationInfo) -> DeliveryChain:
        """After the fields: ids unique, links between known actors, evidence cited, levels
        resolved to codes of the chain scale in the context (``scales``, ``chain_scale``: the id
        a plugin declared; ``delivery`` if none is given). ``data`` is read only to quote a bad
        level as the document wrote it."""
        self = handler(data)
        context: Mapping[str, Any] = info.context if isinstance(info.context, Mapping) else {}
        scale = context.get("scales", {}).get(context.get("chain_scale", "delivery"))
        evidence = set(unique_ids(self.evidence, "evidence", "evidence ids unique"))

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

        actors = set(unique_ids(self.actors, "actors", "actor ids unique"))
        if not _sound(self, actors, evidence, code_of):
            _locate(self, actors, cite, level)  # raises the first error in the document's order
        written = {a.capacity for a in self.actors} | {a.will for a in self.actors}
        changed = {v: c for v in written if v is not None and (c := code_of(v, False)) is not None and c != v}
        if changed:
            for actor in self.actors:
                for name in ("capacity", "will"):
                    if (value := getattr(actor, name)) in changed:
                        setattr(actor, name, changed[value])  # pydantic's __setattr__ is slow: only when it changes
        strengths = {x.strength for x in self.links}
        if changed := {v: c for v in strengths if (c := code_of(v, True)) is not None and c != v}:
            for link in self.links:
                if link.strength in changed:
                    link.strength = changed[link.strength]
        return self


def _sound(chain: DeliveryChain, actors: set[str], evidence: set[str], code_of: Any) -> bool:
    """Whether the chain passes every check of :func:`_locate`, found a set at a time."""
    roles = {a.role for a in chain.actors}
    values = ({a.capacity for a in chain.actors} | {a.will for a in chain.actors}) - {None}
    cited = {ref for a in chain.actors for ref in a.evidence} | {ref for x in chain.links for ref in x.evidence}
    return ("centre" in roles and "front-line" in roles and cited <= evidence
            and all(code_of(v, False) is not None for v in values)
            and all(code_of(v, True) is not None for v in {x.strength for x in chain.links})
            and {x.from_ for x in chain.links} <= actors and {x.to for x in chain.links} <= actors
            and all(x.from_ != x.to for x in chain.links))


def _locate(chain: DeliveryChain, actors: set[str], cite: Any, level: Any) -> None:
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
