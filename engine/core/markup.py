"""Helpers shared by the Markdown and HTML views: escaping for Markdown, number formatting and the
jinja2 environment (autoescaping on, templates shipped in ``engine/render/templates``)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["ARROWS", "MOVES", "counts", "environment", "level_badge", "md", "number"]

ARROWS = {"improved": "↑", "declined": "↓", "unchanged": "→", "new": "new", "removed": "removed",
          "wording-changed": "≠", "not-rated": "·"}
"""Movement of a capacity component since the baseline."""

MOVES = {"up": "↑ up", "down": "↓ down", "same": "→ same", "new": "new"}
"""Movement of a priority's likelihood since the previous judgment."""


def md(text: Any) -> str:
    """Text shown as itself in Markdown, also inside a table cell: no raw HTML (``&<>`` as
    entities), no code spans, emphasis or links (their characters backslash-escaped), no cell
    breaks, one line, and nothing at its start that would make a heading or a list."""
    value = "" if text is None else str(text)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = " ".join(value.split())
    value = re.sub(r"([\\`*_\[\]|])", r"\\\1", value)
    value = re.sub(r"^(\d+)([.)]) ", r"\1\\\2 ", value)
    return "\\" + value if value[:1] in ("#", "-", "+", "=") else value


def number(value: float | None, unit: str = "") -> str:
    """A measure for reading: at most two decimals, no trailing zeros, ``-`` for none."""
    if value is None:
        return "-"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    return f"{text} {unit}".strip()


ORDER = ("G", "AG", "AR", "R", "improved", "unchanged", "declined", "up", "same", "down", "new", "removed",
         "wording-changed", "not-rated", "no-consensus", "unreachable")
"""How counts read: best level first, states last. JSON sorts keys, so a result read back from
JSON has lost the order it was built in; this restores it for the delivery scale's levels (other
keys follow in their own order)."""


def counts(values: dict[str, int], *, skip_zero: bool = False) -> str:
    """``G 3, AG 7, AR 4`` in reading order."""
    rank = {k: i for i, k in enumerate(ORDER)}
    keys = sorted(values, key=lambda k: (rank.get(k, len(ORDER)), list(values).index(k)))
    return ", ".join(f"{k} {values[k]}" for k in keys if values[k] or not skip_zero)


@cache
def environment() -> Any:
    """The jinja2 environment for every HTML view. Templates come from the package only: no
    template is ever compiled from user text."""
    import jinja2

    # Each capability keeps its templates in its own folder; this layer finds them by folder name
    # and imports none of them. Template names are unique across folders.
    package = Path(__file__).resolve().parent.parent
    folders = sorted(str(p) for p in package.glob("*/templates") if p.is_dir())
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    # Filters, not globals: jinja calls a filter directly, a global through its call machinery,
    # and reports call these tens of thousands of times.
    env.filters.update(counts=counts, level=level_badge, num=number)
    return env


def level_badge(code: str | None, state: str | None = None) -> Any:
    """A level as an HTML badge that prints its code (colour is never the only signal); a dashed
    grey badge saying why there is no level."""
    from markupsafe import Markup, escape

    if code:
        return Markup(f'<span class="level lv-{escape(code)}">{escape(code)}</span>')
    return Markup('<span class="level lv-none">{}</span>').format(
        "no consensus" if state == "no-consensus" else "not rated")
