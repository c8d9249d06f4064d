"""``stocktake judge`` and ``stocktake rules [check]``."""

from __future__ import annotations

from typing import Any

import click

from stocktake.cli.documents import OUTPUT_HELP
from stocktake.cli.formats import Formats
from stocktake.cli.settings import Settings, fail_on_plugin_failures, pass_settings

FORMATS = Formats(("json", "jsonl", "md", "html", "csv", "xlsx"), default="json")


# long: one command for an assessment and a JSON Lines batch, streamed or held, each recorded as it was judged
@click.command()
@click.argument("path", metavar="PATH")
@click.option("--rules", metavar="NAME",
              help="Rule set id or RuleSet file (default: the assessment's, else the plugins' declared default, "
                   "built in: likelihood-default).")
@click.option("--severity-rules", "severity_rules", metavar="NAME",
              help="Severity rule set id or RuleSet file (default: the assessment's, else the plugins' declared "
                   "default, built in: severity-default).")
@click.option("--previous", metavar="PATH|latest",
              help="An earlier result (or assessment) giving each priority's previous level; latest: the latest "
                   "earlier assessment in the ledger (--ledger).")
@click.option("--chain", "chains", multiple=True, metavar="PATH",
              help="A DeliveryChain whose judgment is evidence for its priority's delivery-chain sub-criterion "
                   "(repeatable).")
@click.option("--period", metavar="TEXT", help="For a JSON Lines batch: the reporting period, e.g. 2026-H2.")
@click.option("--as-of", "as_of", metavar="DATE", help="For a JSON Lines batch: the assessment date (YYYY-MM-DD).")
@FORMATS.option("jsonl: one priority's result per line; csv, xlsx: a likelihood and a severity row per priority "
                "(the flat table).")
@click.option("--output", "-o", metavar="PATH", help=OUTPUT_HELP)
@click.option("--jobs", "-j", type=click.IntRange(0, 256), default=1, show_default=True, metavar="N",
              help="For a JSON Lines batch file written as JSON Lines: judge in N processes (0: one per CPU), "
                   "each reading its own ranges of the file. Output order is the input order.")
@pass_settings
def judge(settings: Settings, path: str, rules: str | None, severity_rules: str | None, previous: Any,
          chains: tuple[str, ...],
          period: str | None, as_of: str | None, fmt: str | None, output: str | None, jobs: int) -> None:
    """Judge each priority's likelihood of delivery, with the rules that decided and why.

    PATH is a DeliveryAssessment (YAML or JSON) or a JSON Lines file of priorities (one per line,
    with --period and --as-of). Exits 3 (after writing the output) if the rule set failed on
    some priority.

    \b
    Examples:
      stocktake judge assessment-2026-h2.yaml --format md
      stocktake judge assessment.yaml --previous result-2026-h1.json -o result.json
      stocktake --ledger history.sqlite judge assessment.yaml --previous latest
      stocktake judge assessment.yaml -o judgments.xlsx
      stocktake judge assessment.yaml --chain reading-chain.yaml --format md
      stocktake judge priorities.jsonl --period 2026-H2 --as-of 2026-10-31 --format jsonl
      stocktake judge priorities.jsonl --period 2026-H2 --as-of 2026-10-31 --format jsonl -j 0 -o out.jsonl

    On a terminal, a JSON Lines batch shows its progress on stderr (not when piped or under CI).
    """
    import json

    from stocktake.core.output import open_output, write_output
    from stocktake.render import render_assessment

    if chains and path.endswith(".jsonl"):
        from stocktake.core.errors import UsageError

        raise UsageError("--chain is for assessments, not JSON Lines batches")
    fmt = FORMATS.resolve(fmt, output)
    settings.check_ledger()
    streaming = fmt == "jsonl" and path.endswith(".jsonl")
    previous = _latest_assessment(settings, path, as_of) if previous == "latest" else previous
    if jobs != 1 and not streaming:
        from stocktake.core.errors import UsageError

        raise UsageError("--jobs is for JSON Lines batches written as JSON Lines (--format jsonl)")
    if streaming:
        import os

        from stocktake.cli.progress import Progress

        # One line in, one line out: the batch is never held in memory.
        with open_output(output, inputs=[path]) as out, Progress.on_stderr("judged", "priorities") as progress:
            _, failures = settings.engine().judge_stream(path, out, rules=rules, previous=previous,
                                                         period=period, as_of=as_of,
                                                         jobs=jobs or os.cpu_count() or 1, progress=progress,
                                                         severity_rules=severity_rules)
    else:
        result = settings.engine().judge(path, rules=rules, previous=previous, period=period, as_of=as_of,
                                         chains=chains, severity_rules=severity_rules)
        write_output(render_assessment(result, fmt), output)
        failures = result.failures
    if settings.ledger is not None and not settings.no_record:
        if streaming:  # the lines were never held: the batch is judged again, whole, for the ledger
            result = settings.engine().judge(path, rules=rules, previous=previous, period=period, as_of=as_of,
                                             severity_rules=severity_rules)
        settings.record("judge", {"path": path, "rules": rules, "severity_rules": severity_rules,
                                  "previous": _named(previous), "chain": json.dumps(list(chains)) if chains else None,
                                  "period": period, "as_of": as_of}, result)
    fail_on_plugin_failures(failures)


def _named(previous: Any) -> str | None:
    """``--previous`` as recorded: the path given, or ``ledger:RUN`` for one taken from the ledger."""
    return previous if previous is None or isinstance(previous, str) else str(previous.path)


def _latest_assessment(settings: Settings, path: str, as_of: str | None) -> Any:
    """``--previous latest`` (:data:`stocktake.ledger.history.LATEST`): the ledger's latest
    assessment result dated before the assessment at ``path`` (a JSON Lines batch: before
    ``--as-of``), named ``ledger:RUN``."""
    import datetime as dt

    from stocktake.core.errors import UsageError
    from stocktake.ledger.history import latest_document

    engine = settings.engine()
    if path.endswith(".jsonl"):
        if as_of is None:
            raise UsageError("--previous latest with a JSON Lines batch needs --as-of (the batch's date)")
        try:
            before = dt.date.fromisoformat(as_of)
        except ValueError:
            raise UsageError(f"--as-of {as_of!r}: expected a date, YYYY-MM-DD") from None
    else:
        before = engine.load(path, kinds=("DeliveryAssessment",)).model.date
    return latest_document(engine, settings.ledger, "DeliveryAssessmentResult", before=before,
                           what="assessment result", option="--previous")


@click.group(invoke_without_command=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def rules(ctx: click.Context, fmt: str) -> None:
    """List rule sets (likelihood and severity): id, version, kind, title, source.

    \b
    Examples:
      stocktake rules
      stocktake rules check likelihood-default
      stocktake rules check ./our-rules.yaml --format json
    """
    if ctx.invoked_subcommand is not None:
        return
    from stocktake.cli.listings import table
    from stocktake.likelihood.decision import CompiledTable
    from stocktake.render import dump_json

    found = ctx.find_object(Settings).engine().rule_sets()  # type: ignore[union-attr]
    rows = [(rid, str(rs.version), "table" if isinstance(rs, CompiledTable) else "python", rs.title,
             origin.describe()) for rid, (rs, origin, _) in found.items()]
    if fmt == "json":
        click.echo(dump_json([dict(zip(("id", "version", "kind", "title", "source"), r)) for r in rows]), nl=False)
    else:
        click.echo(table(("ID", "VERSION", "KIND", "TITLE", "SOURCE"), rows), nl=False)


@rules.command("check")
@click.argument("name", metavar="NAME")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_settings
def check(settings: Settings, name: str, fmt: str) -> None:
    """Enumerate every input combination of a decision table: gaps, overlaps, dead rules.

    Reports inputs no rule matches, inputs several rules match under hit policy 'unique', rules
    that never match and rules that never decide the output. Exits 2 if any is found.

    \b
    Examples:
      stocktake rules check likelihood-default
      stocktake rules check ./our-rules.yaml
    """
    from stocktake.core.errors import UsageError
    from stocktake.core.markup import printable
    from stocktake.likelihood.decision import CompiledTable, check_table
    from stocktake.render import dump_json

    ruleset, _, _ = settings.engine().rule_set(name)
    if not isinstance(ruleset, CompiledTable):
        raise UsageError(f"rule set {ruleset.id!r} is Python code, not a decision table: nothing to enumerate")
    try:
        report = check_table(ruleset)
    except ValueError as err:
        raise UsageError(f"rule set {ruleset.id!r}: {err}") from None
    if fmt == "json":
        click.echo(dump_json({"ruleset": report.ruleset, "combinations": report.combinations, "ok": report.ok,
                              "gaps": report.gaps, "gap_examples": report.gap_examples,
                              "overlaps": report.overlaps, "overlap_examples": report.overlap_examples,
                              "never_match": report.never_match, "never_decide": report.never_decide,
                              "outputs": report.outputs}), nl=False)
    else:
        lines = [f"{report.ruleset}: {report.combinations:,} input combinations checked",
                 f"gaps (no rule matches): {report.gaps:,}"]
        lines += [f"  e.g. {example}" for example in report.gap_examples]
        lines.append(f"overlaps (several rules under 'unique'): {report.overlaps:,}")
        lines += [f"  e.g. {example}" for example in report.overlap_examples]
        lines.append(f"rules that never match: {', '.join(report.never_match) or 'none'}")
        lines.append(f"rules that never decide: {', '.join(report.never_decide) or 'none'}")
        lines.append("outputs: " + ", ".join(f"{k} {v:,}" for k, v in report.outputs.items()))
        lines.append("ok" if report.ok else "problems found")
        click.echo("\n".join(printable(line) for line in lines))
    if not report.ok:
        raise UsageError(f"rule set {report.ruleset!r} has gaps, overlaps or dead rules (see above)")
