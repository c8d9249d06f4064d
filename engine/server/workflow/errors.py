"""The workflow's refusals, each a usage error (exit 2 on the command line) with the HTTP status
the server answers it with (``error_response`` reads ``status``)."""

from __future__ import annotations

from stocktake.core.errors import UsageError

__all__ = ["Conflict", "Forbidden", "NotFound"]


class Forbidden(UsageError):
    """The principal's role (or binding to a review) does not allow the action."""

    status = 403


class NotFound(UsageError):
    """No such review (or none the principal may see)."""

    status = 404


class Conflict(UsageError):
    """The review's state does not allow the action now (rating after submitting, accepting a draft)."""

    status = 409
