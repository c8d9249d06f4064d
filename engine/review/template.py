"""The ratings template a review lead hands to reviewers: a workbook (or CSV) with one row per
rubric item and reviewer, a drop-down of the item's levels, columns for the rationale and the
evidence ids, the level descriptors beside each row and an Instructions sheet first.

What it writes is read back unchanged by a review's ``ratings_file`` (see
:mod:`stocktake.review.loading`): the ``ratings`` sheet, the layout told by its header, and the
columns written for people (:data:`~stocktake.review.loading.TEMPLATE_COLUMNS`) read past. Items
are the rubric's components, or a component's criteria where it has some (criteria are rated
and the component is rolled up from them). The same input gives the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from stocktake.core.workbook_out import TextCells, new_workbook, table_csv, workbook_bytes
from stocktake.review.loading import DEFAULT_SHEET, MATRIX_FIELDS

if TYPE_CHECKING:
    from stocktake.core.parsing import Limits
    from stocktake.judgment.scale import Scale
    from stocktake.rubric.model import Rubric

__all__ = ["FORMATS", "LAYOUTS", "Team", "TemplateItem", "TemplateRequest", "ratings_template", "review_team",
           "template_format", "template_items", "write_template"]

Layout = Literal["rows", "matrix"]
LAYOUTS: tuple[Layout, ...] = ("rows", "matrix")
FORMATS = ("xlsx", "csv")


@dataclass(frozen=True)
class TemplateItem:
    """One rateable item as the template shows it."""

    section: str
    component: str
    """The id ratings refer to."""
    code: str
    title: str
    scale: Scale
    descriptors: str
    """The item's level descriptors, one level a line: ``G: ...``."""


@dataclass(frozen=True)
class Team:
    """Who rates, and the evidence they may cite."""

    reviewers: list[tuple[str, str]]
    """(id, name) of each reviewer."""
    evidence: list[tuple[str, str]] = field(default_factory=list)
    """(id, a line saying what it is) of each evidence item."""
    ratings_file: Path | None = None
    """The table the review reads its ratings from, if it names one (a template never replaces it)."""


def template_items(rubric: Rubric, *, also: Collection[str] = ()) -> list[TemplateItem]:
    """The items a reviewer rates, in the rubric's order: each component, or its criteria (and
    the components among ``also``, ids of items rated though they have criteria)."""
    items = []
    for section in rubric.sections:
        stage = f"{section.code} {section.title}" if section.code else section.title
        for component in section.components:
            rated = [component] if component.criteria and component.id in also else []
            for item in [*rated, *(component.criteria or [component])]:
                scale = rubric.scale_of(item)
                words = "\n".join(f"{code}: {item.descriptors[code]}" for code in scale.codes
                                  if code in item.descriptors)
                title = item.title if item is component else f"{component.title}: {item.title}"
                items.append(TemplateItem(stage, item.id, component.code or "", title, scale, words))
    return items


Filled = Mapping[tuple[str, str], tuple[str, str, str]]
"""(item id, reviewer id) -> (level, rationale, evidence ids separated by commas)."""


def ratings_template(rubric: Rubric, team: Team, *, layout: Layout = "rows", fmt: str = "xlsx",
                     ratings: Filled | None = None) -> bytes | str:
    """The template for ``team`` to rate ``rubric``: XLSX bytes, or CSV text (``fmt="csv"``, the
    ratings table alone); with ``ratings``, the rows layout's cells filled in (the ratings table
    of a review whose ratings are known, read back as its ``ratings_file``)."""
    items = template_items(rubric, also={item for item, _ in ratings or {}})
    header, rows = _table(items, [r for r, _ in team.reviewers], layout, ratings or {})
    if fmt == "csv":
        return table_csv(header, [row for row, _ in rows])
    return _workbook(rubric, team, items, header, rows, layout)


_COLUMNS = ("section", "component", "code", "title")


def _table(items: list[TemplateItem], reviewers: list[str], layout: Layout,
           filled: Filled) -> tuple[list[str], list[tuple[list[str], TemplateItem]]]:
    """The header, and each row with the item it is for (rows: each reviewer's block in turn)."""
    if layout == "matrix":
        per = [name for r in reviewers for name in (r, *(f"{r} {f}" for f in MATRIX_FIELDS))]
        return ([*_COLUMNS, *per, "descriptors"],
                [([i.section, i.component, i.code, i.title, *[""] * len(per), i.descriptors], i) for i in items])
    header = [*_COLUMNS, "reviewer", "level", "rationale", "evidence", "descriptors"]
    return header, [([i.section, i.component, i.code, i.title, r, *filled.get((i.component, r), ("", "", "")),
                      i.descriptors], i) for r in reviewers for i in items]


_WIDTHS = {"section": 22, "component": 20, "code": 7, "title": 36, "reviewer": 12, "level": 8, "rationale": 40,
           "evidence": 14, "descriptors": 70}


def _workbook(rubric: Rubric, team: Team, items: list[TemplateItem], header: list[str],
              rows: list[tuple[list[str], TemplateItem]], layout: Layout) -> bytes:
    book = new_workbook()
    cells = TextCells(book)
    bold: dict[str, Any] = {"bold": True}
    title: dict[str, Any] = {"bold": True, "font_size": 14}
    wrap: dict[str, Any] = {"text_wrap": True, "valign": "top"}
    head: dict[str, Any] = {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}
    fill: dict[str, Any] = {"bg_color": "#FFF2CC", "border": 1, "valign": "top", "text_wrap": True}
    info = book.add_worksheet("Instructions")
    info.set_column(0, 0, 110)
    for n, (text, style) in enumerate(_instructions(rubric, team, items, layout)):
        cells.write(info, n, 0, text, {"title": title, "bold": bold, "": wrap}[style])
    sheet = book.add_worksheet(DEFAULT_SHEET)
    level_columns = [c for c, name in enumerate(header)
                     if name == "level" or (layout == "matrix" and name in {r for r, _ in team.reviewers})]
    filled = {c for c, name in enumerate(header)
              if c in level_columns or name in ("rationale", "evidence") or name.endswith(MATRIX_FIELDS)}
    for c, name in enumerate(header):
        cells.write(sheet, 0, c, name, head)
        sheet.set_column(c, c, _WIDTHS.get(name, _WIDTHS["rationale"] if name.endswith(" rationale") else 12))
    for r, (row, item) in enumerate(rows, 1):
        for c, value in enumerate(row):
            cells.write(sheet, r, c, value, fill if c in filled else wrap)
        for c in level_columns:
            sheet.data_validation(r, c, r, c, _drop_down(item.scale))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(rows), len(header) - 1)
    if team.evidence:
        listing = book.add_worksheet("evidence")
        listing.set_column(0, 0, 14)
        listing.set_column(1, 1, 90)
        cells.write(listing, 0, 0, "evidence id", head)
        cells.write(listing, 0, 1, "what it is", head)
        for n, (ref, text) in enumerate(team.evidence, 1):
            cells.write(listing, n, 0, ref)
            cells.write(listing, n, 1, text, wrap)
    info.activate()
    return workbook_bytes(book)


def _drop_down(scale: Scale) -> dict[str, Any]:
    codes = scale.codes
    return {"validate": "list", "source": codes, "input_title": "Level",
            "input_message": _cut(", ".join(f"{lv.code} {lv.label}" for lv in scale.levels), 255),
            "error_title": "Not a level", "error_message": _cut(f"Choose one of {', '.join(codes)}.", 255)}


def _cut(text: str, most: int) -> str:
    return text if len(text) <= most else text[:most - 3] + "..."


def _instructions(rubric: Rubric, team: Team, items: list[TemplateItem],
                  layout: Layout) -> list[tuple[str, str]]:
    """The Instructions sheet: (line, style) with style 'title', 'bold' or '' (wrapped text)."""
    lines: list[tuple[str, str]] = [(f"Ratings for {rubric.title} ({rubric.id} {rubric.version})", "title"), ("", "")]
    if layout == "rows":
        fill = ("On the sheet 'ratings' each row is one reviewer's rating of one item. Find your rows (filter the "
                "column 'reviewer' by your id) and fill the yellow cells: 'level' (pick from the drop-down), "
                "'rationale' (why, in a sentence or two) and 'evidence'.")
    else:
        first = team.reviewers[0][0] if team.reviewers else "du"
        fill = ("On the sheet 'ratings' each row is one item, with columns for each reviewer. Fill the yellow cells "
                f"under your id (for example {first}): your level in the column '{first}' (pick from the drop-down), "
                f"why in '{first} rationale' (a sentence or two) and the evidence in '{first} evidence'.")
    lines += [("What to fill in", "bold"), (fill, ""),
              ("Leave a level empty if you did not rate that item: it is then 'not rated', never taken as good.", ""),
              ("Read the 'descriptors' column: it says what each level looks like for that item.", ""),
              ("Do not rename the sheet 'ratings' or its column headings, and do not change the 'component' column. "
               "To keep notes in a new column, ask your review lead to list its heading under 'ratings_notes' "
               "in the review; any other new column is reported as a mistake.", ""), ("", "")]
    lines += [("Evidence", "bold"),
              ("In the evidence cells write the ids of the evidence items behind the rating, separated by ';' "
               "(for example: E1; E4). Only ids listed in the review count.", "")]
    if team.evidence:
        lines.append(("The evidence items of this review are listed on the sheet 'evidence'.", ""))
    lines += [("", ""), ("Levels", "bold")]
    seen: set[str] = set()
    for item in items:
        if item.scale.id in seen:
            continue
        seen.add(item.scale.id)
        lines.append((f"Scale '{item.scale.id}', from the top:", ""))
        lines += [(f"  {lv.code}  {lv.label}" + (f": {lv.meaning}" if lv.meaning else ""), "")
                  for lv in item.scale.levels]
    lines += [("", ""), ("Reviewers", "bold")]
    lines += [(f"  {ref}  {name}" if name else f"  {ref}", "") for ref, name in team.reviewers]
    lines += [("", ""), ("When you are done", "bold"),
              ("Save the workbook as .xlsx and return it. The review lead names it under 'ratings_file' in the "
               "review; a mistake is reported with its cell, for example: ratings.xlsx, sheet ratings, cell F7.", "")]
    return lines


def review_team(path: Path, limits: Limits) -> Team:
    """The reviewers and evidence of the review at ``path``. Only those two lists are checked here
    (errors located in the document); the rest, such as a ``ratings_file`` not written yet, is
    checked when the review is scored."""
    from pydantic import TypeAdapter, ValidationError

    from stocktake.core.errors import DocumentError
    from stocktake.core.loading import document_error
    from stocktake.core.parsing import parse_text, read_text
    from stocktake.judgment.evidence import Evidence
    from stocktake.review.model import Reviewer

    text, _ = read_text(path, limits)
    parsed = parse_text(text, fmt="json" if path.suffix.lower() == ".json" else "yaml", limits=limits)
    data = parsed.data if isinstance(parsed.data, dict) else {}
    try:
        if data.get("kind") != "CapacityReview":
            raise DocumentError("a CapacityReview document", repr(data.get("kind")), path=("kind",))
        if "reviewers" not in data:
            raise DocumentError("property 'reviewers'", "a mapping without it")
        try:
            reviewers = TypeAdapter(list[Reviewer]).validate_python(data["reviewers"])
            evidence = TypeAdapter(list[Evidence]).validate_python(data.get("evidence", []))
        except ValidationError as err:
            field_name = "reviewers" if err.title.endswith("Reviewer]") else "evidence"
            raise document_error(err).at(field_name) from None
    except DocumentError as err:
        position = parsed.locate(err.path)
        raise err.located(path, *(position or (None, None))) from None
    named = data.get("ratings_file")
    return Team([(r.id, r.name) for r in reviewers], [(e.id, _evidence_line(e)) for e in evidence],
                path.parent / named if isinstance(named, str) and named.strip() else None)


def _evidence_line(item: Any) -> str:
    parts: Sequence[str] = [str(p) for p in (item.kind, item.source, item.date, item.summary) if p]
    return ", ".join(parts)


@dataclass(frozen=True)
class TemplateRequest:
    """What ``stocktake template`` was asked for."""

    rubric: str
    """An installed rubric (``ID``, ``ID@VERSION``) or a rubric file."""
    reviewers: str | None = None
    """Reviewer ids separated by commas."""
    review: str | None = None
    """A CapacityReview whose reviewers and evidence the template lists."""
    layout: str = "rows"
    output: str | None = None
    """The file to write (its suffix gives the format) or ``-`` (CSV to standard output)."""
    force: bool = False
    """Replace an existing ``output``."""


_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


def write_template(engine: Any, request: TemplateRequest) -> bytes | str:
    """The template ``request`` asks for, with ``engine`` (a :class:`stocktake.Engine`) finding the
    rubric. Usage errors: no ``output``, an unknown suffix, an existing file without ``force``,
    no reviewers, a reviewer id that is not one."""
    from stocktake.core.errors import UsageError

    fmt = template_format(request.output)
    if request.output not in (None, "-") and Path(request.output).exists() and not request.force:
        raise UsageError(f"{request.output} exists and may hold reviewers' ratings: choose another name, "
                         "or pass --force to replace it")
    if request.layout not in LAYOUTS:
        raise UsageError(f"--layout: expected one of {', '.join(LAYOUTS)}, found {request.layout!r}")
    team = review_team(Path(request.review), engine.limits) if request.review else Team([])
    if (team.ratings_file is not None and request.output not in (None, "-") and team.ratings_file.exists()
            and _same_file(team.ratings_file, Path(request.output))):  # (writing it the first time is the point)
        raise UsageError(f"{request.output} is the ratings_file {request.review} reads its ratings from, and it "
                         "exists: a template would replace the reviewers' ratings, --force or not; choose another name")
    if request.reviewers is not None:
        ids = [r.strip() for r in request.reviewers.split(",")]
        for ref in ids:
            if not _ID.fullmatch(ref):
                raise UsageError(f"--reviewers: expected reviewer ids separated by commas (letters, digits, '.', "
                                 f"'_' or '-', e.g. du,ind), found {ref!r} in {request.reviewers!r}")
        names = dict(team.reviewers)
        unknown = [r for r in ids if request.review and r not in names]
        if unknown:
            raise UsageError(f"--reviewers: expected ids defined under 'reviewers' in {request.review} "
                             f"({', '.join(names)}), found {', '.join(map(repr, unknown))}")
        if len(set(ids)) != len(ids):
            raise UsageError(f"--reviewers: expected each id once, found {request.reviewers!r}")
        team = Team([(r, names.get(r, "")) for r in ids], team.evidence, team.ratings_file)
    if not team.reviewers:
        raise UsageError("expected --reviewers ID,... or --review REVIEW.yaml naming the reviewers, found neither")
    rubric = engine.rubric_from(request.rubric)
    layout: Layout = "matrix" if request.layout == "matrix" else "rows"
    return ratings_template(rubric, team, layout=layout, fmt=fmt)


def _same_file(a: Path, b: Path) -> bool:
    """True if ``a`` (which exists) and ``b`` name one file."""
    try:
        return a.samefile(b)
    except OSError:
        return False


def template_format(output: str | None) -> str:
    """``xlsx`` or ``csv``, from the output's name (``-``: CSV, the one format a terminal can take)."""
    from stocktake.core.errors import UsageError

    if output is None:
        raise UsageError("expected --output ratings.xlsx (or ratings.csv; '-' writes CSV to standard output)")
    if output == "-":
        return "csv"
    suffix = Path(output).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise UsageError(f"--output: expected a name ending .xlsx or .csv, found {output!r}")
    return suffix
