"""API tokens and proxy grants, kept as events on the ledger's ``tokens`` stream.

A token is ``stk_`` and 32 URL-safe characters, shown once when created; the ledger keeps only
its sha256 (``token-created``: id, name, role, review, hash), so a copy of the ledger lets nobody
in. A grant (created without a secret) gives a trusted proxy's user of that name a role.
``token-revoked`` ends a token or a grant. A :class:`TokenBook` folds the stream in memory and
reads only what was appended since, so every request does not re-read the ledger.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from stocktake.core.errors import UsageError
from stocktake.server.identity import ROLES, Principal

if TYPE_CHECKING:
    from stocktake.ledger import Event, Ledger

__all__ = ["PREFIX", "STREAM", "TokenBook", "TokenInfo", "create_token", "hash_token", "list_tokens",
           "review_warning", "revoke_token", "verify_token"]

STREAM = "tokens"
PREFIX = "stk_"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}")


@dataclass(frozen=True)
class TokenInfo:
    """A token or grant as ``token list`` shows it (never its secret)."""

    id: str
    name: str
    role: str
    review: str | None
    created_at: str
    created_by: str
    secret: bool
    """False: a grant for a trusted proxy's user (no token to present)."""
    revoked: bool = False


def hash_token(token: str) -> str:
    """The sha256 hex the ledger keeps of ``token``."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenBook:
    """The ``tokens`` stream of one ledger, folded: who each token hash and grant name is."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.position = 0
        self.tokens: dict[str, TokenInfo] = {}
        self._hashes: dict[str, str] = {}
        """token hash -> token id (live and revoked)."""

    def refresh(self) -> None:
        """Read what the stream gained since the last refresh."""
        for event in self.ledger.events(STREAM, after_position=self.position):
            self._apply(event)
            self.position = event.position

    def _apply(self, event: Event) -> None:
        data = event.data
        if event.kind == "token-created":
            self.tokens[data["id"]] = TokenInfo(data["id"], data["name"], data["role"], data.get("review"),
                                                event.recorded_at, event.actor, bool(data.get("hash")))
            if data.get("hash"):
                self._hashes[data["hash"]] = data["id"]
        elif event.kind == "token-revoked" and data.get("id") in self.tokens:
            self.tokens[data["id"]] = replace(self.tokens[data["id"]], revoked=True)

    def verify(self, token: str) -> Principal | None:
        """The principal of ``token``, None if unknown or revoked (hashes compared in constant time)."""
        if not token.startswith(PREFIX):
            return None
        self.refresh()
        digest = hash_token(token)
        found = None
        for known, token_id in self._hashes.items():
            if hmac.compare_digest(known, digest):
                found = token_id
        info = self.tokens.get(found) if found else None
        return None if info is None or info.revoked else principal_of(info)

    def grant(self, name: str) -> Principal | None:
        """The principal a trusted proxy's user ``name`` is: the newest live grant or token of that name."""
        self.refresh()
        live = [t for t in self.tokens.values() if t.name == name and not t.revoked]
        return principal_of(live[-1]) if live else None


def principal_of(info: TokenInfo) -> Principal:
    return Principal(name=info.name, role=info.role, review=info.review,
                     reviewer=info.name if info.role == "reviewer" else None)


def _check(role: str, name: str, review: str | None) -> None:
    if role not in ROLES:
        raise UsageError(f"--role: expected one of {', '.join(ROLES)}, found {role!r}")
    if not _NAME.fullmatch(name):
        raise UsageError(f"--name: expected a name of letters, digits, '.', '_', '@' or '-' (at most 100), "
                         f"found {name!r}")
    if role == "reviewer" and not review:
        raise UsageError("a reviewer's token is for one review: give --review ID (and --name, the reviewer's id "
                         "in that review)")


def create_token(ledger_target: str, *, role: str, name: str, review: str | None = None, actor: str,
                 secret: bool = True) -> str:
    """Create a token (``secret``) or a grant for ``name`` with ``role`` (bound to ``review`` if
    given; a reviewer's must be, and ``name`` is their reviewer id in it). Returns the token,
    the one time it is shown; for a grant, its id."""
    from stocktake.ledger import open_ledger

    _check(role, name, review)
    token = PREFIX + secrets.token_urlsafe(24) if secret else ""
    token_id = "t-" + secrets.token_hex(6)
    data = {"id": token_id, "name": name, "role": role, "review": review,
            "hash": hash_token(token) if secret else None}
    with open_ledger(ledger_target) as ledger:
        ledger.append_event(STREAM, "token-created", actor=actor, data=data, expected_position=None)
    return token or token_id


def review_warning(ledger_target: str, review: str | None) -> str | None:
    """A warning for a token bound to ``review`` when the ledger holds no such review (yet): the
    token works only once a moderator creates a review with exactly that id (None: it exists, or
    the token is not bound to a review). ``token create`` prints it on stderr."""
    from stocktake.ledger import open_ledger

    if review is None:
        return None
    with open_ledger(ledger_target) as ledger:
        if f"review:{review}" in ledger.streams(f"review:{review}"):
            return None
    return (f"warning: {ledger_target} has no review {review!r} yet: the token works once a moderator creates a "
            f"review with that id (check the spelling; GET /v1/reviews lists them)")


def list_tokens(ledger_target: str) -> list[TokenInfo]:
    """Every token and grant, in the order they were created (revoked ones marked)."""
    from stocktake.ledger import open_ledger

    with open_ledger(ledger_target, create=False) as ledger:
        book = TokenBook(ledger)
        book.refresh()
        return list(book.tokens.values())


def revoke_token(ledger_target: str, token_id: str, *, actor: str, reason: str = "") -> TokenInfo:
    """Revoke the token or grant ``token_id`` (as ``token list`` shows it); from then on it is refused."""
    from stocktake.ledger import open_ledger

    with open_ledger(ledger_target, create=False) as ledger:
        book = TokenBook(ledger)
        book.refresh()
        info = book.tokens.get(token_id)
        if info is None:
            raise UsageError(f"no token {token_id!r} in {ledger.name} (stocktake serve token list shows them)")
        if not info.revoked:
            ledger.append_event(STREAM, "token-revoked", actor=actor, reason=reason, data={"id": token_id},
                                expected_position=None)
        return replace(info, revoked=True)


def verify_token(ledger: Ledger, token: str) -> Principal | None:
    """The principal of ``token`` in ``ledger``, None if it is unknown or revoked. (A server keeps
    one :class:`TokenBook` instead, so the stream is folded once.)"""
    book = TokenBook(ledger)
    return book.verify(token)
