"""Markdown and HTML views of a likelihood-of-delivery result (HTML from ``assessment.html.j2``)."""

from __future__ import annotations

from stocktake.core.markup import MOVES, counts, environment, md, number
from stocktake.likelihood.result import DeliveryAssessmentResult, PriorityResult

__all__ = ["assessment_html", "assessment_markdown", "priority_markdown"]


def assessment_markdown(result: DeliveryAssessmentResult) -> str:
    out = [f"# Delivery report {md(result.period)}", ""]
    if result.title:
        out += [md(result.title), ""]
    out += [f"Assessed on {result.date} with rule set `{result.rules.id}` {result.rules.version} "
            f"({md(result.rules.title)}, plugin {md(result.rules.plugin)}).", ""]
    if result.failures:
        out += ["## Rule set failures", ""]
        out += [f"- {md(f.plugin)}: {md(f.where)}: {md(f.message)}" for f in result.failures] + [""]
    out += ["## League table", "", "`*` an agreed judgment replaced the computed level.", "",
            "| Rank | Priority | Owner | Likelihood | Computed | Previous | Movement | Distance to target |",
            "|---|---|---|---|---|---|---|---|"]
    for row in result.league:
        out.append(f"| {row.rank} | {md(row.title)} | {md(row.owner)} | **{row.rating or 'not rated'}**"
                   f"{'*' if row.agreed else ''} | {row.computed or '-'} | {row.previous or '-'} | "
                   f"{MOVES[row.movement]} | {md(number(row.distance_to_target, row.unit))} |")
    out += ["", f"Counts: {counts(result.summary.counts)}; movement: {counts(result.summary.movement)}.", ""]
    for p in result.priorities:
        out += priority_markdown(p, "##")
    inputs = ", ".join(f"{md(i.path)} (sha256 {i.sha256[:12]})" for i in result.inputs)
    out += [f"_Stocktake {result.engine.version}; inputs: {inputs}._", ""]
    return "\n".join(out)


def priority_markdown(p: PriorityResult, heading: str) -> list[str]:
    """One priority: judgment, what would change it, inputs, trajectory checks and the trail."""
    j, t = p.judgment, p.trajectory
    out = [f"{heading} {md(p.title)}: {j.rating or 'not rated'}", "",
            f"Priority `{p.id}`, owner {md(p.owner) or '-'}; previous {p.previous or '-'} ({MOVES[p.movement]}).", "",
            f"Because: {md(j.because)}", ""]
    if j.override:
        out += [f"Agreed {j.override.level} by {md(', '.join(j.override.by))} (computed {j.computed or 'no level'}): "
                f"{md(j.override.reason)}", ""]
    out += [f"- flag `{f.code}`: {md(f.message)}" for f in j.flags]
    if j.flags:
        out.append("")
    change = p.what_would_change
    if change.up or change.down:
        out.append("What would change it:")
        out.append("")
        if change.up:
            out.append(f"- up to {change.up.result}: {change.up.input} from {change.up.from_value} to {change.up.to_value}")
        if change.down:
            out.append(f"- down to {change.down.result}: {change.down.input} from {change.down.from_value} to {change.down.to_value}")
        out.append("")
    out += ["| Input | Value | Evidence | Note |", "|---|---|---|---|"]
    for i in j.inputs:
        out.append(f"| {i.name} | {i.value or 'no data'} | {', '.join(i.evidence)} | {md(i.note)} |")
    out += ["", f"Trajectory of {md(t.metric)} ({md(t.unit)}, {t.direction}; {t.interpolation} plan): "
            f"{md(t.because)}", ""]
    if t.checks:
        out += ["| Date | Planned | Actual | Gap | Tolerance | State |", "|---|---|---|---|---|---|"]
        for c in t.checks:
            out.append(f"| {c.date} | {number(c.planned, '')} | {number(c.actual, '')} | "
                       f"{number(c.gap, '')} | {number(c.tolerance, '')} | {c.state} |")
        out.append("")
    if t.projection is not None:
        out += [f"Projection at the target date ({t.target['date']}): {md(number(t.projection, t.unit))} against a "
                f"target of {md(number(float(t.target['value']), t.unit))}; shortfall "  # type: ignore[arg-type]
                f"{md(number(t.shortfall, t.unit))} (method: {md(t.projection_method)}).", ""]
    out += ["Trail:", ""] + [f"{n}. {md(step)}" for n, step in enumerate(j.trail, 1)] + [""]
    return out


def assessment_html(result: DeliveryAssessmentResult) -> str:
    from markupsafe import Markup

    from stocktake.likelihood.charts import trajectory_svg

    charts = {p.id: Markup(trajectory_svg(p.trajectory, f"Trajectory of {p.title}")) for p in result.priorities}
    return environment().get_template("assessment.html.j2").render(
        result=result, charts=charts, moves=MOVES)
