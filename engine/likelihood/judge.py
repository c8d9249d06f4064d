"""Judging priorities' likelihood of delivery.

For each priority: analyse the trajectory, turn ratings and analysis into the rule set's inputs
(``no-data`` where there is none), let the rule set decide, apply an agreed judgment as an
override, say what single change would move the judgment a level up or down, and record the trail.
A rule set that fails on a priority becomes a failure naming its plugin; the rest stands. One path:
:func:`~stocktake.likelihood.features.derive` alone works out a priority's features and inputs;
:func:`priority_data` (explained) and :func:`decide_levels` (bulk, unexplained) both call it and
decide through :func:`_decide`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, NamedTuple, Protocol

from stocktake.core.errors import UsageError
from stocktake.hooks.registry import Origin
from stocktake.judgment.envelope import InputFile, PluginFailure
from stocktake.judgment.evidence import Evidence, dating_problems
from stocktake.judgment.model import Judgment, Override, RuleRef
from stocktake.judgment.scale import Scale
from stocktake.likelihood.decision import (
    FEATURES,
    FIXED_AFTER_DEADLINE,
    CompiledTable,
    Decision,
    check_compatible,
    decide_remembered,
    provided_domain,
    rule_reads,
    what_would_change,
)
from stocktake.likelihood.features import Derived, deadline_state, derive, flag
from stocktake.likelihood.model import CATEGORY_ITEMS, DeliveryAssessment, Priority
from stocktake.likelihood.result import (
    DeliveryAssessmentResult,
    PriorityResult,
    RuleSetUsed,
    TrajectoryCheck,
    TrajectorySummary,
    assemble,
    shape,
)
from stocktake.likelihood.ruleset import NO_DATA
from stocktake.likelihood.severity import SeverityRun, severity_run, so_what
from stocktake.likelihood.trajectory import Analysis
from stocktake.rubric.model import Rubric

__all__ = ["FEATURES", "Derived", "JudgingRun", "LevelOnly", "RuleSource", "deadline_state", "decide_levels", "derive",
           "judge_assessment", "judge_priority", "judging_run", "priority_data", "stream_run"]


@dataclass(frozen=True)
class JudgingRun:
    """What an assessment is judged with."""

    ruleset: Any
    origin: Origin
    used: RuleSetUsed
    rubric: Rubric
    scales: Mapping[str, Scale]
    inputs: tuple[InputFile, ...] = ()
    previous: Mapping[str, str] = field(default_factory=dict)
    """Previous levels by priority id (from ``--previous``), used where a priority has none."""
    changes: dict[tuple[object, ...], dict[str, Any]] = field(default_factory=dict, compare=False, repr=False)
    """What would change each combination of inputs, for decision tables (a pure function of
    the inputs, and a large batch repeats combinations). Python rule sets are asked every time."""
    decisions: dict[tuple[object, ...], tuple[Decision, str | None]] = field(default_factory=dict, compare=False,
                                                                             repr=False)
    """The checked decision of a decision table for each combination of its inputs (see :func:`_decide`)."""
    severity: SeverityRun | None = None
    """The severity classifier (None: priorities are not classified)."""
    chains: Mapping[str, tuple[str | None, str]] = field(default_factory=dict)
    """The analysed delivery chain of each priority that has one, by priority id: (its level, which
    chain); the severity classifier reads it over the team's rating of the chain."""

    def domain(self, name: str) -> list[str]:
        return provided_domain(name, self.scales)

    @cached_property
    def read_categories(self) -> tuple[tuple[str, str], ...]:
        """(category, rubric item) of the categories the rule set reads."""
        return tuple((name, item) for name, item in CATEGORY_ITEMS.items() if name in self.ruleset.inputs)

    @cached_property
    def reads_indicators(self) -> bool:
        return "indicators" in self.ruleset.inputs


class RuleSource(Protocol):
    """What a judging run is made from: the facade's public look-ups."""

    def rule_set(self, name: str) -> tuple[Any, Origin, str | None]: ...

    def scales(self) -> dict[str, Scale]: ...

    def rubric(self, rubric_id: str, version: str | None = None) -> Any: ...


def judging_run(source: RuleSource, rules: str, rubric: Rubric,
                previous: Mapping[str, str] | None = None, severity_rules: str | None = None) -> JudgingRun:
    """Everything a judgment is made with: the rule set ``rules`` (checked against what the engine
    provides; :class:`UsageError` if it cannot be fed), who registered it, the likelihood rubric,
    previous levels and the severity rule set ``severity_rules`` (None: no classification)."""
    ruleset, origin, sha = source.rule_set(rules)
    scales = source.scales()
    problem = check_compatible(ruleset, scales)
    if problem is not None:
        raise UsageError(f"rule set {ruleset.id!r} cannot be used: it {problem}")
    used = RuleSetUsed.of(ruleset, origin, sha)
    severity = None if severity_rules is None else severity_run(*source.rule_set(severity_rules), scales)
    return JudgingRun(ruleset, origin, used, rubric, scales, (), previous or {}, severity=severity)


def stream_run(source: Callable[[], RuleSource], rules: str, rubric: tuple[str, str],
               previous: Mapping[str, str], severity_rules: str | None = None) -> tuple[JudgingRun, dict[str, Any]]:
    """The run a batch of priorities is judged with and the context its lines validate in, from
    the engine ``source()`` gives. Picklable through :func:`functools.partial` when ``source`` is
    (e.g. ``partial(Engine, **args)``), so a worker process can prepare the same run."""
    engine = source()
    found = engine.rubric(*rubric).rubric
    context = {"scales": engine.scales(), "rubric": found, "evidence_ids": set()}
    return judging_run(engine, rules, found, previous, severity_rules), context


def judge_assessment(doc: DeliveryAssessment, run: JudgingRun) -> DeliveryAssessmentResult:
    """Judge every priority of ``doc``."""
    failures: list[PluginFailure] = []
    register = {e.id: e for e in doc.evidence}
    results = [judge_priority(p, doc.date, run, failures, register) for p in doc.priorities]
    cited = sorted({ref for r in results for ref in r.judgment.evidence})
    evidence: dict[str, Evidence] = {e.id: e for e in doc.evidence if e.id in cited}
    return assemble(results, run.scales[run.ruleset.output_scale], run.used, list(run.inputs), failures,
                    period=doc.period, date=doc.date, title=doc.title, evidence=evidence,
                    severity_rules=run.severity.used if run.severity is not None else None)


# -- one priority: the decision, then the explained result or the bare level ------------------------


def _decide(ruleset: Any, values: Mapping[str, str], run: JudgingRun) -> tuple[Decision, str | None]:
    """The rule set's decision, and what went wrong if it gave none a judgment can use (see
    :func:`~stocktake.likelihood.decision.decide_remembered`)."""
    return decide_remembered(ruleset, values, run.scales[ruleset.output_scale], run.decisions)


# -- the explained result ----------------------------------------------------------------------------

# Every dict of the result is built as ``dict(_MODEL, field=value, ...)``: keys in the model's order.
_PRIORITY, _JUDGMENT = shape(PriorityResult), shape(Judgment)
_RULE, _OVERRIDE, _SUMMARY, _CHECK = shape(RuleRef), shape(Override), shape(TrajectorySummary), shape(TrajectoryCheck)


def judge_priority(priority: Priority, as_of: dt.date, run: JudgingRun, failures: list[PluginFailure],
                   evidence: Mapping[str, Evidence] | None = None) -> PriorityResult:
    """Judge one priority (see :func:`priority_data`)."""
    return PriorityResult.model_validate(priority_data(priority, as_of, run, failures, evidence))


def priority_data(priority: Priority, as_of: dt.date, run: JudgingRun, failures: list[PluginFailure],
                  evidence: Mapping[str, Evidence] | None = None) -> dict[str, Any]:
    """One priority's :class:`PriorityResult` as plain data, every dict built from the
    :func:`~stocktake.likelihood.result.shape` of its model (keys in the model's declared order,
    every field given): ``pydantic_core.to_json`` of it is the model's JSON (large batches write
    it without validating). A rule set that fails is appended to ``failures``. With the
    assessment's ``evidence`` by id, the evidence its ratings cite that is dated after ``as_of``
    or undated is flagged."""
    analysis, values, inputs, flags, derived = derive(priority, as_of, run, check=_check_data)
    ruleset = run.ruleset
    decision, problem = _decide(ruleset, values, run)
    trail = ["inputs: " + ", ".join(f"{name} {values[name]}" for name in ruleset.inputs),
             f"trajectory: {analysis.because}", *derived]
    if problem is not None:
        failures.append(PluginFailure.of(run.origin, f"rule set {ruleset.id!r} on {priority.id!r}", problem))
        decision = Decision(None, (), (), f"The rule set could not decide: {problem}.")
        flags.append(flag("rule-set-failed", f"The rule set {ruleset.id!r} failed: {problem}."))
    else:
        matched = ", ".join(decision.matched) or "none"
        trail.append(f"rule set {ruleset.id} {ruleset.version}: matched {matched}; decided by "
                     f"{', '.join(decision.rules)}: {decision.level}. {decision.because}")
        for code in decision.flags:
            flags.append(flag(code, _FLAG_TEXT.get(code, code)))
    judgment = _judgment(priority, run, decision, inputs, flags, trail)
    if evidence is not None:
        cited = [ref for name in CATEGORY_ITEMS for ref in inputs[name]["evidence"]]
        for code, message in dating_problems(cited, evidence, as_of, what="the assessment"):
            flags.append(flag(code, message))
    analysed = run.chains.get(priority.id)
    if analysed is not None:
        flags.extend(_chain_below_rating(priority, analysed, run.scales["delivery"]))
    scale = run.scales[ruleset.output_scale]
    previous = priority.previous.level if priority.previous is not None else run.previous.get(priority.id)
    rating = judgment["rating"]
    movement = "new"
    if previous is not None and rating is not None and previous in scale.codes:
        delta = scale.rank(previous) - scale.rank(rating)
        movement = "up" if delta > 0 else "down" if delta < 0 else "same"
    fixed = FIXED_AFTER_DEADLINE if analysis.target_passed else ()
    if problem is not None:
        change = what_would_change(ruleset, values, None, scale, run.domain)
    elif isinstance(ruleset, CompiledTable):
        key = (ruleset.key(values), decision.level, analysis.target_passed)  # what it reads, and what is fixed
        change = run.changes.get(key) or run.changes.setdefault(
            key, what_would_change(ruleset, values, decision.level, scale, run.domain, fixed))
    else:
        change = what_would_change(ruleset, values, decision.level, scale, run.domain, fixed)
    return dict(_PRIORITY, id=priority.id, title=priority.title, owner=priority.owner, judgment=judgment,
                trajectory=_summary(priority, analysis), what_would_change=change, previous=previous,
                movement=movement, **so_what(priority, as_of, run.severity, judgment, movement, values,
                                             run.chains.get(priority.id), failures, settled=analysis.target_passed))


def _judgment(priority: Priority, run: JudgingRun, decision: Decision, inputs: Mapping[str, dict[str, Any]],
              flags: list[dict[str, str]], trail: list[str]) -> dict[str, Any]:
    """The :class:`Judgment` data: the computed level, or the agreed one over it."""
    ruleset = run.ruleset
    read = {name for rid in decision.rules for name in rule_reads(ruleset, rid)} or set(ruleset.inputs)
    computed = decision.level
    state, rating, override = "rated" if computed else "not-rated", computed, None
    because = decision.because or "No level was formed."
    if decision.because:  # the measured inputs the deciding rules read say why, in numbers
        because = " ".join([because, *(f"{name} {inputs[name]['value'] or NO_DATA}: {inputs[name]['note']}"
                                       for name in ruleset.inputs if name in read and name in _QUOTED_IN_BECAUSE
                                       and inputs[name]["note"] and inputs[name]["value"] != "open")])
    if priority.agreed is not None:
        agreed = priority.agreed
        state = "rated"
        rating = level = agreed.level
        if level != computed:
            flags.append(flag("overridden", f"Agreed {level}; the rules gave {computed or 'no level'}."))
        override = dict(_OVERRIDE, level=level, reason=agreed.reason, by=list(agreed.agreed_by))
        because = (f"Agreed {level} by {', '.join(agreed.agreed_by)}: {agreed.reason} "
                   f"(computed: {computed or 'no level'}).")
        trail.append(f"agreed judgment {level} replaces computed {computed or 'no level'}: {agreed.reason}")
    return dict(
        _JUDGMENT, subject=f"priority:{priority.id}", title=priority.title, scale=run.scales[ruleset.output_scale].id,
        state=state, rating=rating, computed=computed, override=override,
        rule=dict(_RULE, plugin=run.used.plugin, id=run.used.id, version=run.used.version),
        decided_by=list(decision.rules), because=because, inputs=[inputs[name] for name in ruleset.inputs],
        evidence=sorted({ref for name in read for ref in inputs[name]["evidence"]}), flags=flags, trail=trail,
    )


def _chain_below_rating(priority: Priority, analysed: tuple[str | None, str], delivery: Scale) -> list[dict[str, str]]:
    """A flag when the analysed chain is weaker than the team's rating it is evidence for (their
    delivery-chain sub-criterion, else their capacity level): the team's rating stands in the
    judgment, so the reader must see that the analysis says worse (the severity reads the analysis)."""
    level, chain_id = analysed
    capacity = priority.ratings.capacity
    if capacity is None or level not in delivery.codes:
        return []
    criterion = capacity.criteria.get("delivery-chain")
    rated, what = ((criterion.level, "delivery-chain sub-criterion") if criterion is not None
                   else (capacity.level, "capacity rating"))
    if rated not in delivery.codes or delivery.rank(str(level)) <= delivery.rank(rated):
        return []
    return [flag("chain-below-rating", f"The analysed chain {chain_id} is at {level}, below the team's {what} "
                                       f"({rated}), which the judgment reads.")]


_QUOTED_IN_BECAUSE = ("performance", "deadline", "indicators")
"""Inputs whose note gives the measurement behind the level (the trajectory's reason, the outcome,
the indicators at the worst level); ``because`` quotes them when a deciding rule reads them."""


_FLAG_TEXT = {"insufficient-evidence": "Insufficient evidence: missing data limits or decides the judgment."}


def _summary(priority: Priority, analysis: Analysis) -> dict[str, Any]:
    """The :class:`TrajectorySummary` data: the plan from ``priority``, then every field of
    ``analysis`` by its name (computed numbers rounded to 6 places; its checks are already
    :class:`TrajectoryCheck` data, made by :func:`_check_data` as they were computed)."""
    tolerance = priority.tolerance
    planned = [{"date": _date_text(p.date), "value": p.value}
               for p in (priority.baseline, *priority.trajectory.points, priority.target)]
    projection, shortfall, distance = analysis.projection, analysis.shortfall, analysis.distance_to_target
    return dict(
        _SUMMARY,
        metric=priority.metric.name, unit=priority.metric.unit, direction=priority.metric.direction,
        baseline=dict(planned[0]), target=dict(planned[-1]), planned=planned,
        interpolation=priority.trajectory.interpolation,
        tolerance=(None if tolerance is None else {"absolute": tolerance.absolute}
                   if tolerance.absolute is not None else {"relative": tolerance.relative}),
        checks=list(analysis.checks), latest=analysis.latest, off_track=analysis.off_track,
        widening=analysis.widening, projection=None if projection is None else round(projection, 6),
        projection_method=analysis.projection_method,
        shortfall=None if shortfall is None else round(shortfall, 6),
        distance_to_target=None if distance is None else round(distance, 6),
        target_passed=analysis.target_passed, level=analysis.level, because=analysis.because,
    )


_date_text = lru_cache(maxsize=4096)(dt.date.isoformat)
"""A date as text (``str`` of it), remembered: a batch's plans share their dates."""


def _check_data(date: dt.date, actual: float, planned: float, gap: float, relative_gap: float | None,
                tolerance: float, state: str) -> dict[str, Any]:
    """One :class:`~stocktake.likelihood.trajectory.ActualCheck` (its fields in order) as
    :class:`TrajectoryCheck` data: computed numbers rounded to 6 places, the actual as given."""
    return dict(_CHECK, date=date, actual=actual, planned=round(planned, 6), gap=round(gap, 6),
                relative_gap=None if relative_gap is None else round(relative_gap, 6),
                tolerance=round(tolerance, 6), state=state)


# -- bulk decisions ---------------------------------------------------------------------------------


class LevelOnly(NamedTuple):
    """The decision for one priority without its explanation (for large batches)."""
    id: str
    level: str | None
    """The computed level (an agreed judgment is not applied)."""
    rules: tuple[str, ...]
    performance: str | None


def decide_levels(priorities: Sequence[Priority], as_of: dt.date, run: JudgingRun) -> list[LevelOnly]:
    """Decide every priority's likelihood: :func:`derive` and the rule set exactly as
    :func:`priority_data`, without building trails, explanations or result models."""
    ruleset = run.ruleset
    out = []
    for p in priorities:
        derived = derive(p, as_of, run, explain=False)
        decision, problem = _decide(ruleset, derived.values, run)
        out.append(LevelOnly(p.id, None if problem else decision.level, decision.rules, derived.analysis.level))
    return out
