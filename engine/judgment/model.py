"""Judgments and their evidence trail: the engine's output unit, shared by every kind of result.

A judgment records what the rules computed, any agreed override, the rating that stands, the rule
(plugin, id, version) that decided, the inputs it read, the evidence behind them, flags, one
sentence of "because" and the trail of steps from inputs to result.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, GetCoreSchemaHandler
from pydantic_core import core_schema

from stocktake.core.models import Model

__all__ = ["Flag", "Input", "Judgment", "JudgmentState", "Override", "RuleRef", "Subject"]


class Subject(str):
    """What a judgment is about: a kind (``component``, ``criterion``, ``section``, ``priority``,
    ``chain``) and an id, written ``kind:id`` in documents (so it is text to JSON and templates).
    """

    __slots__ = ()

    @classmethod
    def of(cls, kind: str, item_id: str) -> Subject:
        return cls(f"{kind}:{item_id}")

    @property
    def kind(self) -> str:
        return self.partition(":")[0]

    @property
    def id(self) -> str:
        return self.partition(":")[2]

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(
            cls, core_schema.str_schema(), serialization=core_schema.to_string_ser_schema())

JudgmentState = Literal["rated", "partial", "not-rated", "no-consensus"]
"""``rated``: a level stands. ``partial``: a level computed from some inputs while others are
missing (flagged). ``not-rated``: no inputs at all: missing data, never good. ``no-consensus``: the
rule refused to form a level from the inputs it had."""


class RuleRef(Model):
    """Which rule decided: the plugin, the rule's id and its version."""

    plugin: str
    id: str
    version: str


class Input(Model):
    """One input a rule read."""

    name: str
    """What the input is, e.g. the reviewer's id or the component's id."""
    value: str | None
    """The level code read, or None where the input is missing."""
    role: str = ""
    """The reviewer's role or the input's kind."""
    evidence: list[str] = Field(default_factory=list)
    """Evidence ids behind this input."""
    note: str = ""
    """The rationale given with the input, if any."""


class Flag(Model):
    """Something a reader should look at before trusting the judgment."""

    code: str
    """Stable code, e.g. ``disagreement``."""
    message: str
    """One sentence."""


class Override(Model):
    """An agreed level that replaces the computed one; the computed level stays beside it."""

    level: str
    reason: str
    by: list[str]
    """Who agreed it (reviewer ids)."""


class Judgment(Model):
    """The engine's (or a moderator's) level for one subject, with its trail."""

    subject: Subject
    """What is judged, as ``component:<id>``, ``criterion:<id>`` or ``section:<id>``."""
    title: str
    scale: str
    """The scale the levels belong to."""
    state: JudgmentState
    rating: str | None
    """The level that stands: the override if any, else the computed level."""
    computed: str | None
    """What the rule gave."""
    override: Override | None = None
    rule: RuleRef
    decided_by: list[str] = Field(default_factory=list)
    """For rule sets: the ids of the rules (rows) that decided."""
    because: str
    """One sentence saying why."""
    inputs: list[Input] = Field(default_factory=list)
    evidence: list[str] = Field(default_factory=list)
    """Every evidence id behind the inputs, sorted."""
    flags: list[Flag] = Field(default_factory=list)
    trail: list[str] = Field(default_factory=list)
    """Steps from inputs to result, in order."""
