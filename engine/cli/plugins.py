"""``stocktake plugins``."""

from __future__ import annotations

import click

from stocktake.cli.settings import Settings, pass_settings


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_settings
def plugins(settings: Settings, fmt: str) -> None:
    """List loaded plugins: name, distribution, version and the hooks each implements.

    Built-in behaviour is listed too: it is loaded through the same entry points.

    \b
    Examples:
      stocktake plugins
      stocktake --disable-plugin builtin-rubrics plugins
      STOCKTAKE_DISABLE_PLUGINS=my-plugin stocktake plugins --format json
    """
    from stocktake.cli.listings import plugin_json, plugin_table

    eng = settings.engine()
    infos, disabled = eng.plugins(), eng.host.disabled
    click.echo(plugin_json(infos, disabled) if fmt == "json" else plugin_table(infos, disabled), nl=False)
