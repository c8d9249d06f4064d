"""``stocktake report`` and ``stocktake demo``."""

from __future__ import annotations

import click

from stocktake.cli.documents import OUTPUT_HELP
from stocktake.cli.formats import Formats
from stocktake.cli.settings import Settings, fail_on_plugin_failures, pass_settings

FORMATS = Formats(("html", "md", "json", "pdf"), default="html")


@click.command()
@click.argument("paths", metavar="PATH...", nargs=-1, required=True)
@click.option("--title", metavar="TEXT", help="The report's title (default: from the assessment or review).")
@click.option("--rules", metavar="NAME", help="Rule set for assessments judged here (id or RuleSet file).")
@click.option("--severity-rules", "severity_rules", metavar="NAME",
              help="Severity rule set for assessments judged here (id or RuleSet file; default: the assessment's, "
                   "else severity-default).")
@click.option("--strategy", metavar="NAME", help="Aggregation strategy for reviews scored here.")
@FORMATS.option("pdf needs the optional extra: pip install 'stocktake[pdf]'.")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4", show_default=True,
              help="Paper the HTML prints on and the PDF is laid out for.")
@click.option("--output", "-o", metavar="PATH", help=OUTPUT_HELP)
@pass_settings
def report(settings: Settings, paths: tuple[str, ...], title: str | None, rules: str | None, severity_rules: str | None,
           strategy: str | None, fmt: str | None, paper: str, output: str | None) -> None:
    """Join reviews, assessments and chains into one delivery report for a system leader.

    Each PATH is a CapacityReview, DeliveryAssessment or DeliveryChain, or the result JSON of one
    (or a finished report's JSON, given alone, to render it again). The latest review of each
    system is shown with movement since the review before it; the latest assessment with the
    earlier one's judgments as previous; each chain beside its priority, its judgment cited as
    evidence. The HTML is one self-contained page: no script, nothing fetched, prints cleanly on
    A4 (or --paper letter); --format pdf (or -o report.pdf) lays it out as PDF through WeasyPrint.
    Exits 3 (after writing) if a plugin failed.

    \b
    Examples:
      stocktake report assessment.yaml review-2026.yaml review-2024.yaml chains/*.yaml -o report.html
      stocktake report assessment-result.json review-result.json --format md
      stocktake report report.json -o report.html
      stocktake report report.json -o report.pdf --paper letter
    """
    import json

    from stocktake.core.output import write_output
    from stocktake.render import render_report, render_report_pdf

    chosen = FORMATS.resolve(fmt, output)
    settings.check_ledger()
    result = settings.engine().report(paths, title=title, rules=rules, strategy=strategy,
                                       severity_rules=severity_rules)
    content = render_report_pdf(result, paper) if chosen == "pdf" else render_report(result, chosen, paper)
    write_output(content, output)
    settings.record("report", {"paths": json.dumps(paths), "rules": rules, "strategy": strategy,
                               "severity_rules": severity_rules}, result)
    failures = [*(result.assessment.failures if result.assessment else []),
                *(f for r in result.reviews for f in r.failures),
                *(f for c in result.chains for f in c.result.failures)]
    fail_on_plugin_failures(failures)


@click.command()
@click.option("--output", "-o", "directory", metavar="DIR", default="stocktake-demo", show_default=True,
              type=click.Path(file_okay=False), help="Directory to write into (created if needed).")
@pass_settings
def demo(settings: Settings, directory: str) -> None:
    """Run the bundled example system end to end and write its report.

    Copies the example (Northshire, a fictional state education system: a capacity review by
    four reviewers with a baseline two years earlier, three priorities with trajectories, a
    delivery chain each) into DIR/example, then writes DIR/report.html, report.md, report.json and
    each result's JSON under DIR/results. Open report.html in a browser.

    \b
    Examples:
      stocktake demo
      stocktake demo --output /tmp/northshire
    """
    from stocktake.demo import run_demo

    run = run_demo(settings.engine(), directory)
    for path in run.written:
        click.echo(f"wrote {path}")
    click.echo(f"The example's documents are in {run.example}; open {run.written[0]} in a browser.")
