"""Markdown and HTML views of a capacity review result (HTML from ``review.html.j2``)."""

from __future__ import annotations

from typing import Any

from stocktake.core.markup import ARROWS, counts, environment, md
from stocktake.judgment.model import Judgment
from stocktake.review.result import CapacityReviewResult

__all__ = ["review_body_markdown", "review_html", "review_markdown", "review_view"]


def review_view(result: CapacityReviewResult, anchor: str = "") -> dict[str, Any]:
    """The result arranged for reading: stages with their component judgments, and lookups.
    ``anchor`` prefixes element ids, so several reviews can share a page."""
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
            "width": max((len(s["components"]) for s in sections), default=0), "anchor": anchor,
            "titles": {j.subject.split(":", 1)[1]: j.title for j in result.judgments}}


def _cell(j: Judgment, movement: dict[str, Any], code: str | None) -> str:
    cid = j.subject.split(":", 1)[1]
    level = j.rating or ("no consensus" if j.state == "no-consensus" else "not rated")
    mark = "*" if j.override else ""
    move = movement.get(cid)
    arrow = f" {ARROWS[move.movement]}" if move else ""
    name = f"{code} {md(j.title)}" if code else md(j.title)
    return f"{name}: **{level}**{mark}{arrow}"


def review_markdown(result: CapacityReviewResult) -> str:
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
    out += review_body_markdown(result, "##")
    inputs = ", ".join(f"{md(i.path)} (sha256 {i.sha256[:12]})" for i in result.inputs)
    out += [f"_Stocktake {result.engine.version}; inputs: {inputs}; rubric sha256 {result.rubric.sha256[:12]}._", ""]
    return "\n".join(out)


def review_body_markdown(result: CapacityReviewResult, h: str) -> list[str]:
    """Heatmap, summary, movement, judgments with trails, actions and evidence; sections
    headed at level ``h`` (``"##"``)."""
    view = review_view(result)
    out: list[str] = []
    out += [f"{h} Heatmap", "", "Level codes: G green, AG amber-green, AR amber-red, R red. "
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
    out += [f"{h} Summary", ""]
    out.append(f"Components per level: {counts(summary.counts)}.")
    if summary.weakest:
        out.append(f"Weakest: {md(', '.join(view['titles'].get(c, c) for c in summary.weakest))}.")
    if summary.most_disputed:
        out.append("Most disputed: " + ", ".join(
            f"{md(view['titles'].get(d.component, d.component))} ({'/'.join(d.levels)})" for d in summary.most_disputed) + ".")
    if summary.movement:
        out.append(f"Movement: {counts(summary.movement, skip_zero=True)}.")
    out.append("")
    if result.movement is not None:
        out += [f"{h} Movement since the baseline", "", "| Component | Baseline | Now | Movement | Note |",
                "|---|---|---|---|---|"]
        for m in result.movement:
            out.append(f"| {md(m.title)} | {m.baseline or '-'} | {m.current or '-'} | "
                       f"{ARROWS[m.movement]} {m.movement} | {md(m.note)} |")
        out.append("")
    out += [f"{h} Judgments", ""]
    for j in result.judgments:
        kind, _, ident = j.subject.partition(":")
        level = j.rating or j.state
        out += [f"{h}# {md(j.title)}: {level}", "", f"{kind} `{ident}`, scale `{j.scale}`, state {j.state}; "
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
        out += [f"{h} Moving toward green", ""]
        for t in result.toward_green:
            out += [f"{h}# {md(t.title)} ({t.level})", ""]
            out += [f"- rubric, near term: {md(a)}" for a in t.rubric_near_term]
            out += [f"- rubric, longer term: {md(a)}" for a in t.rubric_longer_term]
            out += [f"- team: {md(a)}" for a in t.team]
            out.append("")
    if result.findings:
        out += [f"{h} Findings", ""]
        out += [f"- {f.kind}: {md(f.text)}" + (f" ({', '.join(f.components)})" if f.components else "")
                for f in result.findings]
        out.append("")
    if result.actions:
        out += [f"{h} Team actions", ""]
        out += [f"- {a.horizon}: {md(a.text)}" + (f" ({a.component})" if a.component else "")
                + (f", owner {md(a.owner)}" if a.owner else "") for a in result.actions]
        out.append("")
    if result.evidence:
        out += [f"{h} Evidence cited", "", "| Id | Kind | Source | Date | Summary |", "|---|---|---|---|---|"]
        for eid, e in sorted(result.evidence.items()):
            out.append(f"| {md(eid)} | {e.kind} | {md(e.source)} | {e.date or '-'} | {md(e.summary)} |")
        out.append("")
    return out


def review_html(result: CapacityReviewResult) -> str:
    view = review_view(result)
    return environment().get_template("review.html.j2").render(result=result, view=view)
