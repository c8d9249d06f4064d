"""Plain-text, Markdown and JSON views of rubrics and plugins (what the CLI prints).

Every view is deterministic: the same input gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from stocktake.api import RubricEntry
from stocktake.core.markup import code, md, md_lines, printable, token
from stocktake.hooks.host import PluginInfo
from stocktake.judgment.scale import Scale
from stocktake.render import dump_json, dump_model
from stocktake.rubric.model import Criterion, Rubric

__all__ = [
    "plugin_json", "plugin_table", "rubric_json", "rubric_listing_json", "rubric_markdown", "rubric_table", "table",
]


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A plain text table with columns padded to the widest cell. Every cell is
    :func:`~stocktake.core.markup.printable` (no control character reaches the terminal; a line
    break or tab is shown as ``\\n``, ``\\t``), so each row is one line."""
    rows = [[printable(str(cell)) for cell in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines) + "\n"


def rubric_table(entries: Sequence[RubricEntry]) -> str:
    """``stocktake rubrics``: id, version, title, source."""
    rows = [
        (e.rubric.id, e.rubric.version, e.rubric.title, f"{e.path} [{e.origin.describe()}]")
        for e in entries
    ]
    return table(("ID", "VERSION", "TITLE", "SOURCE"), rows)


def rubric_listing_json(entries: Sequence[RubricEntry]) -> str:
    return dump_json([
        {"id": e.rubric.id, "version": e.rubric.version, "title": e.rubric.title,
         "path": str(e.path), "source": e.origin.describe(), "sha256": e.sha256}
        for e in entries
    ])


def rubric_json(rubric: Rubric) -> str:
    """The rubric as a JSON document (itself a valid ``kind: Rubric`` file)."""
    return dump_model(rubric)


def plugin_table(plugins: Sequence[PluginInfo], disabled: Sequence[str] = ()) -> str:
    """``stocktake plugins``: name, distribution, version, hooks."""
    rows = [
        (p.name, p.distribution or "-", p.version or "-",
         ", ".join(h.removeprefix("stocktake_") for h in p.hooks) or "-")
        for p in plugins
    ]
    rows += [(name, "-", "-", "(disabled)") for name in disabled]
    return table(("NAME", "DISTRIBUTION", "VERSION", "HOOKS"), rows)


def plugin_json(plugins: Sequence[PluginInfo], disabled: Sequence[str] = ()) -> str:
    return dump_json({
        "plugins": [
            {"name": p.name, "distribution": p.distribution, "version": p.version,
             "module": p.module, "hooks": list(p.hooks)}
            for p in plugins
        ],
        "disabled": list(disabled),
    })


def _scale_line(scale: Scale) -> str:
    return " > ".join(f"{token(lv.code)} ({md(lv.label)})" for lv in scale.levels)


def _item_markdown(rubric: Rubric, item: Criterion, heading: str, code_: str | None) -> list[str]:
    scale = rubric.scale_of(item)
    title = f"{token(code_)} {md(item.title)}" if code_ else md(item.title)
    out = [f"{heading} {title}", "", f"id {code(item.id)}, rated on scale {code(scale.id)}", ""]
    out += ["Key questions:", ""] + [f"- {md(q)}" for q in item.key_questions] + [""]
    out += ["What each level looks like:", ""]
    for level, text in item.descriptors.items():
        out.append(f"- **{token(level)}** ({md(scale.level(level).label)}): {md(text)}")
    out.append("")
    if item.evidence_sources:
        out += ["Evidence sources:", ""] + [f"- {md(s)}" for s in item.evidence_sources] + [""]
    if item.actions.near_term or item.actions.longer_term:
        out += ["Moving toward the top of the scale:", ""]
        out += [f"- near term: {md(a)}" for a in item.actions.near_term]
        out += [f"- longer term: {md(a)}" for a in item.actions.longer_term]
        out.append("")
    if item.provenance:
        out += [f"_Wording: {md(item.provenance)}_", ""]
    return out


def rubric_markdown(entry: RubricEntry) -> str:
    """The rubric as readable Markdown: every section, component and criterion. A shared rubric's
    text is shown as text, escaped as in every Markdown view (:func:`stocktake.core.markup.md`)."""
    rubric = entry.rubric
    out = [f"# {md(rubric.title)}", "", f"{code(rubric.id)} version {token(rubric.version)}", ""]
    if rubric.description:
        out += [md_lines(rubric.description), ""]
    out += [f"Scale {code(rubric.default_scale.id)}: {_scale_line(rubric.default_scale)}", ""]
    out += [f"Default roll-up of sections: {token(rubric.roll_up)}"]
    if rubric.aggregation:
        out += [f"Default aggregation of reviewers' ratings: {token(rubric.aggregation)}"]
    out += [""]
    if rubric.source:
        out += [f"Source: {md(rubric.source)}", ""]
    out += [f"File: {md(entry.path)} ({md(entry.origin.describe())})", ""]
    for section in rubric.sections:
        title = f"{token(section.code)} {md(section.title)}" if section.code else md(section.title)
        out += [f"## {title}", ""]
        if section.question:
            out += [f"_{md(section.question)}_", ""]
        out += [f"Roll-up: {token(section.roll_up or rubric.roll_up)}", ""]
        for component in section.components:
            out += _item_markdown(rubric, component, "###", component.code)
            for criterion in component.criteria:
                out += _item_markdown(rubric, criterion, "####", None)
    return "\n".join(out).rstrip() + "\n"
