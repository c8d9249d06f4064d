"""The review's loading step: ratings kept in a table beside the document (``ratings_file``:
CSV or XLSX, as review teams keep them in spreadsheets) are appended to its ``ratings`` before
validation, each row located so an error names the table, the row and the column."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stocktake.core.loading import Prepared

__all__ = ["OPTIONAL_RATING_COLUMNS", "RATING_COLUMNS", "prepare_review"]


RATING_COLUMNS = ("component", "reviewer", "level")
OPTIONAL_RATING_COLUMNS = ("rationale", "evidence")


def prepare_review(data: dict[str, Any], path: Path | None, limits: Any) -> Prepared:
    """Append the rows of ``ratings_file`` (CSV or XLSX beside the document) to ``ratings``.

    Errors about those ratings point at the table's row and column.
    """
    from stocktake.core.errors import DocumentError
    from stocktake.core.loading import Prepared
    from stocktake.core.tables import MergedRows, file_beside, read_table
    from stocktake.judgment.envelope import InputFile

    ref = data.get("ratings_file")
    if not isinstance(ref, str):
        return Prepared()
    table = read_table(file_beside(path, ref, "ratings_file"), required=RATING_COLUMNS,
                       optional=OPTIONAL_RATING_COLUMNS, limits=limits)
    inline = data.get("ratings")
    ratings = list(inline) if isinstance(inline, list) else []
    merged = MergedRows("ratings", table, len(ratings), [])
    for number, row in table.take_rows():
        for name in RATING_COLUMNS:
            if not row[name]:
                raise DocumentError(f"a value in column {name!r}", "an empty cell", file=table.path,
                                    path=(name,), line=number, column=table.column(name))
        rating: dict[str, Any] = {"component": row["component"], "reviewer": row["reviewer"],
                                  "level": row["level"]}
        if row.get("rationale"):
            rating["rationale"] = row["rationale"]
        if row.get("evidence"):
            rating["evidence"] = [e for e in re.split(r"[;,\s]+", row["evidence"]) if e]
        ratings.append(rating)
        merged.lines.append(number)
    data["ratings"] = ratings
    return Prepared(inputs=[InputFile(path=str(table.path), sha256=table.sha256)],
                    relocate=merged.relocate)
