"""``stocktake history SUBJECT``."""

from __future__ import annotations

import click

from stocktake.cli.documents import OUTPUT_HELP
from stocktake.cli.settings import Settings, pass_settings


@click.command()
@click.argument("subject", metavar="SUBJECT")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--output", "-o", metavar="PATH", help=OUTPUT_HELP)
@pass_settings
def history(settings: Settings, subject: str, fmt: str, output: str | None) -> None:
    """A subject's levels over time, from the ledger: at each point the level, the movement since
    the point before (by the scale's rank), the rule and the reason.

    SUBJECT is a priority, a capacity component or a chain as the flat table names it
    (priority:reading, component:define-aspiration), or its bare id or rubric code (reading, 3A)
    when that names one subject in the ledger. Reads the ledger only: records nothing.

    \b
    Examples:
      stocktake --ledger history.sqlite history priority:reading
      stocktake --ledger history.sqlite history 3A --format json
    """
    from stocktake.core.errors import UsageError
    from stocktake.core.output import write_output
    from stocktake.ledger import open_ledger
    from stocktake.ledger.history import history_json, history_text, subject_history

    if settings.ledger is None:
        raise UsageError("stocktake history reads the history ledger: name one with --ledger PATH "
                         "(or STOCKTAKE_LEDGER)")
    with open_ledger(settings.ledger, create=False) as ledger:
        found = subject_history(ledger, subject, settings.engine().scales())
    write_output(history_json(found) if fmt == "json" else history_text(found), output)
