"""Classifying a priority's problems by severity (module 4B: "from increased scrutiny to full-blown
crisis management"): a judgment of its own, on the ``severity`` scale, decided by a rule set
(default ``severity-default``) from what the likelihood judgment already worked out.

The classifier's inputs (:data:`SEVERITY_FEATURES`) are the priority's likelihood (the agreed level
where there is one), its movement, its off-track actuals, its missed milestones, its overdue actions
and its delivery chain. It runs after the likelihood judgment, in
:func:`stocktake.likelihood.judge.priority_data`, the one place the explained and the JSON Lines
paths both go through. Without a likelihood level there is nothing to classify: not rated, flagged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from stocktake.core.errors import UsageError
from stocktake.hooks.registry import Origin
from stocktake.judgment.envelope import PluginFailure
from stocktake.judgment.model import Input, Judgment, RuleRef
from stocktake.judgment.scale import Scale
from stocktake.likelihood.decision import (
    DEADLINE_STATES,
    OFF_TRACK_STATES,
    CompiledTable,
    Decision,
    check_compatible,
    decide_remembered,
    provided_domain,
    rule_reads,
    what_would_change,
)
from stocktake.likelihood.features import flag
from stocktake.likelihood.model import Action, Milestone, Priority
from stocktake.likelihood.result import RuleSetUsed, SeverityResult, shape
from stocktake.likelihood.ruleset import NO_DATA

__all__ = ["COUNT_STATES", "SEVERITY_FEATURES", "SeverityRun", "likelihood_read", "missed_milestones",
           "overdue_actions", "severity_data", "severity_run", "severity_values", "so_what"]

COUNT_STATES = OFF_TRACK_STATES
"""How many of something (missed milestones, overdue actions), as the classifier reads it."""

SEVERITY_FEATURES: dict[str, tuple[str, Any]] = {
    "likelihood": ("scale", "delivery"),
    "movement": ("states", ["up", "same", "down"]),
    "off_track": ("states", OFF_TRACK_STATES),
    "deadline": ("states", DEADLINE_STATES),
    "milestones_missed": ("states", COUNT_STATES),
    "actions_overdue": ("states", COUNT_STATES),
    "chain": ("scale", "delivery"),
}
"""The inputs the engine provides to severity rule sets, and the scale or states each takes."""


def missed_milestones(milestones: Sequence[Milestone], as_of: dt.date) -> list[Milestone]:
    """The milestones due before ``as_of`` and not done by then (one due on the day is not yet missed)."""
    return [m for m in milestones if m.due < as_of and (m.done is None or m.done > as_of)]


def overdue_actions(actions: Sequence[Action], as_of: dt.date) -> list[Action]:
    """The open actions due before ``as_of`` (one due on the day is not yet overdue)."""
    return [a for a in actions if a.status == "open" and a.due < as_of]


@dataclass(frozen=True)
class SeverityRun:
    """What priorities' severity is classified with."""

    ruleset: Any
    origin: Origin
    used: RuleSetUsed
    scale: Scale
    scales: Mapping[str, Scale]
    changes: dict[tuple[object, ...], dict[str, Any]] = field(default_factory=dict, compare=False, repr=False)
    """What would change each combination of inputs, for decision tables (see ``JudgingRun.changes``)."""
    decisions: dict[tuple[object, ...], tuple[Decision, str | None]] = field(default_factory=dict, compare=False,
                                                                             repr=False)
    """The checked decision of a decision table for each combination of its inputs (see ``JudgingRun.decisions``)."""

    def domain(self, name: str) -> list[str]:
        return provided_domain(name, self.scales, SEVERITY_FEATURES)


def severity_run(ruleset: Any, origin: Origin, sha: str | None, scales: Mapping[str, Scale]) -> SeverityRun:
    """The run for the severity rule set ``ruleset``; :class:`UsageError` if the engine cannot feed it
    (it reads inputs only likelihood rule sets get, say) or it does not output the severity scale."""
    problem = check_compatible(ruleset, scales, SEVERITY_FEATURES)
    if problem is None and ruleset.output_scale != "severity":
        problem = f"outputs scale {ruleset.output_scale!r}, not 'severity'"
    if problem is not None:
        raise UsageError(f"severity rule set {ruleset.id!r} cannot be used: it {problem}")
    used = RuleSetUsed.of(ruleset, origin, sha)
    return SeverityRun(ruleset, origin, used, scales[ruleset.output_scale], scales)


def likelihood_read(likelihood: Mapping[str, Any], delivery: Scale) -> str | None:
    """The likelihood the classifier reads from the judgment data: the level that stands, or the
    computed one where an agreed level is better. An agreement is the joint judgment of the
    likelihood, but the problems the evidence shows still call for their response."""
    rating, computed = likelihood["rating"], likelihood["computed"]
    if rating in delivery.codes and computed in delivery.codes and delivery.rank(computed) > delivery.rank(rating):
        return str(computed)
    return rating  # type: ignore[no-any-return]


def _chain_level(priority: Priority, analysed: tuple[str | None, str] | None) -> str:
    """The chain's level: its analysis where one was given (what the chain is found to be), else
    the team's rating of the capacity sub-criterion ``delivery-chain``, else no-data."""
    if analysed is not None:
        return analysed[0] or NO_DATA
    capacity = priority.ratings.capacity
    criterion = capacity.criteria.get("delivery-chain") if capacity is not None else None
    return criterion.level if criterion is not None else NO_DATA


def severity_values(priority: Priority, as_of: dt.date, likelihood: str | None, movement: str,
                    measured: Mapping[str, str], chain: tuple[str | None, str] | None = None, *,
                    missed: Sequence[Milestone] | None = None,
                    overdue: Sequence[Action] | None = None) -> dict[str, str]:
    """The classifier's input values. No milestones recorded is ``no-data`` (the plan's dates are
    unknown); no actions is ``none`` (nothing agreed is overdue). ``missed`` and ``overdue``: the
    priority's missed milestones and overdue actions, if already found."""
    if missed is None:
        missed = missed_milestones(priority.milestones, as_of)
    if overdue is None:
        overdue = overdue_actions(priority.actions, as_of)
    return {
        "likelihood": likelihood or NO_DATA,
        "movement": NO_DATA if movement == "new" else movement,
        "off_track": measured["off_track"],
        "deadline": measured["deadline"],
        "milestones_missed": COUNT_STATES[min(len(missed), 2)] if priority.milestones else NO_DATA,
        "actions_overdue": COUNT_STATES[min(len(overdue), 2)],
        "chain": _chain_level(priority, chain),
    }


_SEVERITY, _JUDGMENT, _INPUT, _RULE = (shape(m) for m in (SeverityResult, Judgment, Input, RuleRef))


def _notes(priority: Priority, likelihood: Mapping[str, Any], chain: tuple[str | None, str] | None,
           delivery: Scale, missed: Sequence[Milestone], overdue: Sequence[Action]) -> dict[str, str]:
    return {
        "likelihood": ("the computed level" if not likelihood["override"]
                       else "the agreed level" if likelihood_read(likelihood, delivery) == likelihood["rating"]
                       else f"the computed level: the agreed {likelihood['rating']} does not hide what the "
                            "evidence shows"),
        "movement": "since the previous judgment",
        "off_track": "consecutive latest actuals below the band",
        "deadline": "the target's outcome once its date has passed",
        "milestones_missed": ("; ".join(f"{m.name} (due {m.due})" for m in missed) if missed
                              else f"none of {len(priority.milestones)} missed" if priority.milestones
                              else "no milestones recorded"),
        "actions_overdue": ("; ".join(f"{a.text} ({a.owner}, due {a.due})" for a in overdue) if overdue
                            else f"none of {len(priority.actions)} overdue"),
        "chain": f"the analysis of chain {chain[1]}" if chain is not None
                 else "the delivery-chain sub-criterion of capacity",
    }


def so_what(priority: Priority, as_of: dt.date, run: SeverityRun | None, likelihood: Mapping[str, Any],
            movement: str, measured: Mapping[str, str], chain: tuple[str | None, str] | None,
            failures: list[PluginFailure], *, settled: bool = False) -> dict[str, Any]:
    """The fields of a priority's result that follow its likelihood: ``severity`` (see
    :func:`severity_data`; None without a classifier), its ``actions``, ``milestones`` and
    ``commentary`` as plain data."""
    return {
        "severity": None if run is None else severity_data(priority, as_of, run, likelihood, movement, measured, chain,
                                                           failures, settled=settled),
        "actions": [a.model_dump(mode="json") for a in priority.actions],
        "milestones": [m.model_dump(mode="json") for m in priority.milestones],
        "commentary": priority.commentary,
    }


def severity_data(priority: Priority, as_of: dt.date, run: SeverityRun, likelihood: Mapping[str, Any],
                  movement: str, measured: Mapping[str, str], chain: tuple[str | None, str] | None,
                  failures: list[PluginFailure], *, settled: bool = False) -> dict[str, Any]:
    """One priority's :class:`SeverityResult` as plain data (see ``priority_data``), from its
    likelihood :class:`Judgment` data, movement and ``measured`` inputs (off_track, deadline). A rule set that fails is
    appended to ``failures``."""
    ruleset = run.ruleset
    missed, overdue = missed_milestones(priority.milestones, as_of), overdue_actions(priority.actions, as_of)
    values = severity_values(priority, as_of, likelihood_read(likelihood, run.scales["delivery"]), movement,
                             measured, chain, missed=missed, overdue=overdue)
    notes = _notes(priority, likelihood, chain, run.scales["delivery"], missed, overdue)
    inputs = [dict(_INPUT, name=name, value=None if values[name] == NO_DATA else values[name], role="severity",
                   evidence=[], note=notes.get(name, "")) for name in ruleset.inputs]
    trail = ["inputs: " + ", ".join(f"{name} {values[name]}" for name in ruleset.inputs)]
    flags: list[dict[str, str]] = []
    decision, problem = Decision(None, ()), None
    if likelihood["rating"] is None:
        flags.append(flag("likelihood-not-rated",
                          message="The likelihood has no level, so the severity cannot be classified."))
        because = "Not classified: the likelihood judgment has no level."
    else:
        decision, problem = decide_remembered(ruleset, values, run.scale, run.decisions)
        if problem is not None:
            failures.append(PluginFailure.of(run.origin, f"severity rule set {ruleset.id!r} on {priority.id!r}",
                                             problem))
            flags.append(flag("rule-set-failed",
                              message=f"The severity rule set {ruleset.id!r} failed: {problem}."))
            decision, because = Decision(None, ()), f"The severity rule set could not decide: {problem}."
        else:
            read = {name for rid in decision.rules for name in rule_reads(ruleset, rid)}
            because = " ".join([decision.because, *(f"{name}: {notes[name]}." for name in _QUOTED_IN_BECAUSE
                                                     if name in read and name in notes)])
            trail.append(f"rule set {ruleset.id} {ruleset.version}: matched {', '.join(decision.matched) or 'none'}; "
                         f"decided by {', '.join(decision.rules)}: {decision.level}. {decision.because}")
            flags += [flag(code, _FLAG_TEXT.get(code, code)) for code in decision.flags]
    level = decision.level
    judgment = dict(
        _JUDGMENT, subject=f"priority:{priority.id}", title=priority.title, scale=run.scale.id,
        state="rated" if level else "not-rated", rating=level, computed=level, override=None,
        rule=dict(_RULE, plugin=run.used.plugin, id=run.used.id, version=run.used.version),
        decided_by=list(decision.rules), because=because, inputs=inputs, evidence=[], flags=flags, trail=trail)
    return dict(_SEVERITY, judgment=judgment, what_would_change=_changes(run, values, level, settled))


_QUOTED_IN_BECAUSE = ("milestones_missed", "actions_overdue")
"""Inputs whose note names what they count; ``because`` quotes them when a deciding rule reads them."""

SEVERITY_HISTORY = ("movement",)
"""Severity inputs that are history, not something to act on: never offered as a change."""
SEVERITY_SETTLED = ("likelihood", "off_track", "deadline")
"""Severity inputs that can no longer change once the target date has passed (``settled``)."""


def _changes(run: SeverityRun, values: Mapping[str, str], level: str | None, settled: bool) -> dict[str, Any]:
    ruleset = run.ruleset
    fixed = SEVERITY_HISTORY + (SEVERITY_SETTLED if settled else ())
    if level is None or not isinstance(ruleset, CompiledTable):
        return what_would_change(ruleset, values, level, run.scale, run.domain, fixed)
    key = (ruleset.key(values), level, settled)
    return run.changes.get(key) or run.changes.setdefault(
        key, what_would_change(ruleset, values, level, run.scale, run.domain, fixed))


_FLAG_TEXT = {"insufficient-evidence": "Insufficient evidence: data the classifier reads is missing, so the "
                                       "severity is at least increased scrutiny."}
