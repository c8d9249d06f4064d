"""Large batches of priorities as JSON Lines: one ``Priority`` object per line.

Each line is validated with the compiled model (the garbage collector held off while the batch is
built); an error names the file, the line and the column within it.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import DocumentError, UsageError
from engine.loading import document_error
from engine.parsing import DEFAULT_LIMITS, parse_text, sha256_of

if TYPE_CHECKING:
    from engine.api import Engine
    from engine.models.assessment import DeliveryAssessment, Priority

__all__ = ["batch_date", "iter_priorities_jsonl", "read_assessment_jsonl"]


def iter_priorities_jsonl(engine: Engine, path: Path) -> Iterator[Priority]:
    """Validated priorities from ``path``, one line at a time (memory stays flat)."""
    from pydantic import ValidationError

    from engine.models.assessment import Priority

    if not path.is_file():
        raise DocumentError("an existing file", "nothing at that path" if not path.exists() else "a directory",
                            file=path)
    rubric = engine.rubric("likelihood-of-delivery", "1.0.0").rubric
    context = {**engine._context(), "likelihood_rubric": rubric, "evidence_ids": set()}
    seen: dict[str, int] = {}
    count = 0
    with path.open("rb") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError as err:
                raise DocumentError("UTF-8 text", f"byte 0x{line[err.start]:02x}", file=path, line=number,
                                    column=err.start + 1) from None
            try:
                parsed = parse_text(text, fmt="json", limits=DEFAULT_LIMITS)
                priority = Priority.model_validate(parsed.data, context=context)
            except DocumentError as err:
                raise err.located(path, number, err.column) from None
            except ValidationError as err:
                problem = document_error(err)
                pos = parsed.locate_key(problem.path) if problem.on_key else parsed.locate(problem.path)
                raise problem.located(path, number, pos[1] if pos else None) from None
            if priority.id in seen:
                raise DocumentError("priority ids unique", f"{priority.id!r} again (first on line {seen[priority.id]})",
                                    path=("id",), file=path, line=number)
            seen[priority.id] = number
            count += 1
            yield priority
    if not count:
        raise DocumentError("at least one priority", "an empty file", file=path)


def batch_date(period: str | None, as_of: str | None) -> dt.date:
    if not period or not as_of:
        raise UsageError("a JSON Lines batch of priorities needs --period and --as-of (YYYY-MM-DD)")
    try:
        return dt.date.fromisoformat(as_of)
    except ValueError:
        raise UsageError(f"--as-of: expected a date YYYY-MM-DD, found {as_of!r}") from None


def read_assessment_jsonl(engine: Engine, path: Path, *, period: str | None,
                          as_of: str | None) -> tuple[DeliveryAssessment, str]:
    """An assessment made of all the priorities in ``path`` and its sha256 (held in memory; for
    one result per line without holding the batch, see :meth:`engine.Engine.judge_stream`)."""
    from engine.models.assessment import DeliveryAssessment
    from engine.models.review import RubricRef

    date = batch_date(period, as_of)
    enabled = gc.isenabled()
    gc.disable()  # building many models: the cyclic collector only slows this down
    try:
        priorities = list(iter_priorities_jsonl(engine, path))
    finally:
        if enabled:
            gc.enable()
    rubric = engine.rubric("likelihood-of-delivery", "1.0.0").rubric
    doc = DeliveryAssessment.model_construct(
        kind="DeliveryAssessment", schema_version=1, period=period, date=date, title="",
        rubric=RubricRef(id=rubric.id, version=rubric.version), rules=None, evidence=[], priorities=priorities,
    )
    return doc, sha256_of(path)
