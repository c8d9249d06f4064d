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
from operator import attrgetter
from typing import Any, NamedTuple

from stocktake._version import __version__
from stocktake.hooks.registry import Origin
from stocktake.judgment.envelope import EngineRef, InputFile, PluginFailure
from stocktake.judgment.evidence import Evidence
from stocktake.judgment.rollup import roll_up
from stocktake.judgment.scale import Scale
from stocktake.likelihood.decision import CompiledTable, Decision
from stocktake.likelihood.model import CATEGORY_ITEMS, CategoryRating, DeliveryAssessment, Priority
from stocktake.likelihood.result import (
    AssessmentSummary,
    DeliveryAssessmentResult,
    LeagueRow,
    PriorityResult,
    RuleSetUsed,
)
from stocktake.likelihood.ruleset import NO_DATA
from stocktake.likelihood.trajectory import Analysis, analyse
from stocktake.rubric.model import Rubric

__all__ = ["FEATURES", "JudgingRun", "LevelOnly", "decide_levels", "judge_assessment", "judge_priority",
           "priority_data"]

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
    changes: dict[tuple[object, ...], dict[str, Any]] = field(default_factory=dict, compare=False, repr=False)
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
    counts = dict.fromkeys(scale.codes, 0)
    counts["not-rated"] = 0
    movement = dict.fromkeys(MOVEMENT_ORDER, 0)
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
    """Judge one priority (see :func:`priority_data`)."""
    return PriorityResult.model_validate(priority_data(priority, as_of, run, failures))


def priority_data(priority: Priority, as_of: dt.date, run: JudgingRun,
                  failures: list[PluginFailure]) -> dict[str, Any]:
    """One priority's :class:`PriorityResult` as plain data, keys in the model's order and every
    default present: ``pydantic_core.to_json`` of it is the model's JSON (large batches write it
    without validating; a test holds the two byte for byte). A rule set that fails is appended
    to ``failures``."""
    analysis = _analyse(priority, as_of)
    values, inputs, flags = _features(priority, analysis, run)
    ruleset = run.ruleset
    decision, problem = _decide(ruleset, values, run)
    scale = run.scales[ruleset.output_scale]
    trail = ["inputs: " + ", ".join(f"{name} {values[name]}" for name in ruleset.inputs),
             f"trajectory: {analysis.because}"]
    if problem is not None:
        failures.append(PluginFailure(plugin=run.origin.plugin or "stocktake", distribution=run.origin.distribution,
                                      version=run.origin.version, where=f"rule set {ruleset.id!r} on {priority.id!r}",
                                      message=problem))
        decision = Decision(None, (), (), f"The rule set could not decide: {problem}.")
        flags.append(_flag("rule-set-failed", f"The rule set {ruleset.id!r} failed: {problem}."))
    else:
        matched = ", ".join(decision.matched) or "none"
        trail.append(f"rule set {ruleset.id} {ruleset.version}: matched {matched}; decided by "
                     f"{', '.join(decision.rules)}: {decision.level}. {decision.because}")
        for code in decision.flags:
            flags.append(_flag(code, _FLAG_TEXT.get(code, code)))
    read = {name for rid in decision.rules for name in _reads(ruleset, rid)} or set(ruleset.inputs)
    evidence = sorted({ref for name in read for ref in inputs[name]["evidence"]})
    computed = decision.level
    judgment: dict[str, Any] = {
        "subject": f"priority:{priority.id}", "title": priority.title, "scale": scale.id,
        "state": "rated" if computed else "not-rated", "rating": computed, "computed": computed,
        "override": None, "rule": {"plugin": run.used.plugin, "id": run.used.id, "version": run.used.version},
        "decided_by": list(decision.rules), "because": decision.because or "No level was formed.",
        "inputs": [inputs[name] for name in ruleset.inputs], "evidence": evidence, "flags": flags, "trail": trail,
    }
    if priority.agreed is not None:
        agreed = priority.agreed
        level = str(agreed.level)
        if level != computed:
            flags.append(_flag("overridden", f"Agreed {level}; the rules gave {computed or 'no level'}."))
        judgment.update({
            "state": "rated", "rating": level,
            "override": {"level": level, "reason": agreed.reason, "by": list(agreed.agreed_by)},
            "because": f"Agreed {level} by {', '.join(agreed.agreed_by)}: {agreed.reason} "
                       f"(computed: {computed or 'no level'}).",
        })
        trail.append(f"agreed judgment {level} replaces computed {computed or 'no level'}: {agreed.reason}")
    previous = str(priority.previous.level) if priority.previous is not None else run.previous.get(priority.id)
    rating = judgment["rating"]
    movement = "new"
    if previous is not None and rating is not None and previous in scale.codes:
        delta = scale.rank(previous) - scale.rank(rating)
        movement = "up" if delta > 0 else "down" if delta < 0 else "same"
    if problem is not None:
        change: dict[str, Any] = {"up": None, "down": None}
    elif isinstance(ruleset, CompiledTable):
        key = (*sorted(values.items()), computed)
        change = run.changes.get(key) or run.changes.setdefault(
            key, what_would_change(ruleset, values, computed, scale, run))
    else:
        change = what_would_change(ruleset, values, computed, scale, run)
    return {"id": priority.id, "title": priority.title, "owner": priority.owner, "judgment": judgment,
            "trajectory": _summary(priority, analysis), "what_would_change": change, "previous": previous,
            "movement": movement}


def _flag(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}


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
                      run: JudgingRun) -> dict[str, Any]:
    """For one level up and one level down: the change of a single input, smallest first, that
    moves the judgment exactly there (as :class:`WhatWouldChange` data). Stating missing data
    counts as a step of one."""
    if level is None:
        return {"up": None, "down": None}
    current = scale.rank(level)
    best: dict[str, tuple[tuple[int, int, int], dict[str, str]]] = {}
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
                best[direction] = (key, {"input": name, "from_value": now, "to_value": alternative,
                                         "result": outcome.level})
    return {"up": best["up"][1] if "up" in best else None, "down": best["down"][1] if "down" in best else None}


def _analyse(priority: Priority, as_of: dt.date) -> Analysis:
    tolerance = priority.tolerance
    return analyse(points=[priority.baseline, *priority.trajectory.points, priority.target],
                   interpolation=priority.trajectory.interpolation, actuals=priority.actuals,
                   direction=priority.metric.direction, target=priority.target, as_of=as_of,
                   absolute=tolerance.absolute if tolerance else None,
                   relative=tolerance.relative if tolerance else None)


def _input(name: str, value: str | None, role: str, note: str, evidence: list[str] | None = None) -> dict[str, Any]:
    """An :class:`Input` as plain data."""
    return {"name": name, "value": value, "role": role, "evidence": evidence or [], "note": note}


def _features(priority: Priority, analysis: Analysis,
              run: JudgingRun) -> tuple[dict[str, str], dict[str, dict[str, Any]], list[dict[str, str]]]:
    """The rule set's input values, each input as :class:`Input` data, and flags as :class:`Flag` data."""
    values: dict[str, str] = {}
    inputs: dict[str, dict[str, Any]] = {}
    flags: list[dict[str, str]] = []
    for name, item_id in CATEGORY_ITEMS.items():
        rating: CategoryRating | None = getattr(priority.ratings, name)
        level, note, evidence = _category(name, item_id, rating, run.rubric, flags)
        values[name] = level
        inputs[name] = _input(name, None if level == NO_DATA else level, "rating", note, evidence)
    values["performance"] = analysis.level or NO_DATA
    inputs["performance"] = _input("performance", analysis.level, "trajectory", analysis.because)
    values["off_track"] = OFF_TRACK_STATES[min(analysis.off_track, 2)] if analysis.checks else NO_DATA
    inputs["off_track"] = _input("off_track", values["off_track"], "trajectory",
                                 f"{analysis.off_track} consecutive latest actual(s) below the band")
    values["trajectory"] = analysis.latest
    inputs["trajectory"] = _input("trajectory", analysis.latest, "trajectory", "")
    levels = [str(i.level) for i in priority.leading_indicators if i.level is not None]
    delivery = run.scales["delivery"]
    worst = max(levels, key=delivery.rank) if levels else NO_DATA
    values["indicators"] = worst
    inputs["indicators"] = _input("indicators", None if worst == NO_DATA else worst, "indicators",
                                  "; ".join(f"{i.name} {i.level}" for i in priority.leading_indicators if i.level))
    if analysis.target_passed:
        flags.append(_flag("target-date-passed", f"The target date ({priority.target.date}) has passed."))
    return values, inputs, flags


def _category(name: str, item_id: str, rating: CategoryRating | None, rubric: Rubric,
              flags: list[dict[str, str]]) -> tuple[str, str, list[str]]:
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
        flags.append(_flag("incomplete-category",
                           f"{name}: no rating for {', '.join(missing)}; the category is capped at {capped}."))
        level, note = capped, f"{note}, capped at {capped}: {', '.join(missing)} not rated"
    elif missing:
        flags.append(_flag("incomplete-category", f"{name}: no rating for {', '.join(missing)}."))
    return level, note, evidence


def _point(point: Any) -> dict[str, Any]:
    return {"date": str(point.date), "value": point.value}


def _summary(priority: Priority, analysis: Analysis) -> dict[str, Any]:
    """The :class:`TrajectorySummary` of ``analysis`` as plain data."""
    tolerance = priority.tolerance
    return {
        "metric": priority.metric.name, "unit": priority.metric.unit, "direction": priority.metric.direction,
        "baseline": _point(priority.baseline), "target": _point(priority.target),
        "planned": [_point(priority.baseline), *map(_point, priority.trajectory.points), _point(priority.target)],
        "interpolation": priority.trajectory.interpolation,
        "tolerance": (None if tolerance is None else {"absolute": tolerance.absolute}
                      if tolerance.absolute is not None else {"relative": tolerance.relative}),
        "checks": [{"date": c.date, "actual": c.actual, "planned": round(c.planned, 6), "gap": round(c.gap, 6),
                    "relative_gap": round(c.relative_gap, 6) if c.relative_gap is not None else None,
                    "tolerance": round(c.tolerance, 6), "state": c.state} for c in analysis.checks],
        "latest": analysis.latest, "off_track": analysis.off_track, "widening": analysis.widening,
        "projection": _round(analysis.projection), "projection_method": analysis.projection_method,
        "shortfall": _round(analysis.shortfall), "distance_to_target": _round(analysis.distance_to_target),
        "target_passed": analysis.target_passed, "level": analysis.level, "because": analysis.because,
    }


def _round(value: float | None) -> float | None:
    return round(value, 6) if value is not None else None


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
    from stocktake.likelihood.trajectory import classify, project, trajectory_level

    ruleset = run.ruleset
    ratings = [(name, item_id) for name, item_id in CATEGORY_ITEMS.items() if name in ruleset.inputs]
    indicators = "indicators" in ruleset.inputs
    delivery = run.scales["delivery"]
    out = []
    scratch: list[dict[str, str]] = []
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
    """The planned value at ``when``: :func:`stocktake.likelihood.trajectory.planned_at` on the one segment of
    the plan (baseline, trajectory points, target) that holds it, found without building the
    plan's lists."""
    from stocktake.likelihood.trajectory import planned_at

    first, last = p.baseline, p.target
    if when <= first.date:
        return first.value
    if when >= last.date:
        return last.value
    points = p.trajectory.points
    i = bisect_right(points, when, key=_date_of)
    left = points[i - 1] if i else first
    right = points[i] if i < len(points) else last
    return planned_at([left.date.toordinal(), right.date.toordinal()], [left.value, right.value],
                      when.toordinal(), linear)


_date_of = attrgetter("date")
