"""Markdown and HTML views of a :class:`~stocktake.report.model.DeliveryReport`.

Both put the summary first (the priorities' league table with likelihood, movement, distance to
target and the chain's judgment; each capacity review's levels and movement), then one section per
priority (trajectory chart, its delivery chain, the evidence trail), then each capacity review
(heatmap with movement, judgments with trails), chains of priorities not in the report, and the
evidence. The HTML is one self-contained file: inline CSS and SVG, no script, no request.
"""

from __future__ import annotations

from typing import Any

from stocktake.chains.views import MAX_DRAWN, WEAK, chain_body_markdown
from stocktake.core.markup import MOVES, counts, environment, md, number
from stocktake.likelihood.views import priority_markdown
from stocktake.report.model import DeliveryReport, PrioritySummary, ReportChain
from stocktake.review.views import review_body_markdown

__all__ = ["report_html", "report_markdown"]

LATEST = {"above": "above plan", "within": "within tolerance", "below": "below plan", "no-data": "no data"}


def _contents(report: DeliveryReport) -> str:
    parts = []
    if report.assessment is not None:
        n = len(report.assessment.priorities)
        parts.append(f"likelihood of delivery of {n} priorit{'y' if n == 1 else 'ies'} ({report.assessment.period})")
    parts += [f"the capacity review of {r.system} ({r.date})" for r in report.reviews]
    if report.chains:
        parts.append(f"{len(report.chains)} delivery chain{'' if len(report.chains) == 1 else 's'}")
    return "; ".join(parts)


def _chain_level(row: PrioritySummary) -> str:
    return f"{row.chain_rating or 'not judged'} (`{row.chain}`)" if row.chain else "-"


def _chains_by_priority(report: DeliveryReport) -> dict[str, ReportChain]:
    return {c.result.chain["priority"]: c for c in report.chains}


def report_markdown(report: DeliveryReport) -> str:
    """The report as Markdown for pasting into documents (diagrams as Mermaid blocks)."""
    out = [f"# {md(report.title)}", ""]
    out += [f"Report date {report.date or '-'}. Contents: {md(_contents(report))}.", ""]
    out += ["## Summary", ""]
    s = report.summary
    if s.priorities:
        out += ["Likelihood of delivery, `*` where an agreed judgment replaced the computed level. Level codes: "
                "G green, AG amber-green, AR amber-red, R red.", "",
                "| Rank | Priority | Owner | Likelihood | Previous | Movement | Latest against plan | "
                "Distance to target | Delivery chain |", "|---|---|---|---|---|---|---|---|---|"]
        for rank, row in enumerate(s.priorities, 1):
            out.append(f"| {rank} | {md(row.title)} | {md(row.owner)} | **{row.rating or 'not rated'}**"
                       f"{'*' if row.agreed else ''} | {row.previous or '-'} | {MOVES[row.movement]} | "
                       f"{LATEST.get(row.latest, row.latest)} | {md(number(row.distance_to_target, row.unit))} | "
                       f"{_chain_level(row)} |")
        out.append("")
    for r in s.reviews:
        line = (f"- Capacity to deliver, {md(r.system)} ({r.date}): "
                + counts(r.counts, skip_zero=True) + " components")
        if r.movement is not None:
            line += f"; since {r.baseline_date}: " + counts(r.movement, skip_zero=True)
        out.append(line + ".")
        if r.declined:
            out.append(f"- Declined since the baseline: {md(', '.join(r.declined))}.")
        if r.weakest:
            out.append(f"- Weakest: {md(', '.join(r.weakest))}.")
        out.append("")
    if s.chains_without_priority:
        out += [f"Chains of priorities not in this report: {', '.join(s.chains_without_priority)}.", ""]
    chains = _chains_by_priority(report)
    if report.assessment is not None:
        a = report.assessment
        out += ["## Priorities", "", f"Assessed on {a.date} with rule set `{a.rules.id}` {a.rules.version} "
                f"({md(a.rules.title)}).", ""]
        if a.failures:
            out += ["Rule set failures:", ""] + [f"- {md(f.plugin)}: {md(f.where)}: {md(f.message)}"
                                                for f in a.failures] + [""]
        for p in a.priorities:
            out += priority_markdown(p, "###")
            chain = chains.get(p.id)
            if chain is not None:
                out += [f"#### Delivery chain: {md(chain.result.chain['title'])}: {chain.result.judgment.rating}", ""]
                out += chain_body_markdown(chain.drawing, chain.result, "#####")
    for r in report.reviews:
        out += [f"## Capacity to deliver: {md(r.system)}, {r.date}", ""]
        if r.title:
            out += [md(r.title), ""]
        reviewers = "; ".join(f"{md(x.name)} ({x.role})" for x in r.reviewers)
        out += [f"Rubric `{r.rubric.id}` {r.rubric.version}; ratings combined by {md(r.strategy.title)}. "
                f"Reviewers: {reviewers}.", ""]
        if r.baseline:
            out += [f"Baseline: {md(r.baseline.system)}, {r.baseline.date}.", ""]
        out += review_body_markdown(r, "###")
    others = [c for c in report.chains if c.result.chain["id"] in s.chains_without_priority]
    if others:
        out += ["## Other delivery chains", ""]
        for c in others:
            out += [f"### Delivery chain: {md(c.result.chain['title'])}: {c.result.judgment.rating}", ""]
            out += chain_body_markdown(c.drawing, c.result, "####")
    if report.assessment is not None and report.assessment.evidence:
        out += ["## Evidence for the likelihood judgments", "", "| Id | Kind | Source | Date | Summary |",
                "|---|---|---|---|---|"]
        for eid, e in sorted(report.assessment.evidence.items()):
            out.append(f"| {md(eid)} | {e.kind} | {md(e.source)} | {e.date or '-'} | {md(e.summary)} |")
        out.append("")
    out += ["## Inputs", "", "| File | sha256 |", "|---|---|"]
    out += [f"| {md(i.path)} | `{i.sha256}` |" for i in report.inputs]
    out += ["", f"_Stocktake {report.engine.version}._", ""]
    return "\n".join(out)


def _view(report: DeliveryReport) -> dict[str, Any]:
    from markupsafe import Markup

    from stocktake.chains.views import chain_svg
    from stocktake.likelihood.charts import trajectory_svg
    from stocktake.review.views import review_view

    charts = {}
    if report.assessment is not None:
        charts = {p.id: Markup(trajectory_svg(p.trajectory, f"Trajectory of {p.title}"))
                  for p in report.assessment.priorities}
    diagrams = {c.result.chain["id"]: Markup(chain_svg(c.drawing, c.result)) if c.drawing else ""
                for c in report.chains}
    return {
        "report": report, "contents": _contents(report), "charts": charts, "diagrams": diagrams,
        "chains": _chains_by_priority(report), "latest": LATEST, "moves": MOVES,
        "reviews": [(r, review_view(r, anchor=f"review-{i}-")) for i, r in enumerate(report.reviews, 1)],
        "others": [c for c in report.chains if c.result.chain["id"] in report.summary.chains_without_priority],
        "weak": WEAK, "max_drawn": MAX_DRAWN,
    }


def report_html(report: DeliveryReport) -> str:
    """The report as one self-contained HTML page."""
    return environment().get_template("report.html.j2").render(**_view(report))
