"""The chain's loading step: actors and links kept as CSV registers beside the document
(``actors_file``, ``links_file``) are appended to its data before validation, each row located
so an error names the table, the row and the column."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stocktake.core.loading import Prepared

__all__ = ["ACTOR_COLUMNS", "ACTOR_OPTIONAL", "LINK_COLUMNS", "LINK_OPTIONAL", "prepare_chain"]

ACTOR_COLUMNS = ("id", "name", "level", "role")
ACTOR_OPTIONAL = ("type", "count", "capacity", "will", "evidence")
LINK_COLUMNS = ("from", "to", "levers", "strength")
LINK_OPTIONAL = ("evidence", "note")
_INT = re.compile(r"-?[0-9]+")


def prepare_chain(data: dict[str, Any], path: Path | None, limits: Any) -> Prepared:
    """Append the rows of ``actors_file`` and ``links_file`` (CSV beside the document)."""
    from stocktake.core.errors import DocumentError
    from stocktake.core.loading import Prepared
    from stocktake.core.tables import MergedRows, file_beside, read_table, relocate_any
    from stocktake.judgment.envelope import InputFile

    inputs = []
    merged: list[MergedRows] = []
    for field_name, key, required, optional in (("actors_file", "actors", ACTOR_COLUMNS, ACTOR_OPTIONAL),
                                                ("links_file", "links", LINK_COLUMNS, LINK_OPTIONAL)):
        ref = data.get(field_name)
        if not isinstance(ref, str):
            continue
        table = read_table(file_beside(path, ref, field_name), required=required, optional=optional, limits=limits)
        existing = data.get(key)
        rows = list(existing) if isinstance(existing, list) else []
        rows_from = MergedRows(key, table, len(rows), [])
        for number, row in table.take_rows():
            item: dict[str, Any] = {}
            for name, value in row.items():
                if value == "":
                    continue
                if name in ("level", "count") and _INT.fullmatch(value):
                    digits = len(value.lstrip("-"))
                    if digits > limits.max_digits:
                        raise DocumentError(f"an integer of at most {limits.max_digits} digits", f"{digits:,} digits",
                                            path=(name,), file=table.path, line=number, column=table.column(name))
                    item[name] = int(value)
                elif name in ("evidence", "levers"):
                    item[name] = [v for v in re.split(r"[;,\s]+", value) if v]
                else:
                    item[name] = value
            rows.append(item)
            rows_from.lines.append(number)
        data[key] = rows
        merged.append(rows_from)
        inputs.append(InputFile(path=str(table.path), sha256=table.sha256))
    return Prepared(inputs=inputs, relocate=relocate_any(merged))

