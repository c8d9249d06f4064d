"""``stocktake chain``."""

from __future__ import annotations

import click

from stocktake.cli.documents import OUTPUT_HELP
from stocktake.cli.formats import Formats
from stocktake.cli.settings import Settings, fail_on_plugin_failures, pass_settings

FORMATS = Formats(("json", "md", "html", "dot", "mermaid", "csv", "xlsx"), default="json")


@click.command()
@click.argument("path", metavar="PATH")
@FORMATS.option("csv, xlsx: the chain's judgment and a row per finding (the flat table).")
@click.option("--output", "-o", metavar="PATH", help=OUTPUT_HELP)
@pass_settings
def chain(settings: Settings, path: str, fmt: str | None, output: str | None) -> None:
    """Analyse a delivery chain for weak links, single points of failure and missing feedback.

    Every detector plugin runs on the chain as a graph; the chain is judged by its weakest
    necessary link. Exits 3 (after writing the output) if a detector failed.

    \b
    Examples:
      stocktake chain reading-chain.yaml --format md
      stocktake chain reading-chain.yaml -o chain.mmd
      stocktake chain reading-chain.yaml -o findings.csv
      stocktake chain district-register.yaml --format dot | dot -Tsvg > chain.svg
    """
    from stocktake.core.output import write_output
    from stocktake.render import render_chain

    chosen = FORMATS.resolve(fmt, output)
    settings.check_ledger()
    doc, result = settings.engine().chain_with_document(path, records=True)
    write_output(render_chain(doc, result, chosen), output)
    settings.record("chain", {"path": path}, result)
    fail_on_plugin_failures(result.failures)
