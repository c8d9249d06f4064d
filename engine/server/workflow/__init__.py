"""The review workflow: reviews created, rated, moderated and signed off as events on the ledger
(no starlette here; :mod:`stocktake.server.workflow_api` and the pages call
:class:`~stocktake.server.workflow.service.ReviewService`)."""

from __future__ import annotations

from stocktake.server.workflow.errors import Conflict, Forbidden, NotFound

__all__ = ["Conflict", "Forbidden", "NotFound"]
