"""``stocktake chain``."""

from __future__ import annotations

import click

from stocktake.cli.documents import OUTPUT_HELP
from stocktake.cli.settings import Settings, fail_on_plugin_failures, pass_settings


@click.command()
@click.argument("path", metavar="PATH")
@click.option("--format", "fmt", type=click.Choice(["json", "md", "html", "dot", "mermaid"]), default="json",
              show_default=True)
@click.option("--output", "-o", metavar="PATH", help=OUTPUT_HELP)
@pass_settings
def chain(settings: Settings, path: str, fmt: str, output: str | None) -> None:
    """Analyse a delivery chain for weak links, single points of failure and missing feedback.

    Every detector plugin runs on the chain as a graph; the chain is judged by its weakest
    necessary link. Exits 3 (after writing the output) if a detector failed.

    \b
    Examples:
      stocktake chain reading-chain.yaml --format md
      stocktake chain reading-chain.yaml --format mermaid -o chain.mmd
      stocktake chain district-register.yaml --format dot | dot -Tsvg > chain.svg
    """
    from stocktake.core.output import write_output
    from stocktake.render import render_chain

    doc, result = settings.engine().chain_with_document(path)
    write_output(render_chain(doc, result, fmt), output)
    fail_on_plugin_failures(result.failures)
