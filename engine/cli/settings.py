"""What every command shares: the options given before the command name, the engine they
build, and the exit-3 report of plugin failures recorded in a result."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from stocktake.api import Engine

__all__ = ["Settings", "fail_on_plugin_failures", "pass_settings"]


@dataclass
class Settings:
    """Options given before the command name, shared by every command."""

    debug: bool = False
    disabled_plugins: tuple[str, ...] = ()
    rubric_paths: tuple[str, ...] = ()
    max_file_mb: int = 50
    ledger: str | None = None
    """The ledger named by --ledger or STOCKTAKE_LEDGER (a path or a URL)."""
    actor: str | None = None
    """--as or STOCKTAKE_ACTOR; else the OS user."""
    no_record: bool = False
    _engine: Engine | None = field(default=None, repr=False)

    def engine(self) -> Engine:
        """The engine for this invocation, built on first use."""
        if self._engine is None:
            from stocktake.api import Engine
            from stocktake.core.loading import freeze_after_bulk
            from stocktake.core.parsing import Limits

            freeze_after_bulk()  # this process ends with the command
            self._engine = Engine(
                rubric_paths=self.rubric_paths, disabled_plugins=self.disabled_plugins,
                limits=Limits(max_bytes=self.max_file_mb * 1024 * 1024),
            )
        return self._engine


    def check_ledger(self) -> None:
        """Before a recording command works: the ledger it will record in opens (created on first use),
        so a ledger that cannot be used is refused before any output is written."""
        if self.ledger is not None and not self.no_record:
            from stocktake.ledger import open_ledger

            open_ledger(self.ledger).close()

    def record(self, command: str, options: dict[str, str | None], result: Any) -> None:
        """Record ``result`` in the ledger, if one is named and --no-record is not given; one line on
        stderr says what was recorded (or that the run was already there)."""
        if self.ledger is None or self.no_record:
            return
        from stocktake.core.errors import one_line
        from stocktake.ledger import describe
        from stocktake.ledger.recording import default_actor, record_result

        for run, new in record_result(self.ledger, self.engine(), command, options, result,
                                      self.actor or default_actor()):
            what = f"run {run.short_id} ({run.command}, seq {run.seq}, {run.entries} judgments)"
            click.echo(one_line(f"{'recorded' if new else 'already recorded as'} {what} in {describe(self.ledger)}"),
                       err=True)


pass_settings = click.make_pass_decorator(Settings, ensure=True)


def fail_on_plugin_failures(failures: list[Any]) -> None:
    """After the output is written: one error line per plugin failure recorded in a result (exit 3)."""
    if failures:
        from stocktake.core.errors import ManyErrors, PluginError

        raise ManyErrors([PluginError(f"failed in {f.where}: {f.message}", plugin=f.plugin,
                                      distribution=f.distribution, version=f.version) for f in failures])
