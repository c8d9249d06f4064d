"""``stocktake review``."""

from __future__ import annotations

import click

from stocktake.cli.documents import OUTPUT_HELP
from stocktake.cli.formats import Formats
from stocktake.cli.settings import Settings, fail_on_plugin_failures, pass_settings

FORMATS = Formats(("json", "md", "html", "csv", "xlsx"), default="json")


@click.command()
@click.argument("path", metavar="PATH")
@click.option("--baseline", metavar="PATH", help="An earlier review, or its result JSON, to show movement against.")
@click.option("--strategy", metavar="NAME",
              help="Aggregation strategy (default: the review's, the rubric's, else the plugins' declared "
                   "default, built in: lower-median).")
@FORMATS.option("csv, xlsx: one row per judgment (the flat table).")
@click.option("--output", "-o", metavar="PATH", help=OUTPUT_HELP)
@pass_settings
def review(settings: Settings, path: str, baseline: str | None, strategy: str | None, fmt: str | None,
           output: str | None) -> None:
    """Score a capacity review: each component's judgment with its evidence trail.

    Combines the reviewers' ratings per component with an aggregation strategy, flags
    disagreement and weak evidence, applies agreed judgments (keeping the computed level), rolls
    components up into stages, and with --baseline shows movement since the earlier review.
    Exits 3 (after writing the output) if a strategy plugin failed on some component.

    \b
    Examples:
      stocktake review review-2026.yaml
      stocktake review review-2026.yaml --baseline review-2024.yaml --format md
      stocktake review review-2026.yaml --strategy independent-led -o review.html
      stocktake review review-2026.yaml -o judgments.xlsx
    """
    from stocktake.core.output import write_output
    from stocktake.render import render_review

    chosen = FORMATS.resolve(fmt, output)
    settings.check_ledger()
    result = settings.engine().review(path, strategy=strategy, baseline=baseline)
    write_output(render_review(result, chosen), output)
    settings.record("review", {"path": path, "strategy": strategy, "baseline": baseline}, result)
    fail_on_plugin_failures(result.failures)
