"""``stocktake ledger verify|replay|runs|export``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from stocktake.cli.documents import OUTPUT_HELP
from stocktake.cli.settings import Settings, pass_settings

if TYPE_CHECKING:
    from stocktake.ledger import Ledger


def _open(settings: Settings) -> Ledger:
    from stocktake.core.errors import UsageError
    from stocktake.ledger import open_ledger

    if settings.ledger is None:
        raise UsageError("no ledger named: give --ledger PATH before the command (stocktake --ledger "
                         "history.sqlite ledger runs), or set STOCKTAKE_LEDGER")
    return open_ledger(settings.ledger, create=False)


@click.group()
def ledger() -> None:
    """The history ledger: check it, replay a run, list runs, export judgments.

    The ledger is named by --ledger (or STOCKTAKE_LEDGER) before the command.

    \b
    Examples:
      stocktake --ledger history.sqlite ledger runs
      stocktake --ledger history.sqlite ledger verify
      stocktake --ledger history.sqlite ledger replay 31d6de77
      stocktake --ledger history.sqlite ledger export --format csv -o judgments.csv
    """


@ledger.command()
@pass_settings
def verify(settings: Settings) -> None:
    """Walk the hash chain and re-hash every stored file; exit 2 naming the first row that does not match.

    \b
    Examples:
      stocktake --ledger history.sqlite ledger verify
      STOCKTAKE_LEDGER=postgresql://stocktake@db/history stocktake ledger verify
    """
    from stocktake.ledger import LedgerError, describe

    with _open(settings) as opened:
        report = opened.verify()
    if not report.ok:
        raise LedgerError(f"{describe(settings.ledger or '')}: {report.problem}")
    click.echo(f"{describe(settings.ledger or '')}: {report.runs} runs, {report.events} events, {report.rows} "
               "rows and stored files checked: the hash chain is intact")


@ledger.command()
@click.argument("run", metavar="RUN")
@pass_settings
def replay(settings: Settings, run: str) -> None:
    """Re-derive RUN (its id, or its first digits) from its stored inputs and compare the bytes.

    The inputs are put back in a temporary directory with the layout they had; the command runs
    again with the recorded options; exit 2 naming the first line that differs.

    \b
    Examples:
      stocktake --ledger history.sqlite ledger replay 31d6de77
      stocktake --ledger history.sqlite ledger replay 31d6de770cfcddea
    """
    from stocktake._version import __version__
    from stocktake.ledger.recording import engine_plugins
    from stocktake.ledger.replay import replay as replay_run

    engine = settings.engine()
    with _open(settings) as opened:
        replayed = replay_run(opened, run, engine.derive, engine_version=__version__, plugins=engine_plugins(engine))
    click.echo(replayed.message())


@ledger.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_settings
def runs(settings: Settings, fmt: str) -> None:
    """List the recorded runs: seq, run id, command, date, period or system, actor, recorded at.

    \b
    Examples:
      stocktake --ledger history.sqlite ledger runs
      stocktake --ledger history.sqlite ledger runs --format json
    """
    from dataclasses import asdict

    from stocktake.cli.listings import table
    from stocktake.render import dump_json

    with _open(settings) as opened:
        found = opened.runs()
    if fmt == "json":
        click.echo(dump_json([asdict(r) for r in found]), nl=False)
        return
    rows = [(str(r.seq), r.short_id, r.command, r.date or "", r.period or r.system or "", r.actor, r.recorded_at)
            for r in found]
    click.echo(table(("SEQ", "RUN", "COMMAND", "DATE", "PERIOD/SYSTEM", "ACTOR", "RECORDED AT"), rows), nl=False)


@ledger.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default=None,
              help="jsonl (default): a line per run, each followed by its judgments; csv: the judgments as the "
                   "flat table, with run_id, seq, system, period, date at the end.")
@click.option("--output", "-o", metavar="PATH", help=OUTPUT_HELP)
@pass_settings
def export(settings: Settings, fmt: str | None, output: str | None) -> None:
    """Write the ledger's runs and judgments as JSON Lines, or its judgments as CSV.

    \b
    Examples:
      stocktake --ledger history.sqlite ledger export -o ledger.jsonl
      stocktake --ledger history.sqlite ledger export --format csv -o judgments.csv
    """
    from stocktake.core.output import write_output
    from stocktake.core.workbook_out import table_csv
    from stocktake.ledger.export import EXPORT_COLUMNS, export_jsonl, export_rows

    chosen = fmt or ("csv" if output and output.lower().endswith(".csv") else "jsonl")
    with _open(settings) as opened:
        content: str | bytes = (table_csv(EXPORT_COLUMNS, export_rows(opened)) if chosen == "csv"
                                else "".join(export_jsonl(opened)))
    write_output(content, output)
