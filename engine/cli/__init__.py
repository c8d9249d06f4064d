"""The ``stocktake`` command: thin click commands over :class:`stocktake.Engine`.

Each command parses its arguments, calls one library function and renders the result. User errors
(:class:`~stocktake.core.errors.StocktakeError`) become one line on stderr and their exit code here, in
:meth:`StocktakeGroup.invoke`, and nowhere else; anything else is a bug and keeps its traceback
(exit 1). This module imports only click at start-up: everything heavy is imported inside commands.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from stocktake._version import __version__
from stocktake.cli.settings import Settings
from stocktake.core.errors import StocktakeError, visible

__all__ = ["main"]

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class Terminated(BaseException):
    """``SIGTERM`` or ``SIGHUP`` arrived. Raised where the command is, like ``KeyboardInterrupt`` for
    ``SIGINT``, so the output being written is discarded on the way out."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextmanager
def _termination_discards_output() -> Iterator[None]:
    """While the command runs (not at import: a library's signals are its host's), ``SIGTERM`` and
    ``SIGHUP`` raise :class:`Terminated`. A signal already ignored (``nohup``) stays ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    command = os.getpid()
    received: list[int] = []

    def terminate(signum: int, frame: object) -> None:
        if os.getpid() != command:  # a worker process forked by the command: end as by default
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        received.append(signum)
        raise Terminated(signum)

    # A signal handled while Python runs a finaliser or a weakref callback (the process pool has
    # them) raises Terminated where it cannot propagate: Python reports it as "Exception ignored"
    # and carries on. Such a Terminated is not reported; the signal is remembered and ends the
    # command at the next error (a pool whose workers the same signal ended) or when it returns.
    unraisable = sys.unraisablehook

    def drop_terminated(report: Any) -> None:
        if not isinstance(report.exc_value, Terminated):
            unraisable(report)

    previous = {}
    for signum in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) is signal.SIG_DFL:
            previous[signum] = signal.signal(signum, terminate)
    sys.unraisablehook = drop_terminated
    try:
        yield
    except (Terminated, KeyboardInterrupt):
        raise
    except BaseException as err:
        if received:
            raise Terminated(received[0]) from err
        raise
    else:
        if received:
            raise Terminated(received[0])
    finally:
        sys.unraisablehook = unraisable
        for signum, handler in previous.items():
            signal.signal(signum, handler)


class StocktakeGroup(click.Group):
    """The command group; the single place where user errors become exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        from stocktake.core.files import forget_inputs
        from stocktake.core.output import discard_standard_output, is_write_failure, write_failure

        forget_inputs()  # inputs are this command's (an in-process runner runs many)
        try:
            with _termination_discards_output():
                try:
                    return super().invoke(ctx)
                finally:
                    sys.stdout.flush()  # here, so a full disk or a closed pipe is reported below
        except KeyboardInterrupt:
            # Outputs are written to a temporary file and renamed: an interrupted run leaves the
            # previous file (or none), never part of one.
            click.echo("error: interrupted; no file was left half-written", err=True)
            ctx.exit(130)
        except Terminated as stop:
            click.echo(f"error: {signal.Signals(stop.signum).name}; no file was left half-written", err=True)
            ctx.exit(128 + stop.signum)
        except BrokenPipeError:
            discard_standard_output()  # the reader has gone (``| head``): end quietly, as a shell expects
            ctx.exit(128 + signal.SIGPIPE)
        except OSError as err:
            if not is_write_failure(err) or err.filename is not None:
                raise  # files are written through stocktake.core.output, which words its errors
            discard_standard_output()
            self._fail(ctx, write_failure(None, err))
        except StocktakeError as err:
            self._fail(ctx, err)
        except click.NoSuchOption as err:
            raise self._global_option_after_command(err) from None

    def _global_option_after_command(self, err: click.NoSuchOption) -> click.UsageError:
        """``err``, or one saying so when the option the command lacks is one of ``stocktake``'s
        own given after the command name (``stocktake review x.yaml --rubric-path r/``)."""
        name = err.option_name.split("=", 1)[0]
        ours = next((p for p in self.params if isinstance(p, click.Option) and name in p.opts), None)
        if ours is None:
            return err
        command = err.ctx.info_name if err.ctx is not None else "COMMAND"
        value = f" {ours.metavar}" if ours.metavar and not ours.is_flag else ""
        return click.UsageError(f"{name} is an option of stocktake itself, not of {command}: give it before "
                                f"the command, as in: stocktake {name}{value} {command} ...", ctx=err.ctx)

    @staticmethod
    def _fail(ctx: click.Context, err: StocktakeError) -> None:
        settings = ctx.find_object(Settings)
        if settings is not None and settings.debug:
            import traceback

            traceback.print_exc(file=sys.stderr)
        limit = settings.max_errors if settings is not None else Settings.max_errors
        for line in err.lines(limit):
            click.echo(f"error: {visible(line)}", err=True)  # escaped again, whatever lines() did; cut once
        ctx.exit(int(err.exit_code))


def _non_empty_paths(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    # An empty entry (``::``, a leading or trailing separator) is not the current directory.
    return tuple(path for path in value if path)


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
    type=click.Path(), envvar="STOCKTAKE_RUBRIC_PATH", callback=_non_empty_paths,
    help="Also read rubrics from this file or directory (repeatable; env STOCKTAKE_RUBRIC_PATH, "
         "separated like PATH; empty entries are ignored).",
)
@click.option(
    "--max-file-mb", type=click.IntRange(1, 100_000), default=50, show_default=True, metavar="N",
    envvar="STOCKTAKE_MAX_FILE_MB", help="Refuse input files larger than N MiB (env STOCKTAKE_MAX_FILE_MB).",
)
@click.option(
    "--max-errors", type=click.IntRange(1, 1_000_000), default=20, show_default=True, metavar="N",
    envvar="STOCKTAKE_MAX_ERRORS",
    help="Show at most N errors of one document, then how many more (env STOCKTAKE_MAX_ERRORS).",
)
@click.option(
    "--ledger", metavar="PATH|URL", envvar="STOCKTAKE_LEDGER",
    help="The history ledger: a SQLite file (created on first use) or a postgresql:// URL (env STOCKTAKE_LEDGER). "
         "review, judge, chain and report record their runs in it.",
)
@click.option("--as", "actor", metavar="NAME", envvar="STOCKTAKE_ACTOR",
              help="Who is recording (env STOCKTAKE_ACTOR; default: the OS user).")
@click.option("--no-record", is_flag=True, help="Read the ledger only: record nothing in it.")
@click.pass_context
def cli(ctx: click.Context, debug: bool, disabled_plugins: tuple[str, ...], rubric_paths: tuple[str, ...],
        max_file_mb: int, max_errors: int, ledger: str | None, actor: str | None, no_record: bool) -> None:
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
    130 interrupted (Ctrl-C), 143 and 129 ended by SIGTERM and SIGHUP (no file is left
    half-written), 141 standard output closed by its reader.
    """
    ctx.obj = Settings(debug=debug, disabled_plugins=disabled_plugins, rubric_paths=rubric_paths,
                       max_file_mb=max_file_mb, max_errors=max_errors, ledger=ledger or None,
                       actor=(actor or "").strip() or None, no_record=no_record)


def _register_commands() -> None:
    from stocktake.cli import (
        chain,
        documents,
        history,
        judge,
        ledger,
        plugins,
        report,
        review,
        rubrics,
        serve,
        template,
    )

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
    cli.add_command(template.template)
    cli.add_command(ledger.ledger)
    cli.add_command(history.history)
    cli.add_command(serve.serve)


_register_commands()


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(args=argv, prog_name="stocktake")
