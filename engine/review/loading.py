"""The review's loading step: ratings kept in a table beside the document (``ratings_file``:
CSV or XLSX, as review teams keep them in spreadsheets) are appended to its ``ratings`` before
validation, each row located so an error names the table, the sheet and the cell.

Two layouts are read, told apart by the header: **rows** (a ``reviewer`` column: one rating per
row, columns ``component, reviewer, level`` and optionally ``rationale, evidence``) and **matrix**
(no ``reviewer`` column: one row per component, a level column named after each reviewer id, and
optionally ``ID rationale`` and ``ID evidence`` columns). Columns the template writes for people
(:data:`TEMPLATE_COLUMNS`) and the review's ``ratings_notes`` are read past. A workbook's sheet is
``ratings_sheet``, else the sheet named ``ratings``, else the first whose header has a
``component`` column.

A row with no level, rationale or evidence (a template row left unfilled) is no rating: the
item stays "not rated". Only the header is checked here, and its problems (every one) are reported
with the document's: the rows are read past a column that should not be there, not without a
column they need. Every value, an empty required cell included (handed on as empty text), is
checked by the document's validation, and its errors are re-pointed at the cell.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stocktake.core.errors import DocumentError
    from stocktake.core.loading import Prepared

__all__ = ["DEFAULT_SHEET", "OPTIONAL_RATING_COLUMNS", "RATING_COLUMNS", "TEMPLATE_COLUMNS", "prepare_review"]


RATING_COLUMNS = ("component", "reviewer", "level")
OPTIONAL_RATING_COLUMNS = ("rationale", "evidence")
TEMPLATE_COLUMNS = ("section", "code", "title", "descriptors")
"""Columns the ratings template writes for its readers; read past without being declared."""
DEFAULT_SHEET = "ratings"
MATRIX_FIELDS = ("rationale", "evidence")
"""What a matrix may give per reviewer besides the level, in columns ``ID rationale``, ``ID evidence``."""


def prepare_review(data: dict[str, Any], path: Path | None, limits: Any) -> Prepared:
    """Append the ratings of ``ratings_file`` (CSV or XLSX beside the document) to ``ratings``;
    errors about them point at the table's cells."""
    from stocktake.core.loading import Prepared

    ref = data.get("ratings_file")
    if not isinstance(ref, str):
        return Prepared()
    from stocktake.core.errors import DocumentError  # here: a review without a table reads none
    from stocktake.core.tables import MergedRows, file_beside, read_table
    from stocktake.judgment.envelope import InputFile

    table_path = file_beside(path, ref, "ratings_file")
    sheet = data.get("ratings_sheet")
    sheet = sheet if isinstance(sheet, str) else None
    errors: list[DocumentError] = []
    if sheet is not None and table_path.suffix.lower() == ".csv":
        errors.append(DocumentError("no 'ratings_sheet' for a CSV file (it has one table)", repr(sheet),
                                    path=("ratings_sheet",)))
        sheet = None
    reviewers = _reviewer_ids(data)
    notes = _notes(data, reviewers, errors)
    table = read_table(table_path, required=RATING_COLUMNS, notes=TEMPLATE_COLUMNS + notes,
                       header=lambda header: None,  # checked below, its problems reported with the rest
                       sheet=sheet, sheet_field="ratings_sheet", prefer_sheet=DEFAULT_SHEET,
                       fits=lambda header: "component" in header, limits=limits)
    matrix = "reviewer" not in table.header
    errors += [table.error(expected, found, table.header_line, None if column is None else column + 1, ("header",))
               for column, expected, found in _header_problems(table.header, notes, reviewers)]
    inputs = [InputFile(path=str(table.path), sha256=table.sha256)]
    if not all(name in table.header for name in (("component",) if matrix else RATING_COLUMNS)):
        return Prepared(inputs=inputs, errors=errors)  # no ratings can be read
    inline = data.get("ratings")
    ratings = list(inline) if isinstance(inline, list) else []
    merged = MergedRows("ratings", table, len(ratings), [], document=path)
    columns = [(r, {f: table.column(n) for f, n in _matrix_columns(r, table.header).items()})
               for r in reviewers if r.lower() in table.header] if matrix else []
    for number, row in table.take_rows():
        if not matrix:
            if any(row.get(name) for name in ("level", *OPTIONAL_RATING_COLUMNS)):  # else a row left unfilled
                _append(merged, ratings, number, row, {n: n for n in (*RATING_COLUMNS, *OPTIONAL_RATING_COLUMNS)}, {})
            continue
        for reviewer, cells in columns:
            names = _matrix_columns(reviewer, table.header)
            if any(row.get(names[f]) for f in names):  # a reviewer's empty cells: not rated by them
                _append(merged, ratings, number, row, {"component": "component", **names}, cells,
                        reviewer=reviewer)
    data["ratings"] = ratings
    return Prepared(inputs=inputs, relocate=merged.relocate, errors=errors)


def _append(merged: Any, ratings: list[Any], number: int, row: dict[str, str], names: dict[str, str],
            cells: dict[str, int], reviewer: str | None = None) -> None:
    """One rating from ``row``, reading field ``f`` from column ``names[f]``; empty required cells are
    passed on as empty text (validation reports them, and the relocation says the cell was empty)."""
    index = len(ratings) - merged.first
    rating: dict[str, Any] = {}
    for name in RATING_COLUMNS:
        if name == "reviewer" and reviewer is not None:
            rating[name] = reviewer
            continue
        rating[name] = row[names[name]]
        if not rating[name]:
            merged.empty.add((index, name))
    if row.get(names.get("rationale", "")):
        rating["rationale"] = row[names["rationale"]]
    if row.get(names.get("evidence", "")):
        rating["evidence"] = [e for e in re.split(r"[;,\s]+", row[names["evidence"]]) if e]
    ratings.append(rating)
    merged.lines.append(number)
    merged.cells.append(cells)


def _matrix_columns(reviewer: str, header: list[str]) -> dict[str, str]:
    """The columns of ``reviewer`` in a matrix header, by rating field."""
    names = {"level": reviewer.lower()}
    names.update({f: f"{reviewer.lower()} {f}" for f in MATRIX_FIELDS if f"{reviewer.lower()} {f}" in header})
    return names


def _header_problems(header: list[str], notes: tuple[str, ...],
                     reviewers: list[str]) -> Iterator[tuple[int | None, str, str]]:
    """Each problem with a ratings header, as ``(0-based column or None, expected, found)`` (see
    the module's docstring for the two layouts)."""
    from stocktake.core.workbook import short

    ignored = TEMPLATE_COLUMNS + notes
    matrix = "reviewer" not in header
    if matrix:
        ids = [r.lower() for r in reviewers]
        allowed = ("component", *ids, *(f"{r} {f}" for r in ids for f in MATRIX_FIELDS), *ignored)
    else:
        allowed = (*RATING_COLUMNS, *OPTIONAL_RATING_COLUMNS, *ignored)
    seen: set[str] = set()
    unknown = False
    for i, name in enumerate(header):
        if name in seen:
            yield i, "each column once", f"column {name!r} again"
            continue
        seen.add(name)
        unknown = unknown or name not in allowed
        if name in allowed:
            if matrix and name not in ignored and " " in name and (owner := name.rsplit(" ", 1)[0]) not in header:
                yield i, f"a column {owner!r} of that reviewer's levels beside it", f"column {short(name)} alone"
            continue
        found = f"column {short(name)}" if name else "an unnamed column"
        if matrix:
            yield i, ("a reviewer id defined under 'reviewers' as the column of their levels "
                      f"({', '.join(reviewers) or 'none defined'}), 'ID rationale', 'ID evidence', 'component', "
                      f"{_listed(ignored)} (or a 'reviewer' column: one rating per row)"), found
        else:
            yield i, f"columns from {', '.join((*RATING_COLUMNS, *OPTIONAL_RATING_COLUMNS))}, {_listed(ignored)} " \
                     "(or list it under 'ratings_notes')", found
    if unknown:
        return  # a column missing is most likely the one misspelt
    wanted = ("component",) if matrix else RATING_COLUMNS
    for name in wanted:
        if name not in header:
            yield None, f"a column {name!r}", "columns " + ", ".join(header)
    if matrix and not any(r.lower() in header for r in reviewers):
        yield None, f"a 'reviewer' column, or a column per reviewer id ({', '.join(reviewers)})", \
            "columns " + ", ".join(header)


def _listed(names: tuple[str, ...]) -> str:
    return "notes " + ", ".join(names)


def _notes(data: dict[str, Any], reviewers: list[str], errors: list[DocumentError]) -> tuple[str, ...]:
    """The review's ``ratings_notes`` as header names (its other errors are validation's); a column
    the ratings are read from cannot be one (an error added to ``errors``, the note left out)."""
    from stocktake.core.errors import DocumentError

    notes = data.get("ratings_notes")
    if not isinstance(notes, list):
        return ()
    read = {*RATING_COLUMNS, *OPTIONAL_RATING_COLUMNS,
            *(f"{r.lower()}{f}" for r in reviewers for f in ("", *(f" {m}" for m in MATRIX_FIELDS)))}
    names = []
    for i, note in enumerate(notes):
        if isinstance(note, str):
            if note.strip().lower() in read:
                errors.append(DocumentError("the heading of a column of notes, not of one the ratings are read from",
                                            repr(note), path=("ratings_notes", i)))
                continue
            names.append(note.strip().lower())
    return tuple(names)


def _reviewer_ids(data: dict[str, Any]) -> list[str]:
    """The ids under the review's ``reviewers``, as far as they are written (validation checks them)."""
    reviewers = data.get("reviewers")
    if not isinstance(reviewers, list):
        return []
    return [r["id"] for r in reviewers if isinstance(r, dict) and isinstance(r.get("id"), str) and r["id"]]
