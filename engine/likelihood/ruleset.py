"""The ``RuleSet`` document: a decision table as data.

Inputs are either levels of a scale (ordered) or named states (unordered); every input may also be
``no-data``, which is never treated as a level. Each rule's ``when`` maps inputs to a condition:

* a value: ``planning: R``
* any of several: ``stage: [3, 4]``
* a comparison on a scale input: ``capacity: {at_most: AR}`` (AR or worse), ``{at_least: AG}``
* a negation: ``challenge: {not: [L, M]}``

Inputs not named in ``when`` match anything. Conditions are data, never code: they are checked
against the inputs' domains when the document is validated and compiled into bitmasks.

Hit policies, as in DMN: ``unique`` (exactly one rule may match), ``first`` (the first matching
rule in order), ``priority`` (the matching rule whose output is worst; ``aggregate: best`` for the
best) and ``collect`` (all matching rules; the output is their worst level, or best).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import Field, ValidationInfo, model_validator

from stocktake.core.models import Id, Model, SchemaVersion, StrictInt, Text, Version, invalid, unique_ids
from stocktake.judgment.scale import Scale

__all__ = ["MAX_INPUTS", "MAX_RULES", "MAX_STATES", "NO_DATA", "Comparison", "Condition", "RuleSet", "TableInput",
           "TableRule", "listed"]

NO_DATA = "no-data"
"""The value of an input that has no data. A state of its own, never a level."""

MAX_INPUTS = 64
"""Most inputs a rule set may declare (the engine provides nine)."""
MAX_STATES = 100
"""Most named states one input may take (the engine's state inputs take three)."""
MAX_RULES = 10_000
"""Most rules in one rule set. Every condition is expanded to the values it allows, so these three
bound the work of validating, compiling and checking a table."""
SHOWN = 8
"""Values a message lists before saying how many more there are."""


def listed(values: Sequence[object], limit: int = SHOWN) -> str:
    """``values`` for a one-line message: the first ``limit``, then "and N more"."""
    shown = ", ".join(str(v) for v in values[:limit])
    return shown if len(values) <= limit else f"{shown} and {len(values) - limit:,} more"


Value = str | StrictInt
"""A level code (or alias) or a state name; stage levels may be written as numbers."""


class Comparison(Model):
    """A condition by comparison or negation (one of the fields)."""

    at_least: Value | None = None
    """This level or better (scale inputs only)."""
    at_most: Value | None = None
    """This level or worse (scale inputs only)."""
    not_: Value | list[Value] | None = Field(default=None, alias="not")
    """Anything but these values."""


Condition = Value | list[Value] | Comparison
"""What one input must be for a rule to match."""


class TableInput(Model):
    """One column of the table: what the rule set reads."""

    name: Id
    """The input's name, e.g. ``planning``; the engine provides it by that name."""
    title: str = ""
    scale: Id | None = None
    """The scale whose levels the input takes (ordered)."""
    states: list[Text] | None = Field(default=None, max_length=MAX_STATES)
    """The named states the input takes (unordered), if it has no scale."""


class TableRule(Model):
    """One row: when the conditions hold, the output level."""

    id: Id
    when: dict[str, Condition] = Field(default_factory=dict)
    then: Value
    """A level of the output scale."""
    because: Text
    """One sentence saying why, shown in the judgment's trail."""
    flags: list[Id] = Field(default_factory=list)
    """Flags this rule raises when it decides (e.g. ``insufficient-evidence``)."""


class Output(Model):
    name: Id = "likelihood"
    scale: Id = "delivery"


class RuleSet(Model):
    """A versioned decision table."""

    kind: Literal["RuleSet"]
    schema_version: SchemaVersion
    id: Id
    version: Version
    title: Text
    description: str = ""
    output: Output = Field(default_factory=Output)
    hit_policy: Literal["unique", "first", "priority", "collect"]
    aggregate: Literal["worst", "best"] | None = None
    """For ``collect`` and ``priority``: which matching output wins (default ``worst``)."""
    inputs: list[TableInput] = Field(min_length=1, max_length=MAX_INPUTS)
    rules: list[TableRule] = Field(min_length=1, max_length=MAX_RULES)

    @model_validator(mode="after")
    def _check(self, info: ValidationInfo) -> RuleSet:
        context: Mapping[str, Any] = info.context if isinstance(info.context, Mapping) else {}
        scales: Mapping[str, Scale] = context.get("scales", {})
        if self.aggregate is not None and self.hit_policy not in ("collect", "priority"):
            raise invalid("no 'aggregate' for hit policy " + repr(self.hit_policy),
                          repr(self.aggregate), path=("aggregate",))
        if self.output.scale not in scales:
            raise invalid(f"a registered scale ({', '.join(sorted(scales)) or 'none'})",
                          repr(self.output.scale), path=("output", "scale"))
        out_scale = scales[self.output.scale]
        domains: dict[str, tuple[Scale | None, list[str]]] = {}
        unique_ids(self.inputs, "inputs", "input names unique", key="name")
        for i, table_input in enumerate(self.inputs):
            path = ("inputs", i)
            if (table_input.scale is None) == (table_input.states is None):
                raise invalid("exactly one of 'scale' or 'states'",
                              "both" if table_input.scale else "neither", path=path)
            if table_input.scale is not None:
                if table_input.scale not in scales:
                    raise invalid(f"a registered scale ({', '.join(sorted(scales))})",
                                  repr(table_input.scale), path=(*path, "scale"))
                scale = scales[table_input.scale]
                domains[table_input.name] = (scale, [*scale.codes, NO_DATA])
            else:
                states = list(table_input.states or [])
                if len(set(states)) != len(states) or NO_DATA in states:
                    raise invalid(f"distinct states, not including {NO_DATA!r} (always allowed)",
                                  f"[{listed([repr(s) for s in states])}]", path=(*path, "states"))
                domains[table_input.name] = (None, [*states, NO_DATA])
        unique_ids(self.rules, "rules", "rule ids unique")
        for r, rule in enumerate(self.rules):
            path = ("rules", r)
            code = out_scale.resolve(rule.then)
            if code is None:
                raise invalid(f"a level of scale {out_scale.id!r} ({out_scale.describe_codes()})",
                              repr(rule.then), path=(*path, "then"))
            rule.then = code
            for name, condition in list(rule.when.items()):
                if name not in domains:
                    raise invalid(f"an input declared under 'inputs' ({listed(list(domains))})",
                                  repr(name), path=(*path, "when", name), on_key=True)
                rule.when[name] = _normalise(condition, *domains[name], (*path, "when", name))
        return self

    def domain(self, name: str, scales: Mapping[str, Scale]) -> list[str]:
        """Every value input ``name`` can take, levels in scale order, then ``no-data``."""
        table_input = next(i for i in self.inputs if i.name == name)
        if table_input.scale is not None:
            return [*scales[table_input.scale].codes, NO_DATA]
        return [*(table_input.states or []), NO_DATA]


def _normalise(condition: Condition, scale: Scale | None, domain: list[str],
               path: tuple[str | int, ...]) -> list[Value]:
    """The condition as the sorted list of domain values it allows."""

    known = set(domain)

    def value(raw: Value, where: tuple[str | int, ...]) -> str:
        if str(raw) == NO_DATA:
            return NO_DATA
        code = scale.resolve(raw) if scale is not None else (str(raw) if str(raw) in known else None)
        if code is None:
            raise invalid(f"one of {listed(domain)}", repr(raw), path=where)
        return code

    if isinstance(condition, Comparison):
        given = [k for k in ("at_least", "at_most", "not_") if getattr(condition, k) is not None]
        if len(given) != 1:
            raise invalid("exactly one of at_least, at_most or not", ", ".join(given) or "none", path=path)
        if given[0] == "not_":
            raw = condition.not_
            excluded = {value(v, (*path, "not", i)) for i, v in enumerate(raw)} if isinstance(raw, list) \
                else {value(raw, (*path, "not"))}  # type: ignore[arg-type]
            return [v for v in domain if v not in excluded]
        if scale is None:
            raise invalid("a comparison only on an input with a scale", "an input with states", path=path)
        key = "at_least" if given[0] == "at_least" else "at_most"
        bound = value(getattr(condition, given[0]), (*path, key))
        if bound == NO_DATA:
            raise invalid("a level to compare with", repr(NO_DATA), path=(*path, key))
        rank = scale.rank(bound)
        return [c for c in scale.codes if (scale.rank(c) <= rank if key == "at_least" else scale.rank(c) >= rank)]
    if isinstance(condition, list):
        if not condition:
            raise invalid("at least one value", "an empty list", path=path)
        allowed = {value(v, (*path, i)) for i, v in enumerate(condition)}
        return [v for v in domain if v in allowed]
    return [value(condition, path)]
