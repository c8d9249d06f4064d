"""``stocktake validate`` and ``stocktake schema``."""

from __future__ import annotations

import click

from stocktake.cli.settings import Settings, pass_settings

OUTPUT_HELP = "Write here instead of standard output ('-' is standard output). Written whole or not at all."


@click.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@pass_settings
def validate(settings: Settings, paths: tuple[str, ...]) -> None:
    """Check documents of any kind against their schema and rules.

    Prints one line per valid file. Each invalid file gives one line on stderr per problem (at
    most --max-errors, a global option, then how many more), naming the file, line:column, the
    JSON path, what was expected and what was found; the exit code is then 2.

    \b
    Examples:
      stocktake validate rubrics/*.yaml
      stocktake validate review.yaml chain.json
    """
    from stocktake.core.errors import ManyErrors
    from stocktake.core.markup import printable

    outcomes = settings.engine().validate(paths)
    for outcome in outcomes:
        if outcome.ok and outcome.document is not None:
            doc = outcome.document
            ident = " ".join(
                str(getattr(doc.model, name)) for name in ("id", "version") if hasattr(doc.model, name)
            )
            click.echo(printable(f"ok: {outcome.path} ({doc.kind} {ident})".replace(" )", ")")))
    errors = [o.error for o in outcomes if o.error is not None]
    if errors:
        raise ManyErrors(errors)


@click.command()
@click.argument("kind", metavar="KIND")
@click.option("--output", "-o", metavar="PATH", help=OUTPUT_HELP)
def schema(kind: str, output: str | None) -> None:
    """Print the published JSON Schema (Draft 2020-12) of a document KIND.

    \b
    Examples:
      stocktake schema Rubric
      stocktake schema rubric --output rubric.schema.json
    """
    from stocktake.core.output import write_output
    from stocktake.core.schemas import kind_named, load_schema
    from stocktake.kinds import KINDS
    from stocktake.render import dump_json

    write_output(dump_json(load_schema(kind_named(kind, KINDS))), output)
