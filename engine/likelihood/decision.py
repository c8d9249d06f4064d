"""Decision tables compiled once, evaluated without ``eval``, and checked exhaustively.

Compiling turns each (input, value) into a bitmask of the rules that allow it; the rules matching
an input tuple are the AND of one mask per input. Results are memoised per distinct tuple, so a
batch of 100,000 priorities costs a few dictionary lookups each.

A rule set is anything with ``id``, ``version``, ``title``, ``inputs`` (names) and
``decide(values: Mapping[str, str]) -> Decision``; :class:`CompiledTable` is the data-driven one,
and plugins may register Python ones.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Protocol, runtime_checkable

from stocktake.core.boundary import PASS_THROUGH, describe, shown
from stocktake.judgment.scale import Scale
from stocktake.likelihood.result import Change, WhatWouldChange, shape
from stocktake.likelihood.ruleset import NO_DATA, RuleSet, listed

__all__ = ["ADVANCES_ONLY", "DEADLINE_STATES", "FEATURES", "FIXED_AFTER_DEADLINE", "NOT_ACTIONS", "CheckReport",
           "CompiledTable", "Decision", "RuleSetLike", "check_compatible", "check_table", "checked_decision",
           "decide_checked", "decide_remembered", "provided_domain", "rule_reads", "what_would_change"]

OFF_TRACK_STATES = ["none", "one", "two-or-more"]
DEADLINE_STATES = ["met", "open", "missed"]
"""Before the target date ``open``; after it, the actual at the target date (or the first after it)
``met`` the target or ``missed`` it (``no-data``: no such actual by the assessment date). Best first: met, then open
(the outcome still to come), then missed."""

FEATURES: dict[str, tuple[str, Any]] = {
    "challenge": ("scale", "challenge"),
    "planning": ("scale", "delivery"),
    "capacity": ("scale", "delivery"),
    "stage": ("scale", "stage"),
    "performance": ("scale", "delivery"),
    "indicators": ("scale", "delivery"),
    "off_track": ("states", OFF_TRACK_STATES),
    "trajectory": ("states", ["above", "within", "below"]),
    "deadline": ("states", DEADLINE_STATES),
}
"""The inputs the engine provides to rule sets, and the scale or states each takes (states best
first, as the monotonicity checks read them)."""

FIXED_AFTER_DEADLINE = ("performance", "off_track", "trajectory", "deadline", "indicators")
"""The inputs measured over time: after the target date they can no longer change (see
:func:`what_would_change`)."""

NOT_ACTIONS = ("deadline",)
"""Inputs "what would change it" never offers a change of: whether the target was met is an outcome
that comes with its date, not something anyone can change before it (or after)."""

ADVANCES_ONLY = ("stage",)
"""Inputs that only move forward (the stage of delivery: delivery is not moved back to earn a
level): "what would change it" offers only a later stage, listed first in the scale."""


def provided_domain(name: str, scales: Mapping[str, Scale],
                    features: Mapping[str, tuple[str, Any]] = FEATURES) -> list[str]:
    """Every value the engine gives input ``name`` (of ``features``, by default the likelihood
    rule sets'): its scale's levels or its states, then ``no-data``."""
    kind, spec = features[name]
    return [*scales[spec].codes, NO_DATA] if kind == "scale" else [*spec, NO_DATA]



MAX_ENUMERATION = 1_000_000
"""Largest input space ``check_table`` enumerates (about ten seconds)."""
MAX_CHECK_WORK = 50_000_000
"""Largest number of input combinations times rules ``check_table`` takes on (each combination
is matched against every rule; about ten seconds)."""


@dataclass(frozen=True)
class Decision:
    """What a rule set decided for one set of input values."""

    level: str | None
    """A level of the output scale, or None if no level could be formed."""
    rules: tuple[str, ...]
    """Ids of the rules that decided (for collect/priority: those giving the winning level)."""
    matched: tuple[str, ...] = ()
    """Ids of every rule that matched, in table order."""
    because: str = ""
    flags: tuple[str, ...] = ()
    problem: str | None = None
    """Why no level was formed (no rule matched; several matched under 'unique')."""


def checked_decision(decision: Any, scale: Scale) -> tuple[Decision, str | None]:
    """What a rule set's ``decide`` returned, and why a judgment cannot use it (None if it can):
    not a well-formed :class:`Decision` (then an empty one is returned in its place), a decision
    with a problem, or a level not on ``scale``."""
    problem = _shape_problem(decision)
    if problem is not None:
        return Decision(None, ()), problem
    if decision.problem:
        return decision, decision.problem
    if decision.level not in scale.codes:
        return decision, f"returned level {shown(decision.level)}, not one of {scale.describe_codes()}"
    return decision, None


def decide_checked(ruleset: Any, values: Mapping[str, str], scale: Scale) -> tuple[Decision, str | None]:
    """``ruleset.decide(values)`` checked by :func:`checked_decision` against ``scale``; a rule set
    that raises (a plugin's bug, even an exit) gives an empty decision and says what it raised, so
    one priority's failure never aborts the assessment."""
    try:
        return checked_decision(ruleset.decide(values), scale)
    except PASS_THROUGH:
        raise
    except BaseException as err:
        return Decision(None, ()), f"raised {describe(err)}"


def decide_remembered(ruleset: Any, values: Mapping[str, str], scale: Scale,
                      memo: dict[tuple[object, ...], tuple[Decision, str | None]]) -> tuple[Decision, str | None]:
    """:func:`decide_checked`, remembered in ``memo`` for a decision table: its decision is a pure
    function of its inputs' values, which are finite, so it is decided and checked once per
    combination (a large batch repeats them). Python rule sets are asked every time."""
    if isinstance(ruleset, CompiledTable):
        try:
            key = ruleset.key(values)
        except KeyError:  # an input missing: decided (and refused) below, as for any rule set
            pass
        else:
            found = memo.get(key)
            if found is None:
                found = memo[key] = decide_checked(ruleset, values, scale)
            return found
    return decide_checked(ruleset, values, scale)


def rule_reads(ruleset: Any, rule_id: str) -> list[str]:
    """The inputs rule ``rule_id`` of ``ruleset`` reads: those its ``when`` names, for a decision
    table; every input, for a Python rule set (it does not say)."""
    if isinstance(ruleset, CompiledTable):
        return list(ruleset.reads[rule_id])
    return list(ruleset.inputs)


def _shape_problem(decision: Any) -> str | None:
    if not isinstance(decision, Decision):
        return f"returned {type(decision).__name__}, not a Decision"
    for name in ("rules", "matched", "flags"):
        value = getattr(decision, name)
        if not isinstance(value, (tuple, list)) or not all(isinstance(x, str) for x in value):
            return f"returned a decision whose {name} is {shown(value)}, not a tuple of texts"
    if not isinstance(decision.because, str):
        return f"returned a decision whose because is {shown(decision.because)}, not text"
    if decision.problem is not None and not isinstance(decision.problem, str):
        return f"returned a decision whose problem is {shown(decision.problem)}, not text"
    return None


@runtime_checkable
class RuleSetLike(Protocol):
    """The contract of a rule set, data-driven or Python."""

    id: str
    version: str
    title: str
    description: str
    output_scale: str

    @property
    def inputs(self) -> Sequence[str]:
        """The names of the inputs ``decide`` reads, in order."""
        ...

    def decide(self, values: Mapping[str, str]) -> Decision:
        """Decide from ``values`` (one value per input name; levels as codes, or ``no-data``)."""
        ...


class CompiledTable:
    """A :class:`RuleSet` compiled for fast, code-free evaluation."""

    def __init__(self, ruleset: RuleSet, scales: Mapping[str, Scale]) -> None:
        self.ruleset = ruleset
        self.id = ruleset.id
        self.version = ruleset.version
        self.title = ruleset.title
        self.description = ruleset.description
        self.inputs = tuple(i.name for i in ruleset.inputs)
        self.output_scale = ruleset.output.scale
        self.domains = {name: ruleset.domain(name, scales) for name in self.inputs}
        self._scale = scales[ruleset.output.scale]
        self._masks = [_value_masks(ruleset.rules, name, self.domains[name]) for name in self.inputs]
        self._rules = ruleset.rules
        self._ranks = [self._scale.rank(str(rule.then)) for rule in ruleset.rules]
        self._memo: dict[tuple[str, ...], Decision] = {}
        self._key = _key_of(self.inputs)
        self.reads: dict[str, tuple[str, ...]] = {}
        """The inputs each rule's ``when`` names, by rule id (the first rule of an id)."""
        for rule in ruleset.rules:
            self.reads.setdefault(rule.id, tuple(rule.when))

    def match(self, values: Sequence[str]) -> int:
        """Bitmask of the rules matching ``values`` (in input order)."""
        mask = -1
        for masks, value in zip(self._masks, values):
            mask &= masks[value]
        return mask

    def key(self, values: Mapping[str, str]) -> tuple[str, ...]:
        """The values of the table's inputs, in order: what its decision depends on (KeyError if
        one is missing)."""
        key: tuple[str, ...] = self._key(values)
        return key

    def decide(self, values: Mapping[str, str]) -> Decision:
        key = self._key(values)
        found = self._memo.get(key)
        if found is None:
            for name, value in zip(self.inputs, key):
                if value not in self.domains[name]:
                    raise ValueError(f"input {name!r} has no value {value!r} in rule set {self.id!r}")
            found = self._memo[key] = self._decide(key)
        return found

    def _decide(self, key: tuple[str, ...]) -> Decision:
        matched = _bits(self.match(key))
        ids = tuple(self._rules[i].id for i in matched)
        policy = self.ruleset.hit_policy
        if not matched:
            return Decision(None, (), (), "", (), "no rule matches these inputs")
        if policy == "unique" and len(matched) > 1:
            return Decision(None, (), ids, "", (), f"rules {', '.join(ids)} all match under hit policy 'unique'")
        if policy in ("unique", "first"):
            deciding = [matched[0]]
        else:
            pick = max if (self.ruleset.aggregate or "worst") == "worst" else min
            winner = pick(self._ranks[i] for i in matched)
            deciding = [i for i in matched if self._ranks[i] == winner]
            if policy == "priority":
                deciding = deciding[:1]
        level = str(self._rules[deciding[0]].then)
        because = " ".join(self._rules[i].because for i in deciding)
        flags = tuple(sorted({f for i in deciding for f in self._rules[i].flags}))
        return Decision(level, tuple(self._rules[i].id for i in deciding), ids, because, flags)


def _value_masks(rules: Sequence[Any], name: str, domain: list[str]) -> dict[str, int]:
    """Each value of input ``name`` -> the bitmask of the rules that allow it (bit ``i`` is rule
    ``i``; a rule that does not name the input allows every value). Built from bytes in one pass
    over the rules, so compiling is linear in the table's size (shifting and masking a Python int
    per rule and value was quadratic in the number of rules)."""
    size = len(rules) // 8 + 1
    allows = {value: bytearray(size) for value in domain}
    for bit, rule in enumerate(rules):
        byte, flag = bit >> 3, 1 << (bit & 7)
        allowed = rule.when.get(name)
        for value in (allows if allowed is None else allowed):
            allows[value][byte] |= flag
    return {value: int.from_bytes(allows[value], "little") for value in domain}


def _bits(mask: int) -> list[int]:
    """The positions of the set bits of ``mask``, lowest first (linear in its length)."""
    return [i for i, bit in enumerate(bin(mask)[:1:-1]) if bit == "1"]


def _key_of(names: tuple[str, ...]) -> Any:
    """A function from a mapping to the tuple of its values at ``names``."""
    if len(names) > 1:
        return itemgetter(*names)
    return lambda values: tuple(values[name] for name in names)


def check_compatible(ruleset: Any, scales: Mapping[str, Scale],
                     features: Mapping[str, tuple[str, Any]] = FEATURES) -> str | None:
    """Why the engine cannot feed ``ruleset`` from ``features`` (by default the likelihood rule
    sets'), or None if it can."""
    for name in ruleset.inputs:
        if name not in features:
            return f"reads input {name!r}, which the engine does not provide (it provides: {', '.join(features)})"
        if isinstance(ruleset, CompiledTable):
            wanted = provided_domain(name, scales, features)
            if ruleset.domains[name] != wanted:
                declared, given = (listed([repr(v) for v in values]) for values in (ruleset.domains[name], wanted))
                return f"declares input {name!r} as [{declared}], but the engine gives [{given}]"
    if ruleset.output_scale not in scales:
        return f"outputs scale {ruleset.output_scale!r}, which is not registered"
    return None



_CHANGES, _CHANGE = shape(WhatWouldChange), shape(Change)


def what_would_change(ruleset: Any, values: Mapping[str, str], level: str | None, scale: Scale,
                      domain: Callable[[str], list[str]], fixed: Collection[str] = ()) -> dict[str, Any]:
    """For one level up and one level down: the change of a single input, smallest first, that
    moves the judgment exactly there (as :class:`WhatWouldChange` data); ``domain(name)`` gives
    each input's values in order, and the inputs in ``fixed`` (those that can no longer change:
    :data:`FIXED_AFTER_DEADLINE` after the deadline) are never changed, nor are :data:`NOT_ACTIONS`;
    :data:`ADVANCES_ONLY` inputs move forward only. Stating missing data counts as a step of one;
    no level, no change."""
    if level is None:
        return dict(_CHANGES, up=None, down=None)
    current = scale.rank(level)
    best: dict[str, tuple[tuple[int, int, int], dict[str, str]]] = {}
    for order, name in enumerate(ruleset.inputs):
        if name in fixed or name in NOT_ACTIONS:
            continue
        values_of = domain(name)
        now = values[name]
        for alternative in values_of:
            if alternative in (now, NO_DATA):
                continue
            if name in ADVANCES_ONLY and now != NO_DATA and values_of.index(alternative) > values_of.index(now):
                continue
            distance = 1 if now == NO_DATA else abs(values_of.index(alternative) - values_of.index(now))
            try:
                outcome = ruleset.decide({**values, name: alternative})
            except PASS_THROUGH:
                raise
            except BaseException:  # SystemExit too: a failing rule set only tells us nothing here
                continue
            if not isinstance(outcome, Decision) or outcome.level not in scale.codes:
                continue
            step = current - scale.rank(outcome.level)
            direction = "up" if step == 1 else "down" if step == -1 else None
            if direction is None:
                continue
            key = (distance, order, values_of.index(alternative))
            if direction not in best or key < best[direction][0]:
                best[direction] = (key, dict(_CHANGE, input=name, from_value=now, to_value=alternative,
                                                result=outcome.level))
    return dict(_CHANGES, up=best["up"][1] if "up" in best else None, down=best["down"][1] if "down" in best else None)



@dataclass
class CheckReport:
    """What an exhaustive check of a decision table found."""

    ruleset: str
    combinations: int
    gaps: int = 0
    gap_examples: list[dict[str, str]] = field(default_factory=list)
    overlaps: int = 0
    overlap_examples: list[dict[str, Any]] = field(default_factory=list)
    never_match: list[str] = field(default_factory=list)
    never_decide: list[str] = field(default_factory=list)
    """Rules that match somewhere but never determine the output (shadowed)."""
    outputs: dict[str, int] = field(default_factory=dict)
    """How many input combinations give each output level."""

    @property
    def ok(self) -> bool:
        return not (self.gaps or self.overlaps or self.never_match or self.never_decide)


def check_table(table: CompiledTable, *, examples: int = 5) -> CheckReport:
    """Enumerate every combination of input values and report gaps, overlaps and dead rules."""
    sizes = [len(table.domains[name]) for name in table.inputs]
    total = 1
    for size in sizes:
        total *= size
    if total > MAX_ENUMERATION:
        raise ValueError(f"{total:,} input combinations: more than {MAX_ENUMERATION:,} to enumerate")
    rules = table.ruleset.rules
    if total * len(rules) > MAX_CHECK_WORK:
        raise ValueError(f"{total:,} input combinations times {len(rules):,} rules: more than "
                         f"{MAX_CHECK_WORK:,} matches to check")
    report = CheckReport(table.id, total)
    ever_matched = 0
    ever_decided: set[str] = set()
    for combo in itertools.product(*(table.domains[name] for name in table.inputs)):
        mask = table.match(combo)
        ever_matched |= mask
        if not mask:
            report.gaps += 1
            if len(report.gap_examples) < examples:
                report.gap_examples.append(dict(zip(table.inputs, combo)))
            continue
        decision = table._decide(combo)
        if decision.problem and table.ruleset.hit_policy == "unique":
            report.overlaps += 1
            if len(report.overlap_examples) < examples:
                report.overlap_examples.append({"inputs": dict(zip(table.inputs, combo)),
                                                "rules": list(decision.matched)})
            continue
        ever_decided.update(decision.rules)
        if decision.level is not None:
            report.outputs[decision.level] = report.outputs.get(decision.level, 0) + 1
    matched = set(_bits(ever_matched))
    report.never_match = [r.id for i, r in enumerate(rules) if i not in matched]
    report.never_decide = [r.id for i, r in enumerate(rules) if i in matched and r.id not in ever_decided]
    report.outputs = {code: report.outputs[code] for code in table._scale.codes if code in report.outputs}
    return report

