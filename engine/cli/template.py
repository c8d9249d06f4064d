"""``stocktake template``."""

from __future__ import annotations

import click

from stocktake.cli.settings import Settings, pass_settings


@click.command()
@click.argument("rubric", metavar="RUBRIC")
@click.option("--reviewers", metavar="ID,...", help="Reviewer ids, separated by commas (default: the --review's).")
@click.option("--review", "review_path", metavar="REVIEW.yaml",
              help="A CapacityReview whose reviewers (and evidence ids) the template lists.")
@click.option("--layout", type=click.Choice(["rows", "matrix"]), default="rows", show_default=True,
              help="rows: one row per item and reviewer; matrix: one row per item, a level column per reviewer.")
@click.option("--output", "-o", metavar="PATH",
              help="ratings.xlsx or ratings.csv (the format follows the suffix); '-' writes CSV to standard output.")
@click.option("--force", is_flag=True, help="Replace an existing file at --output (it may hold reviewers' ratings).")
@pass_settings
def template(settings: Settings, rubric: str, reviewers: str | None, review_path: str | None, layout: str,
             output: str | None, force: bool) -> None:
    """Write a ratings template to hand to reviewers.

    RUBRIC is an installed rubric (ID or ID@VERSION) or a rubric file. The workbook has an
    Instructions sheet, then the sheet 'ratings': one row per item and reviewer, a drop-down of
    the item's levels, rationale and evidence columns and the item's level descriptors. Name it
    under 'ratings_file' in the review and it is read back as it is.

    \b
    Examples:
      stocktake template delivery-capacity-review --reviewers du,ind -o ratings.xlsx
      stocktake template delivery-capacity-review --review review.yaml --layout matrix -o ratings.xlsx
      stocktake template our-rubric.yaml --reviewers du -o -          # CSV to standard output
    """
    from stocktake.core.output import write_output
    from stocktake.review.template import TemplateRequest, write_template

    content = write_template(settings.engine(), TemplateRequest(rubric, reviewers, review_path, layout, output, force))
    write_output(content, output)
