"""``stocktake chain``."""

from __future__ import annotations

import click

from engine.cli import Settings, fail_on_plugin_failures, pass_settings
from engine.cli.documents import OUTPUT_HELP


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
    from engine.chain_views import chain_dot, chain_html, chain_markdown, chain_mermaid
    from engine.output import write_output
    from engine.views import dump_json

    doc, result = settings.engine().chain_with_document(path)
    if fmt == "json":
        text = dump_json(result.model_dump(mode="json"))
    else:
        render = {"md": chain_markdown, "html": chain_html, "dot": chain_dot, "mermaid": chain_mermaid}[fmt]
        text = render(doc, result)
    write_output(text, output)
    fail_on_plugin_failures(result.failures)
