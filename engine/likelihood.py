"""Judging priorities' likelihood of delivery.

For each priority: analyse the trajectory, turn ratings and analysis into the rule set's inputs
(``no-data`` where there is none), let the rule set decide, apply an agreed judgment as an
override, say what single change would move the judgment a level up or down, and record the trail.
A rule set that fails on a priority becomes a failure naming its plugin; the rest stands.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from operator import attrgetter
from typing import Any, NamedTuple

from engine._version import __version__
from engine.decision import CompiledTable, Decision
from engine.models.assessment import CATEGORY_ITEMS, CategoryRating, DeliveryAssessment, Priority
from engine.models.judgment import Flag, Input, Judgment, Override, RuleRef
from engine.models.results import (
    AssessmentSummary,
    Change,
    DeliveryAssessmentResult,
    EngineRef,
    InputFile,
    LeagueRow,
    PluginFailure,
    PriorityResult,
    RuleSetUsed,
    TrajectoryCheck,
    TrajectorySummary,
    WhatWouldChange,
)
from engine.models.review import Evidence
from engine.models.rubric import Rubric
from engine.models.ruleset import NO_DATA
from engine.models.scale import Scale
from engine.registry import Origin
from engine.rollup import roll_up
from engine.trajectory import Analysis, PlanPoint, analyse

__all__ = ["FEATURES", "JudgingRun", "LevelOnly", "decide_levels", "judge_assessment", "judge_priority"]

OFF_TRACK_STATES = ["none", "one", "two-or-more"]

FEATURES: dict[str, tuple[str, Any]] = {
    "challenge": ("scale", "challenge"),
    "planning": ("scale", "delivery"),
    "capacity": ("scale", "delivery"),
    "stage": ("scale", "stage"),
    "performance": ("scale", "delivery"),
    "indicators": ("scale", "delivery"),
    "off_track": ("states", OFF_TRACK_STATES),
    "trajectory": ("states", ["above", "within", "below"]),
}
"""The inputs the engine provides to rule sets, and the scale or states each takes."""

MOVEMENT_ORDER = {"up": 0, "same": 1, "down": 2, "new": 3}


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
    changes: dict[tuple[object, ...], WhatWouldChange] = field(default_factory=dict, compare=False, repr=False)
    """What would change each combination of inputs, for decision tables (a pure function of
    the inputs, and a large batch repeats combinations). Python rule sets are asked every time."""

    def domain(self, name: str) -> list[str]:
        kind, spec = FEATURES[name]
        return [*self.scales[spec].codes, NO_DATA] if kind == "scale" else [*spec, NO_DATA]


def check_compatible(ruleset: Any, scales: Mapping[str, Scale]) -> str | None:
    """Why the engine cannot feed ``ruleset``, or None if it can."""
    for name in ruleset.inputs:
        if name not in FEATURES:
            return f"reads input {name!r}, which the engine does not provide (it provides: {', '.join(FEATURES)})"
        if isinstance(ruleset, CompiledTable):
            kind, spec = FEATURES[name]
            wanted = [*scales[spec].codes, NO_DATA] if kind == "scale" else [*spec, NO_DATA]
            if ruleset.domains[name] != wanted:
                return f"declares input {name!r} as {ruleset.domains[name]}, but the engine gives {wanted}"
    if ruleset.output_scale not in scales:
        return f"outputs scale {ruleset.output_scale!r}, which is not registered"
    return None


def judge_assessment(doc: DeliveryAssessment, run: JudgingRun) -> DeliveryAssessmentResult:
    """Judge every priority of ``doc``."""
    failures: list[PluginFailure] = []
    results = [judge_priority(p, doc.date, run, failures) for p in doc.priorities]
    cited = sorted({ref for r in results for ref in r.judgment.evidence})
    evidence: dict[str, Evidence] = {e.id: e for e in doc.evidence if e.id in cited}
    return assemble(results, run, failures, period=doc.period, date=doc.date, title=doc.title,
                    evidence=evidence)


def assemble(results: list[PriorityResult], run: JudgingRun, failures: list[PluginFailure], *,
             period: str, date: dt.date, title: str, evidence: dict[str, Evidence]) -> DeliveryAssessmentResult:
    scale = run.scales[run.ruleset.output_scale]
    counts = {code: 0 for code in scale.codes}
    counts["not-rated"] = 0
    movement = {kind: 0 for kind in MOVEMENT_ORDER}
    for r in results:
        counts[r.judgment.rating or "not-rated"] += 1
        movement[r.movement] += 1
    return DeliveryAssessmentResult(
        kind="DeliveryAssessmentResult", schema_version=1,
        engine=EngineRef(name="stocktake", version=__version__),
        inputs=list(run.inputs), rules=run.used, period=period, date=date, title=title,
        priorities=results, league=league(results, scale), evidence=evidence,
        summary=AssessmentSummary(counts=counts, movement=movement), failures=failures,
    )


def league(results: Sequence[PriorityResult], scale: Scale) -> list[LeagueRow]:
    """Rank by likelihood (best first), then movement (up, same, down, new), then how much of
    the way to the target remains, then id. Priorities without a level come last."""
    def key(r: PriorityResult) -> tuple[Any, ...]:
        rating = r.judgment.rating
        span = abs(float(r.trajectory.target["value"]) - float(r.trajectory.baseline["value"])) or 1.0
        remaining = r.trajectory.distance_to_target
        return (scale.rank(rating) if rating in scale.codes else len(scale.codes),
                MOVEMENT_ORDER[r.movement],
                remaining / span if remaining is not None else float("inf"), r.id)

    rows = []
    for rank, r in enumerate(sorted(results, key=key), 1):
        rows.append(LeagueRow(rank=rank, id=r.id, title=r.title, owner=r.owner, rating=r.judgment.rating,
                              computed=r.judgment.computed, agreed=r.judgment.override is not None,
                              previous=r.previous, movement=r.movement,
                              distance_to_target=r.trajectory.distance_to_target, unit=r.trajectory.unit))
    return rows


# -- one priority ----------------------------------------------------------------------------------


def judge_priority(priority: Priority, as_of: dt.date, run: JudgingRun,
                   failures: list[PluginFailure]) -> PriorityResult:
    analysis = _analyse(priority, as_of)
    values, inputs, flags = _features(priority, analysis, run)
    ruleset = run.ruleset
    rule = RuleRef(plugin=run.used.plugin, id=run.used.id, version=run.used.version)
    decision, problem = _decide(ruleset, values, run)
    scale = run.scales[ruleset.output_scale]
    trail = ["inputs: " + ", ".join(f"{name} {values[name]}" for name in ruleset.inputs),
             f"trajectory: {analysis.because}"]
    if problem is not None:
        failures.append(PluginFailure(plugin=run.origin.plugin or "stocktake", distribution=run.origin.distribution,
                                      version=run.origin.version, where=f"rule set {ruleset.id!r} on {priority.id!r}",
                                      message=problem))
        decision = Decision(None, (), (), f"The rule set could not decide: {problem}.")
        flags.append(Flag(code="rule-set-failed", message=f"The rule set {ruleset.id!r} failed: {problem}."))
    else:
        matched = ", ".join(decision.matched) or "none"
        trail.append(f"rule set {ruleset.id} {ruleset.version}: matched {matched}; decided by "
                     f"{', '.join(decision.rules)}: {decision.level}. {decision.because}")
        for code in decision.flags:
            flags.append(Flag(code=code, message=_FLAG_TEXT.get(code, code)))
    read = {name for rid in decision.rules for name in _reads(ruleset, rid)} or set(ruleset.inputs)
    evidence = sorted({ref for name in read for ref in inputs[name].evidence} if inputs else set())
    judgment = Judgment(
        subject=f"priority:{priority.id}", title=priority.title, scale=scale.id,
        state="rated" if decision.level else "not-rated", rating=decision.level, computed=decision.level,
        rule=rule, decided_by=list(decision.rules), because=decision.because or "No level was formed.",
        inputs=[inputs[name] for name in ruleset.inputs], evidence=evidence, flags=flags, trail=trail,
    )
    if priority.agreed is not None:
        agreed = priority.agreed
        level = str(agreed.level)
        judgment_flags = list(judgment.flags)
        if level != decision.level:
            judgment_flags.append(Flag(code="overridden",
                                       message=f"Agreed {level}; the rules gave {decision.level or 'no level'}."))
        judgment = judgment.model_copy(update={
            "rating": level, "state": "rated", "flags": judgment_flags,
            "override": Override(level=level, reason=agreed.reason, by=list(agreed.agreed_by)),
            "because": f"Agreed {level} by {', '.join(agreed.agreed_by)}: {agreed.reason} "
                       f"(computed: {decision.level or 'no level'}).",
            "trail": [*trail, f"agreed judgment {level} replaces computed {decision.level or 'no level'}: {agreed.reason}"],
        })
    previous = str(priority.previous.level) if priority.previous is not None else run.previous.get(priority.id)
    movement = "new"
    if previous is not None and judgment.rating is not None and previous in scale.codes:
        delta = scale.rank(previous) - scale.rank(judgment.rating)
        movement = "up" if delta > 0 else "down" if delta < 0 else "same"
    if problem is not None:
        change = WhatWouldChange()
    elif isinstance(ruleset, CompiledTable):
        key = (*sorted(values.items()), decision.level)
        change = run.changes.get(key) or run.changes.setdefault(
            key, what_would_change(ruleset, values, decision.level, scale, run))
    else:
        change = what_would_change(ruleset, values, decision.level, scale, run)
    return PriorityResult(id=priority.id, title=priority.title, owner=priority.owner,
                                          judgment=judgment, trajectory=_summary(priority, analysis),
                                          what_would_change=change, previous=previous, movement=movement)


_FLAG_TEXT = {
    "insufficient-evidence": "Insufficient evidence: the judgment is capped because data is missing.",
}


def _reads(ruleset: Any, rule_id: str) -> list[str]:
    if isinstance(ruleset, CompiledTable):
        rule = next(r for r in ruleset.ruleset.rules if r.id == rule_id)
        return list(rule.when)
    return list(ruleset.inputs)


def _decide(ruleset: Any, values: Mapping[str, str], run: JudgingRun) -> tuple[Decision, str | None]:
    try:
        decision = ruleset.decide(values)
    except Exception as err:  # a plugin's bug must not abort the assessment
        return Decision(None, ()), f"raised {type(err).__name__}: {err}"
    if not isinstance(decision, Decision):
        return Decision(None, ()), f"returned {type(decision).__name__}, not a Decision"
    if decision.problem:
        return decision, decision.problem
    scale = run.scales[ruleset.output_scale]
    if decision.level not in scale.codes:
        return decision, f"returned level {decision.level!r}, not one of {scale.describe_codes()}"
    return decision, None


def what_would_change(ruleset: Any, values: Mapping[str, str], level: str | None, scale: Scale,
                      run: JudgingRun) -> WhatWouldChange:
    """For one level up and one level down: the change of a single input, smallest first, that
    moves the judgment exactly there. Stating missing data counts as a step of one."""
    if level is None:
        return WhatWouldChange()
    current = scale.rank(level)
    best: dict[str, tuple[tuple[int, int, int], Change]] = {}
    for order, name in enumerate(ruleset.inputs):
        domain = run.domain(name)
        now = values[name]
        for alternative in domain:
            if alternative in (now, NO_DATA):
                continue
            distance = 1 if now == NO_DATA else abs(domain.index(alternative) - domain.index(now))
            try:
                outcome = ruleset.decide({**values, name: alternative})
            except Exception:
                continue
            if not isinstance(outcome, Decision) or outcome.level not in scale.codes:
                continue
            step = current - scale.rank(outcome.level)
            direction = "up" if step == 1 else "down" if step == -1 else None
            if direction is None:
                continue
            key = (distance, order, domain.index(alternative))
            if direction not in best or key < best[direction][0]:
                best[direction] = (key, Change(input=name, from_value=now, to_value=alternative,
                                               result=outcome.level))
    return WhatWouldChange(up=best["up"][1] if "up" in best else None,
                           down=best["down"][1] if "down" in best else None)


def _analyse(priority: Priority, as_of: dt.date) -> Analysis:
    points = [PlanPoint(priority.baseline.date, priority.baseline.value)]
    points += [PlanPoint(p.date, p.value) for p in priority.trajectory.points]
    points.append(PlanPoint(priority.target.date, priority.target.value))
    tolerance = priority.tolerance
    return analyse(points=points, interpolation=priority.trajectory.interpolation,
                   actuals=[PlanPoint(a.date, a.value) for a in priority.actuals],
                   direction=priority.metric.direction, target=points[-1], as_of=as_of,
                   absolute=tolerance.absolute if tolerance else None,
                   relative=tolerance.relative if tolerance else None)


def _features(priority: Priority, analysis: Analysis, run: JudgingRun) -> tuple[dict[str, str], dict[str, Input], list[Flag]]:
    values: dict[str, str] = {}
    inputs: dict[str, Input] = {}
    flags: list[Flag] = []
    for name, item_id in CATEGORY_ITEMS.items():
        rating: CategoryRating | None = getattr(priority.ratings, name)
        level, note, evidence = _category(name, item_id, rating, run.rubric, flags)
        values[name] = level
        inputs[name] = Input(name=name, value=None if level == NO_DATA else level, role="rating",
                                             evidence=evidence, note=note)
    values["performance"] = analysis.level or NO_DATA
    inputs["performance"] = Input(name="performance", value=analysis.level, role="trajectory",
                                                  evidence=[], note=analysis.because)
    values["off_track"] = OFF_TRACK_STATES[min(analysis.off_track, 2)] if analysis.checks else NO_DATA
    inputs["off_track"] = Input(name="off_track", value=values["off_track"], role="trajectory",
                                                evidence=[],
                                                note=f"{analysis.off_track} consecutive latest actual(s) below the band")
    values["trajectory"] = analysis.latest
    inputs["trajectory"] = Input(name="trajectory", value=analysis.latest, role="trajectory",
                                                 evidence=[], note="")
    levels = [str(i.level) for i in priority.leading_indicators if i.level is not None]
    delivery = run.scales["delivery"]
    worst = max(levels, key=delivery.rank) if levels else NO_DATA
    values["indicators"] = worst
    inputs["indicators"] = Input(
        name="indicators", value=None if worst == NO_DATA else worst, role="indicators", evidence=[],
        note="; ".join(f"{i.name} {i.level}" for i in priority.leading_indicators if i.level))
    if analysis.target_passed:
        flags.append(Flag(code="target-date-passed",
                          message=f"The target date ({priority.target.date}) has passed."))
    return values, inputs, flags


def _category(name: str, item_id: str, rating: CategoryRating | None, rubric: Rubric,
              flags: list[Flag]) -> tuple[str, str, list[str]]:
    """(level or no-data, note, evidence) of one category."""
    if rating is None:
        return NO_DATA, "not rated", []
    evidence = sorted({*rating.evidence, *(e for c in rating.criteria.values() for e in c.evidence)})
    if rating.level is not None:
        return str(rating.level), rating.rationale, evidence
    item = rubric.item(item_id)
    assert item is not None
    scale = rubric.scale_of(item)
    method = getattr(item, "roll_up", None) or "worst"
    given = [str(c.level) for c in rating.criteria.values()]
    level, how = roll_up(method if method != "none" else "worst", given, scale)
    expected = [k.id for k in getattr(item, "criteria", [])]
    missing = [k for k in expected if k not in rating.criteria]
    note = f"{how} of its sub-criteria"
    if missing and scale.rank(level) < 1:
        capped = scale.codes[1]
        flags.append(Flag(code="incomplete-category", message=(
            f"{name}: no rating for {', '.join(missing)}; the category is capped at {capped}.")))
        level, note = capped, f"{note}, capped at {capped}: {', '.join(missing)} not rated"
    elif missing:
        flags.append(Flag(code="incomplete-category",
                          message=f"{name}: no rating for {', '.join(missing)}."))
    return level, note, evidence


@cache
def _checks_adapter() -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(list[TrajectoryCheck])


def _summary(priority: Priority, analysis: Analysis) -> TrajectorySummary:
    points = [{"date": str(priority.baseline.date), "value": priority.baseline.value}]
    points += [{"date": str(p.date), "value": p.value} for p in priority.trajectory.points]
    points.append({"date": str(priority.target.date), "value": priority.target.value})
    return TrajectorySummary(
        metric=priority.metric.name, unit=priority.metric.unit, direction=priority.metric.direction,
        baseline={"date": str(priority.baseline.date), "value": priority.baseline.value},
        target={"date": str(priority.target.date), "value": priority.target.value},
        planned=points, interpolation=priority.trajectory.interpolation,
        tolerance=({"absolute": priority.tolerance.absolute} if priority.tolerance and priority.tolerance.absolute is not None
                   else {"relative": priority.tolerance.relative} if priority.tolerance and priority.tolerance.relative is not None
                   else None),
        # One validation call for all rows: measured faster than a model per row (and than
        # model_construct, which is slower still in pydantic 2.x).
        checks=_checks_adapter().validate_python([
            {"date": c.date, "actual": c.actual, "planned": round(c.planned, 6), "gap": round(c.gap, 6),
             "relative_gap": round(c.relative_gap, 6) if c.relative_gap is not None else None,
             "tolerance": round(c.tolerance, 6), "state": c.state} for c in analysis.checks]),
        latest=analysis.latest, off_track=analysis.off_track, widening=analysis.widening,
        projection=round(analysis.projection, 6) if analysis.projection is not None else None,
        projection_method=analysis.projection_method,
        shortfall=round(analysis.shortfall, 6) if analysis.shortfall is not None else None,
        distance_to_target=round(analysis.distance_to_target, 6) if analysis.distance_to_target is not None else None,
        target_passed=analysis.target_passed, level=analysis.level, because=analysis.because,
    )


# -- bulk decisions ---------------------------------------------------------------------------------


class LevelOnly(NamedTuple):
    """The decision for one priority without its explanation (for large batches)."""

    id: str
    level: str | None
    """The computed level (an agreed judgment is not applied)."""
    rules: tuple[str, ...]
    performance: str | None


def decide_levels(priorities: Sequence[Priority], as_of: dt.date, run: JudgingRun) -> list[LevelOnly]:
    """Decide every priority's likelihood: the same trajectory maths and rule set as
    :func:`judge_priority`, without building trails, explanations or result models."""
    from engine.trajectory import classify, project, trajectory_level

    ruleset = run.ruleset
    ratings = [(name, item_id) for name, item_id in CATEGORY_ITEMS.items() if name in ruleset.inputs]
    indicators = "indicators" in ruleset.inputs
    delivery = run.scales["delivery"]
    out = []
    scratch: list[Flag] = []
    for p in priorities:
        values: dict[str, str] = {}
        for name, item_id in ratings:
            rating = getattr(p.ratings, name)
            values[name] = (str(rating.level) if rating is not None and rating.level is not None
                            else _category(name, item_id, rating, run.rubric, scratch)[0])
        actuals = p.actuals  # in date order: the model sorts them when validated
        if actuals:
            # The rules read the latest actual's state, whether the latest two are below the band
            # and whether that gap widened, and the trend of the latest few: classify backwards
            # and stop at the first actual not below, or at the second below.
            sign = 1.0 if p.metric.direction == "increase" else -1.0
            linear = p.trajectory.interpolation != "step"
            tol = p.tolerance
            absolute, relative = (tol.absolute, tol.relative) if tol else (None, None)
            off, gaps, latest = 0, [], None
            for a in reversed(actuals):
                gap, _, state = classify(_planned(p, a.date, linear), a.value, sign, absolute, relative)
                if latest is None:
                    latest, latest_gap = state, gap
                if state != "below":
                    break
                off += 1
                gaps.append(gap)
                if off == 2:
                    break
            recent = actuals[-4:]
            projection = project([a.date.toordinal() for a in recent], [a.value for a in recent],
                                 p.target.date.toordinal())
            shortfall = sign * (p.target.value - projection) if projection is not None else None
            performance: str | None = trajectory_level(
                latest, latest_gap, off, off == 2 and gaps[0] < gaps[1], shortfall)[0]  # type: ignore[arg-type]
            values["off_track"] = OFF_TRACK_STATES[off]
            values["trajectory"] = latest  # type: ignore[assignment]
        else:
            performance = None
            values["off_track"] = values["trajectory"] = NO_DATA
        values["performance"] = performance or NO_DATA
        if indicators:
            levels = [str(i.level) for i in p.leading_indicators if i.level is not None]
            values["indicators"] = max(levels, key=delivery.rank) if levels else NO_DATA
        decision, problem = _decide(ruleset, values, run)
        out.append(LevelOnly(p.id, None if problem else decision.level, decision.rules, performance))
    return out


def _planned(p: Priority, when: dt.date, linear: bool) -> float:
    """The planned value at ``when``: :func:`engine.trajectory.planned_at` over the baseline, the
    trajectory's points and the target, without building the plan's lists first."""
    first, last = p.baseline, p.target
    if when <= first.date:
        return first.value
    if when >= last.date:
        return last.value
    points = p.trajectory.points
    i = bisect_right(points, when, key=_date_of)
    left = points[i - 1] if i else first
    if when == left.date or not linear:
        return left.value
    right = points[i] if i < len(points) else last
    x0 = left.date.toordinal()
    return left.value + (right.value - left.value) * (when.toordinal() - x0) / (right.date.toordinal() - x0)


_date_of = attrgetter("date")
