"""The ``stocktake`` command: thin click commands over :class:`stocktake.Engine`.

Each command parses its arguments, calls one library function and renders the result. User errors
(:class:`~stocktake.core.errors.StocktakeError`) become one line on stderr and their exit code here, in
:meth:`StocktakeGroup.invoke`, and nowhere else; anything else is a bug and keeps its traceback
(exit 1). This module imports only click at start-up: everything heavy is imported inside commands.
"""

from __future__ import annotations

import sys
import traceback
from typing import Any

import click

from stocktake._version import __version__
from stocktake.cli.settings import Settings
from stocktake.core.errors import StocktakeError, one_line

__all__ = ["main"]

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class StocktakeGroup(click.Group):
    """The command group; the single place where user errors become exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            # Outputs are written to a temporary file and renamed: an interrupted run leaves the
            # previous file (or none), never part of one.
            click.echo("error: interrupted; no file was left half-written", err=True)
            ctx.exit(130)
        except StocktakeError as err:
            settings = ctx.find_object(Settings)
            if settings is not None and settings.debug:
                traceback.print_exc(file=sys.stderr)
            for line in err.lines():
                click.echo(f"error: {one_line(line)}", err=True)  # one_line again: whatever lines() did
            ctx.exit(int(err.exit_code))


def _split_names(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    names: list[str] = []
    for item in value:
        names += [n.strip() for n in item.replace(",", " ").split() if n.strip()]
    return tuple(names)


@click.group(cls=StocktakeGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", prog_name="stocktake", message="%(prog)s %(version)s")
@click.option("--debug", is_flag=True, help="Show tracebacks for user errors too.")
@click.option(
    "--disable-plugin", "disabled_plugins", multiple=True, metavar="NAME",
    envvar="STOCKTAKE_DISABLE_PLUGINS", callback=_split_names,
    help="Do not load the plugin NAME (repeatable; env STOCKTAKE_DISABLE_PLUGINS, comma or space separated).",
)
@click.option(
    "--rubric-path", "rubric_paths", multiple=True, metavar="DIR",
    type=click.Path(), envvar="STOCKTAKE_RUBRIC_PATH",
    help="Also read rubrics from this file or directory (repeatable; env STOCKTAKE_RUBRIC_PATH, "
         "separated like PATH).",
)
@click.option(
    "--max-file-mb", type=click.IntRange(1, 100_000), default=50, show_default=True, metavar="N",
    envvar="STOCKTAKE_MAX_FILE_MB", help="Refuse input files larger than N MiB (env STOCKTAKE_MAX_FILE_MB).",
)
@click.pass_context
def cli(ctx: click.Context, debug: bool, disabled_plugins: tuple[str, ...], rubric_paths: tuple[str, ...],
        max_file_mb: int) -> None:
    """Stocktake: judgments a system leader can trust, each with its evidence trail.

    Rates delivery capacity against a rubric, judges the likelihood of delivery of priorities,
    and finds weak links in delivery chains. Rubrics, scales and rules come from plugins.

    \b
    Examples:
      stocktake demo                      # the bundled example, end to end
      stocktake rubrics
      stocktake rubrics show delivery-capacity-review
      stocktake validate my-rubric.yaml

    Exit codes: 0 done, 1 internal error (a bug), 2 bad input or usage, 3 a plugin failed,
    130 interrupted (Ctrl-C; no file is left half-written).
    """
    ctx.obj = Settings(debug=debug, disabled_plugins=disabled_plugins, rubric_paths=rubric_paths,
                       max_file_mb=max_file_mb)


def _register_commands() -> None:
    from stocktake.cli import chain, documents, judge, plugins, report, review, rubrics

    cli.add_command(review.review)
    cli.add_command(chain.chain)
    cli.add_command(judge.judge)
    cli.add_command(judge.rules)
    cli.add_command(report.report)
    cli.add_command(report.demo)
    cli.add_command(documents.validate)
    cli.add_command(documents.schema)
    cli.add_command(rubrics.rubrics)
    cli.add_command(plugins.plugins)


_register_commands()


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(args=argv, prog_name="stocktake")
