"""Markdown and HTML views of results. Markdown is built here; HTML comes from jinja2 templates
shipped in ``engine/templates`` with autoescaping on, so names, rationales and evidence are always
shown as text. Both are deterministic.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from engine.models.judgment import Judgment
from engine.models.results import CapacityReviewResult, DeliveryAssessmentResult

__all__ = ["assessment_html", "assessment_markdown", "review_html", "review_markdown", "review_view"]

ARROWS = {"improved": "↑", "declined": "↓", "unchanged": "→", "new": "new", "removed": "removed",
          "wording-changed": "≠", "not-rated": "·"}


def md(text: Any) -> str:
    """Text safe inside a Markdown table cell: no raw HTML, no cell breaks, one line."""
    value = "" if text is None else str(text)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(value.replace("|", "\\|").split())


def review_view(result: CapacityReviewResult) -> dict[str, Any]:
    """The result arranged for reading: stages with their component judgments, and lookups."""
    judgments = {j.subject: j for j in result.judgments}
    sections = []
    for outline in result.rubric.sections:
        members = [judgments[f"component:{c.id}"] for c in outline.components
                   if f"component:{c.id}" in judgments]
        codes = {f"component:{c.id}": c.code for c in outline.components}
        sections.append({"judgment": judgments.get(f"section:{outline.id}"), "outline": outline,
                         "components": members, "codes": codes})
    return {"result": result, "sections": sections,
            "movement": {m.component: m for m in result.movement or []}, "arrows": ARROWS,
            "width": max((len(s["components"]) for s in sections), default=0)}


def _cell(j: Judgment, movement: dict[str, Any], code: str | None) -> str:
    cid = j.subject.split(":", 1)[1]
    level = j.rating or ("no consensus" if j.state == "no-consensus" else "not rated")
    mark = "*" if j.override else ""
    move = movement.get(cid)
    arrow = f" {ARROWS[move.movement]}" if move else ""
    name = f"{code} {md(j.title)}" if code else md(j.title)
    return f"{name}: **{level}**{mark}{arrow}"


def review_markdown(result: CapacityReviewResult) -> str:
    view = review_view(result)
    out = [f"# Capacity review: {md(result.system)}", ""]
    if result.title:
        out += [md(result.title), ""]
    out += [f"Review date {result.date}. Rubric `{result.rubric.id}` {result.rubric.version}; "
            f"ratings combined by {md(result.strategy.title)} (`{result.strategy.id}` "
            f"{result.strategy.version}, plugin {md(result.strategy.plugin)}).", ""]
    if result.baseline:
        out += [f"Baseline: {md(result.baseline.system)}, {result.baseline.date} "
                f"(rubric {md(result.baseline.rubric)}).", ""]
    reviewers = "; ".join(f"{md(r.name)} ({r.role})" for r in result.reviewers)
    out += [f"Reviewers: {reviewers}.", ""]
    if result.failures:
        out += ["## Plugin failures", ""]
        out += [f"- {md(f.plugin)} {md(f.version or '')}: {md(f.where)}: {md(f.message)}" for f in result.failures]
        out.append("")
    out += ["## Heatmap", "", "Level codes: G green, AG amber-green, AR amber-red, R red. "
            "`*` an agreed judgment replaced the computed level"
            + ("; arrows show movement since the baseline" if result.baseline else "") + ".", ""]
    width = view["width"]
    out.append("| Stage | Stage level | " + " | ".join(f"Component {i + 1}" for i in range(width)) + " |")
    out.append("|" + "---|" * (width + 2))
    for section in view["sections"]:
        sj, outline = section["judgment"], section["outline"]
        name = f"{outline.code} {md(outline.title)}" if outline.code else md(outline.title)
        level = (sj.rating or sj.state) if sj else "-"
        cells = [_cell(c, view["movement"], section["codes"].get(c.subject)) for c in section["components"]]
        cells += [""] * (width - len(cells))
        out.append(f"| {name} | {level} | " + " | ".join(cells) + " |")
    out.append("")
    summary = result.summary
    out += ["## Summary", ""]
    out.append("Components per level: " + ", ".join(f"{k} {v}" for k, v in summary.counts.items()) + ".")
    if summary.weakest:
        out.append(f"Weakest: {', '.join(summary.weakest)}.")
    if summary.most_disputed:
        out.append("Most disputed: " + ", ".join(
            f"{d.component} ({'/'.join(d.levels)})" for d in summary.most_disputed) + ".")
    if summary.movement:
        out.append("Movement: " + ", ".join(f"{k} {v}" for k, v in summary.movement.items() if v) + ".")
    out.append("")
    if result.movement is not None:
        out += ["## Movement since the baseline", "", "| Component | Baseline | Now | Movement | Note |",
                "|---|---|---|---|---|"]
        for m in result.movement:
            out.append(f"| {md(m.title)} | {m.baseline or '-'} | {m.current or '-'} | "
                       f"{ARROWS[m.movement]} {m.movement} | {md(m.note)} |")
        out.append("")
    out += ["## Judgments", ""]
    for j in result.judgments:
        kind, _, ident = j.subject.partition(":")
        level = j.rating or j.state
        out += [f"### {md(j.title)}: {level}", "", f"{kind} `{ident}`, scale `{j.scale}`, state {j.state}; "
                f"rule {md(j.rule.plugin)}/{md(j.rule.id)} {md(j.rule.version)}.", "",
                f"Because: {md(j.because)}", ""]
        if j.override:
            out += [f"Agreed {j.override.level} by {', '.join(j.override.by)} (computed "
                    f"{j.computed or 'no level'}): {md(j.override.reason)}", ""]
        for flag in j.flags:
            out.append(f"- flag `{flag.code}`: {md(flag.message)}")
        if j.flags:
            out.append("")
        if kind != "section" and j.inputs:
            out += ["| Reviewer | Role | Level | Rationale | Evidence |", "|---|---|---|---|---|"]
            for i in j.inputs:
                out.append(f"| {md(i.name)} | {i.role} | {i.value or '-'} | {md(i.note)} | "
                           f"{', '.join(i.evidence)} |")
            out.append("")
        out += ["Trail:", ""] + [f"{n}. {md(step)}" for n, step in enumerate(j.trail, 1)] + [""]
    if result.toward_green:
        out += ["## Moving toward green", ""]
        for t in result.toward_green:
            out += [f"### {md(t.title)} ({t.level})", ""]
            out += [f"- rubric, near term: {md(a)}" for a in t.rubric_near_term]
            out += [f"- rubric, longer term: {md(a)}" for a in t.rubric_longer_term]
            out += [f"- team: {md(a)}" for a in t.team]
            out.append("")
    if result.findings:
        out += ["## Findings", ""]
        out += [f"- {f.kind}: {md(f.text)}" + (f" ({', '.join(f.components)})" if f.components else "")
                for f in result.findings]
        out.append("")
    if result.actions:
        out += ["## Team actions", ""]
        out += [f"- {a.horizon}: {md(a.text)}" + (f" ({a.component})" if a.component else "")
                + (f", owner {md(a.owner)}" if a.owner else "") for a in result.actions]
        out.append("")
    if result.evidence:
        out += ["## Evidence cited", "", "| Id | Kind | Source | Date | Summary |", "|---|---|---|---|---|"]
        for eid, e in sorted(result.evidence.items()):
            out.append(f"| {md(eid)} | {e.kind} | {md(e.source)} | {e.date or '-'} | {md(e.summary)} |")
        out.append("")
    inputs = ", ".join(f"{md(i.path)} (sha256 {i.sha256[:12]})" for i in result.inputs)
    out += [f"_Stocktake {result.engine.version}; inputs: {inputs}; rubric sha256 {result.rubric.sha256[:12]}._", ""]
    return "\n".join(out)


@cache
def _environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("engine", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def review_html(result: CapacityReviewResult) -> str:
    return _environment().get_template("review.html.j2").render(**review_view(result))


# -- likelihood of delivery ------------------------------------------------------------------------

MOVES = {"up": "↑ up", "down": "↓ down", "same": "→ same", "new": "new"}


def _distance(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{text} {unit}".strip()


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
                   f"{MOVES[row.movement]} | {md(_distance(row.distance_to_target, row.unit))} |")
    out += ["", "Counts: " + ", ".join(f"{k} {v}" for k, v in result.summary.counts.items()) + "; movement: "
            + ", ".join(f"{k} {v}" for k, v in result.summary.movement.items()) + ".", ""]
    for p in result.priorities:
        j, t = p.judgment, p.trajectory
        out += [f"## {md(p.title)}: {j.rating or 'not rated'}", "",
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
                out.append(f"| {c.date} | {_distance(c.planned, '')} | {_distance(c.actual, '')} | "
                           f"{_distance(c.gap, '')} | {_distance(c.tolerance, '')} | {c.state} |")
            out.append("")
        if t.projection is not None:
            out += [f"Projection at the target date ({t.target['date']}): {_distance(t.projection, t.unit)} against a "
                    f"target of {_distance(float(t.target['value']), t.unit)}; shortfall "  # type: ignore[arg-type]
                    f"{_distance(t.shortfall, t.unit)} (method: {md(t.projection_method)}).", ""]
        out += ["Trail:", ""] + [f"{n}. {md(step)}" for n, step in enumerate(j.trail, 1)] + [""]
    inputs = ", ".join(f"{md(i.path)} (sha256 {i.sha256[:12]})" for i in result.inputs)
    out += [f"_Stocktake {result.engine.version}; inputs: {inputs}._", ""]
    return "\n".join(out)


def assessment_html(result: DeliveryAssessmentResult) -> str:
    from markupsafe import Markup

    from engine.charts import trajectory_svg

    charts = {p.id: Markup(trajectory_svg(p.trajectory, f"Trajectory of {p.title}")) for p in result.priorities}
    return _environment().get_template("assessment.html.j2").render(
        result=result, charts=charts, moves=MOVES, distance=_distance)
