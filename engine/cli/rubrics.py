"""``stocktake rubrics`` and ``stocktake rubrics show``."""

from __future__ import annotations

import click

from stocktake.cli.documents import OUTPUT_HELP
from stocktake.cli.formats import Formats
from stocktake.cli.settings import Settings, pass_settings


@click.group(invoke_without_command=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def rubrics(ctx: click.Context, fmt: str) -> None:
    """List installed rubrics: id, version, title and where each came from.

    Rubrics come from the built-in set, from plugins, and from --rubric-path directories.

    \b
    Examples:
      stocktake rubrics
      stocktake --rubric-path ./our-rubrics rubrics --format json
      stocktake rubrics show delivery-capacity-review
    """
    if ctx.invoked_subcommand is not None:
        return
    from stocktake.cli.listings import rubric_listing_json, rubric_table

    entries = ctx.find_object(Settings).engine().rubrics()  # type: ignore[union-attr]
    click.echo(rubric_listing_json(entries) if fmt == "json" else rubric_table(entries), nl=False)


SHOW_FORMATS = Formats(("md", "json"), default="md")


@rubrics.command("show")
@click.argument("rubric_id", metavar="ID")
@click.option("--version", "version", metavar="VERSION", help="A specific version (default: the latest installed).")
@SHOW_FORMATS.option("md: readable Markdown; json: the rubric as a JSON document.")
@click.option("--output", "-o", metavar="PATH", help=OUTPUT_HELP)
@pass_settings
def show(settings: Settings, rubric_id: str, version: str | None, fmt: str | None, output: str | None) -> None:
    """Show one rubric: every section, component and criterion with its descriptors.

    \b
    Examples:
      stocktake rubrics show delivery-capacity-review
      stocktake rubrics show delivery-capacity-review --format json
      stocktake rubrics show likelihood-of-delivery --version 1.0.0 -o lod.md
    """
    from stocktake.cli.listings import rubric_json, rubric_markdown
    from stocktake.core.output import write_output

    chosen = SHOW_FORMATS.resolve(fmt, output)
    entry = settings.engine().rubric(rubric_id, version)
    write_output(rubric_json(entry.rubric) if chosen == "json" else rubric_markdown(entry), output)


@rubrics.command("diff")
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_settings
def diff(settings: Settings, old: str, new: str, fmt: str) -> None:
    """Show what changed between two rubric versions (each a file, ID@VERSION or ID).

    Items whose wording changed are not compared when a review is set against a baseline scored
    on the other version; this shows which ones and why.

    \b
    Examples:
      stocktake rubrics diff delivery-capacity-review@1.0.0 ./our-rubrics/capacity-1.1.yaml
      stocktake rubrics diff old.yaml new.yaml --format json
    """
    from stocktake.cli.listings import table
    from stocktake.render import dump_json
    from stocktake.rubric.diff import diff_rubrics

    eng = settings.engine()
    before, after = eng.rubric_from(old), eng.rubric_from(new)
    changes = diff_rubrics(before, after)
    if fmt == "json":
        click.echo(dump_json({"old": {"id": before.id, "version": before.version},
                              "new": {"id": after.id, "version": after.version},
                              "changes": [c.as_dict() for c in changes]}), nl=False)
        return
    from stocktake.core.markup import printable

    click.echo(printable(f"{before.id} {before.version} -> {after.id} {after.version}: {len(changes)} change(s)"))
    if changes:
        rows = [(c.kind, c.what, c.id, ", ".join(c.fields), c.detail) for c in changes]
        click.echo(table(("CHANGE", "WHAT", "ID", "FIELDS", "DETAIL"), rows), nl=False)
