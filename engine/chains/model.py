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

from stocktake.chains.checks import check_chain
from stocktake.chains.vocabulary import ABSENT, Lever, Role
from stocktake.core.models import (
    Id,
    LevelText,
    Model,
    SchemaVersion,
    StrictInt,
    Text,
)
from stocktake.judgment.evidence import Evidence

__all__ = ["ABSENT", "Actor", "Beneficiaries", "ChainSettings", "DeliveryChain", "Lever", "Link", "Role", "as_models"]


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
        """After the fields, the chain's checks (:func:`~stocktake.chains.checks.check_chain`) in
        the validation context."""
        chain = handler(data)
        check_chain(chain, data, info.context)
        return chain

    @classmethod
    def from_plain_json(cls, text: str, limits: Any, context: Mapping[str, Any] | None) -> DeliveryChain | None:
        """The chain read from the JSON document ``text`` under ``limits``, as :meth:`model_validate`
        would validate it in ``context`` from the exact reader's data, or None when it must be read
        that way (see :func:`stocktake.chains.structs.fast_chain_text`). Its actors and links are
        read-only struct records with the models' attributes (not models: no ``model_dump``); for
        the loader, when its caller asks for ``records``."""
        from stocktake.chains.structs import fast_chain_text

        fast = fast_chain_text(text, limits, context)
        return _from_struct(*fast) if fast is not None else None


def _from_struct(fast: Any, given: set[str]) -> DeliveryChain | None:
    """The chain of the checked struct ``fast`` (its actors and links as they are), the fields the
    document ``given``; None if its settings are invalid (pydantic words that)."""
    try:
        settings = ChainSettings.model_validate(fast.settings) if "settings" in given else ChainSettings()
    except ValueError:  # pydantic's ValidationError
        return None
    fields = {name: getattr(fast, name) for name in fast.__struct_fields__}
    return DeliveryChain.model_construct(given, **{**fields, "settings": settings})


def as_models(chain: DeliveryChain) -> DeliveryChain:
    """``chain`` with pydantic records for its actors and links (as :meth:`DeliveryChain.model_validate`
    gives them when it validates them itself: for detectors of other plugins, whose contract they are)."""
    if all(type(a) is Actor for a in chain.actors) and all(type(x) is Link for x in chain.links):
        return chain
    import msgspec

    actors = [Actor.model_validate(msgspec.to_builtins(a)) for a in chain.actors]
    links = [Link.model_validate(msgspec.to_builtins(x)) for x in chain.links]
    return chain.model_copy(update={"actors": actors, "links": links})
