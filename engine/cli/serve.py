"""``stocktake serve``: the engine over HTTP (needs the extra ``stocktake[serve]``).

The server package (Starlette, uvicorn) is imported inside the command only: every other command
starts without it.
"""

from __future__ import annotations

import ipaddress

import click

from stocktake.cli.settings import Settings, pass_settings
from stocktake.core.errors import UsageError

__all__ = ["serve"]


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.group(invoke_without_command=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0: any free port, printed when listening).")
@click.option("--max-body-mb", type=click.IntRange(1, 100_000), default=None, metavar="N",
              help="Refuse request bodies larger than N MiB (default: stocktake's --max-file-mb).")
@click.option("--max-batch-lines", type=click.IntRange(1), default=1_000_000, show_default=True, metavar="N",
              help="Most lines of one judge batch.")
@click.option("--request-timeout", type=click.FloatRange(0.001), default=60.0, show_default=True, metavar="S",
              help="Answer 503 to a request that computes for longer than S seconds.")
@click.option("--allow-anonymous", is_flag=True,
              help="Open the stateless compute and catalogue routes without a token (never the review workflow).")
@click.option("--trusted-proxy-header", metavar="HEADER", default=None,
              help="Take the user's name from this header set by a reverse proxy (e.g. X-Forwarded-User); "
                   "off by default.")
@click.option("--allow-self-approval", is_flag=True, help="Let a review's moderator also approve it.")
@click.option("--forwarded-allow-ips", metavar="IPS", default=None,
              help="Believe X-Forwarded-Proto/-For from these proxies (comma-separated IPs or networks, * for "
                   "any); by default no one's.")
@pass_settings
@click.pass_context
def serve(ctx: click.Context, settings: Settings, host: str, port: int, max_body_mb: int | None,
          max_batch_lines: int, request_timeout: float, allow_anonymous: bool, trusted_proxy_header: str | None,
          allow_self_approval: bool, forwarded_allow_ips: str | None) -> None:
    """Serve the engine over HTTP: the JSON API under /v1 and, with --ledger, the review workflow.

    \b
    Examples:
      stocktake serve                                  # http://127.0.0.1:8000, stateless
      stocktake --ledger history.db serve --port 8080  # records decisions, runs reviews
    """
    if ctx.invoked_subcommand is not None:
        return
    if not _loopback(host) and settings.ledger is None and not allow_anonymous:
        raise UsageError(f"--host {host} is not loopback and the server has no ledger, so no tokens: "
                         "anyone who can reach it may use it. Give --ledger PATH (and create tokens with "
                         "stocktake serve token create), or --allow-anonymous to mean it")
    try:
        from stocktake.server.config import ServerConfig
        from stocktake.server.run import serve as run
    except ImportError as err:
        if err.name not in ("starlette", "uvicorn", "anyio"):
            raise
        raise UsageError(f"stocktake serve needs the serve extra ({err.name} is not installed): "
                         "pip install 'stocktake[serve]'") from None
    if settings.ledger is not None:
        settings.check_ledger()
    run(ServerConfig(host=host, port=port, ledger=settings.ledger, rubric_paths=settings.rubric_paths,
                     disabled_plugins=settings.disabled_plugins,
                     max_body_mb=max_body_mb if max_body_mb is not None else settings.max_file_mb,
                     max_errors=settings.max_errors, max_batch_lines=max_batch_lines,
                     request_timeout_s=request_timeout, allow_anonymous=allow_anonymous,
                     trusted_proxy_header=trusted_proxy_header or None,
                     allow_self_approval=allow_self_approval, forwarded_allow_ips=forwarded_allow_ips or None))


def _ledger_of(settings: Settings, ledger: str | None) -> str:
    chosen = ledger or settings.ledger
    if not chosen:
        raise UsageError("tokens live in the server's ledger: give --ledger PATH|URL (here or before the command)")
    return chosen


def _actor(settings: Settings) -> str:
    from stocktake.ledger.recording import default_actor

    return settings.actor or default_actor()


LEDGER_OPTION = click.option("--ledger", metavar="PATH|URL", default=None,
                             help="The server's ledger (default: stocktake's --ledger).")


@serve.group("token")
def token() -> None:
    """Create, list and revoke the API tokens a server with a ledger accepts.

    \b
    Examples:
      stocktake serve token create --ledger history.db --role moderator --name ana
      stocktake serve token create --ledger history.db --role reviewer --name du --review r-abc
      stocktake serve token list --ledger history.db
      stocktake serve token revoke --ledger history.db t-0123456789ab --reason "left the team"
    """


@token.command("create")
@LEDGER_OPTION
@click.option("--role", required=True, type=click.Choice(["viewer", "reviewer", "moderator", "approver", "admin"]))
@click.option("--name", required=True, metavar="NAME", help="Who holds it: the actor their events record.")
@click.option("--review", metavar="ID", help="Bind the token to one review (required for a reviewer).")
@click.option("--no-secret", is_flag=True,
              help="Make a grant for a trusted proxy's user NAME instead of a token (prints its id).")
@pass_settings
def token_create(settings: Settings, ledger: str | None, role: str, name: str, review: str | None,
                 no_secret: bool) -> None:
    """Print a new token on stdout (shown this once; the ledger keeps only its hash).

    \b
    Examples:
      stocktake serve token create --ledger history.db --role approver --name ben
      stocktake serve token create --ledger history.db --role reviewer --name du --review r-abc
      stocktake serve token create --ledger history.db --role viewer --name ops --no-secret
    """
    from stocktake.server.tokens import create_token, review_warning

    target = _ledger_of(settings, ledger)
    click.echo(create_token(target, role=role, name=name, review=review, actor=_actor(settings),
                            secret=not no_secret))
    if (warning := review_warning(target, review)) is not None:
        click.echo(warning, err=True)


@token.command("list")
@LEDGER_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_settings
def token_list(settings: Settings, ledger: str | None, fmt: str) -> None:
    """List tokens and grants (never their secrets): id, name, role, review, created, state.

    \b
    Examples:
      stocktake serve token list --ledger history.db
      stocktake --ledger history.db serve token list --format json
    """
    from dataclasses import asdict

    from stocktake.cli.listings import table
    from stocktake.render import dump_json
    from stocktake.server.tokens import list_tokens

    found = list_tokens(_ledger_of(settings, ledger))
    if fmt == "json":
        click.echo(dump_json([asdict(t) for t in found]), nl=False)
        return
    rows = [(t.id, t.name, t.role, t.review or "-", t.created_at, "token" if t.secret else "grant",
             "revoked" if t.revoked else "active") for t in found]
    click.echo(table(("ID", "NAME", "ROLE", "REVIEW", "CREATED", "KIND", "STATE"), rows), nl=False)


@token.command("revoke")
@LEDGER_OPTION
@click.argument("token_id", metavar="ID")
@click.option("--reason", default="", metavar="TEXT", help="Why (recorded with the revocation).")
@pass_settings
def token_revoke(settings: Settings, ledger: str | None, token_id: str, reason: str) -> None:
    """Revoke a token or grant by its id (token list shows them); a running server refuses it at once.

    \b
    Examples:
      stocktake serve token revoke --ledger history.db t-0123456789ab --reason "left the team"
    """
    from stocktake.server.tokens import revoke_token

    info = revoke_token(_ledger_of(settings, ledger), token_id, actor=_actor(settings), reason=reason)
    from stocktake.core.markup import printable

    click.echo(printable(f"revoked {info.id} ({info.name}, {info.role})"))
